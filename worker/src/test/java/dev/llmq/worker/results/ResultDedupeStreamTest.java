package dev.llmq.worker.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.schemas.TopicNames;
import dev.llmq.worker.WorkerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * The de-duplication's Streams settings: its commit interval is {@code llmq.worker.results_commit_interval_ms}
 * (a latency/CPU trade), while exactly-once is not a setting at all, not even through the user's Kafka properties.
 */
class ResultDedupeStreamTest {

    private static WorkerSettings.Builder settings() {
        return WorkerSettings.builder("127.0.0.1:9092", TopicNames.defaults(), "w1");
    }

    @Test
    void theCommitIntervalIsTheWorkersSettingAndExactlyOnceStays() {
        Properties props = ResultDedupeStream.properties(settings().resultsCommitInterval(Duration.ofMillis(40))
                .clientProperties(Map.of("processing.guarantee", "at_least_once", "commit.interval.ms", "5",
                        "state.cleanup.delay.ms", "600000"))
                .build(), Path.of("/tmp/unused"));

        assertThat(props.getProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo("40");
        assertThat(props.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        // a task directory without a checkpoint must be gone before the task can come back (ExactlyOnceState)
        assertThat(props.getProperty(StreamsConfig.STATE_CLEANUP_DELAY_MS_CONFIG)).isEqualTo("1000");
    }

    @Test
    void theDefaultIsTheKeysDefault() {
        Properties props = ResultDedupeStream.properties(settings().build(), Path.of("/tmp/unused"));

        assertThat(props.getProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo("100");
        assertThat(WorkerSettings.DEFAULT_RESULTS_COMMIT_INTERVAL).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void anIntervalTheKeyRefusesIsRefusedHereToo() {
        assertThatThrownBy(() -> settings().resultsCommitInterval(Duration.ofMillis(5)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resultsCommitInterval");
    }

    @Test
    void theTransactionalProducerRetriesSoonUnlessTheUserSaysOtherwise() {
        Properties props = ResultDedupeStream.properties(settings().build(), Path.of("/tmp/unused"));
        assertThat(props.getProperty(StreamsConfig.producerPrefix("retry.backoff.ms"))).isEqualTo("10");

        Properties theirs = ResultDedupeStream.properties(settings().clientProperties(Map.of("retry.backoff.ms", "250"))
                .build(), Path.of("/tmp/unused"));
        assertThat(theirs.getProperty(StreamsConfig.producerPrefix("retry.backoff.ms"))).isNull();
        assertThat(theirs.getProperty("retry.backoff.ms")).isEqualTo("250");
    }

    @Test
    void fetchesWaitForSeveralResultsUnlessTheUserSaysOtherwise() {
        Properties props = ResultDedupeStream.properties(settings().build(), Path.of("/tmp/unused"));
        assertThat(props.getProperty(StreamsConfig.consumerPrefix("fetch.min.bytes"))).isEqualTo("32768");
        assertThat(props.getProperty(StreamsConfig.consumerPrefix("fetch.max.wait.ms"))).isEqualTo("20");
        // a wait shorter than the commit interval: the fetch adds little to when readers see a result
        assertThat(ResultDedupeStream.FETCH_MAX_WAIT).isLessThan(WorkerSettings.DEFAULT_RESULTS_COMMIT_INTERVAL);

        Properties theirs = ResultDedupeStream.properties(settings().clientProperties(Map.of("fetch.min.bytes", "1",
                "fetch.max.wait.ms", "500")).build(), Path.of("/tmp/unused"));
        assertThat(theirs.getProperty(StreamsConfig.consumerPrefix("fetch.min.bytes"))).isNull();
        assertThat(theirs.getProperty(StreamsConfig.consumerPrefix("fetch.max.wait.ms"))).isNull();
        assertThat(theirs.getProperty("fetch.min.bytes")).isEqualTo("1");
        assertThat(theirs.getProperty("fetch.max.wait.ms")).isEqualTo("500");
    }
}
