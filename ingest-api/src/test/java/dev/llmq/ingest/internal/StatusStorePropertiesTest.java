package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.ingest.IngestSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/** What the status store's Kafka Streams app runs with. */
class StatusStorePropertiesTest {

    private static final Properties PROPS = StatusStore.properties(
            IngestSettings.builder("kafka:9092", "ingest-1").build(), Path.of("/tmp/unused"),
            new HostInfo("127.0.0.1", 8080));

    @Test
    void aTaskProcessesWhatItHasWithoutIdlingForItsOtherPartitions() {
        // the topology takes its four inputs in any order; idling only delayed records and cost CPU per record
        assertThat(PROPS).containsEntry(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "-1");
        assertThat(new StreamsConfig(PROPS).getLong(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG))
                .isEqualTo(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    }

    @Test
    void fetchesWaitForSomeDataUnlessTheUserSaysOtherwise() {
        assertThat(PROPS).containsEntry(StreamsConfig.consumerPrefix("fetch.min.bytes"), "32768")
                .containsEntry(StreamsConfig.consumerPrefix("fetch.max.wait.ms"), "100");

        Properties theirs = StatusStore.properties(IngestSettings.builder("kafka:9092", "ingest-1")
                .kafkaProperties(Map.of("fetch.min.bytes", "1", "fetch.max.wait.ms", "500")).build(),
                Path.of("/tmp/unused"), new HostInfo("127.0.0.1", 8080));
        assertThat(theirs).containsEntry("fetch.min.bytes", "1").containsEntry("fetch.max.wait.ms", "500")
                .doesNotContainKey(StreamsConfig.consumerPrefix("fetch.min.bytes"))
                .doesNotContainKey(StreamsConfig.consumerPrefix("fetch.max.wait.ms"));
    }

    @Test
    void theChangelogIsWrittenWithLz4UnlessTheUserSaysOtherwise() {
        assertThat(PROPS).containsEntry(StreamsConfig.producerPrefix("compression.type"), "lz4");
        assertThat(new StreamsConfig(PROPS).getProducerConfigs("ingest-1-status-producer"))
                .containsEntry("compression.type", "lz4");

        Properties theirs = StatusStore.properties(IngestSettings.builder("kafka:9092", "ingest-1")
                .kafkaProperties(Map.of("compression.type", "zstd")).build(), Path.of("/tmp/unused"),
                new HostInfo("127.0.0.1", 8080));
        assertThat(theirs).doesNotContainKey(StreamsConfig.producerPrefix("compression.type"));
        assertThat(new StreamsConfig(theirs).getProducerConfigs("ingest-1-status-producer"))
                .containsEntry("compression.type", "zstd");
    }

    @Test
    void aRestartedInstanceTakesItsFormerMembersPlaceAtOnce() {
        assertThat(PROPS).containsEntry(StreamsConfig.mainConsumerPrefix("group.instance.id"), "ingest-1-status")
                .containsEntry(StreamsConfig.consumerPrefix("session.timeout.ms"), "10000");
        assertThat(new StreamsConfig(PROPS).getMainConsumerConfigs("g", "ingest-1-status-consumer", 1))
                .containsEntry("group.instance.id", "ingest-1-status-1");
    }

    @Test
    void jobsOfAbortedSubmissionsAreNeverRead() {
        assertThat(PROPS).containsEntry(StreamsConfig.consumerPrefix("isolation.level"), "read_committed");
    }

    @Test
    void processingErrorsOfGlobalTablesGoToTheHandlerAsFromKafka5() {
        // without it Kafka Streams logs a warning at every start, also from its partition assignor, which builds its
        // own StreamsConfig of the main consumer's configs
        String key = StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG;
        assertThat(new StreamsConfig(PROPS).getBoolean(key)).isTrue();
        assertThat(new StreamsConfig(PROPS).getMainConsumerConfigs("group", "client", 0)).containsEntry(key, "true");
    }
}
