package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TopicNames;
import dev.llmq.worker.internal.ResultFactory;
import dev.llmq.worker.results.ResultDedupe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ResultDedupe#topology}: the first result per job id passes, later ones within the retention do not. */
class ResultDedupeTest {

    private static final TopicNames TOPICS = new TopicNames("acme");
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> raw;
    private TestOutputTopic<String, byte[]> results;

    @BeforeEach
    void startDriver() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "acme-results-dedupe");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(ResultDedupe.topology(TOPICS, RETENTION), props, T0);
        raw = driver.createInputTopic(TOPICS.resultsRaw(), new StringSerializer(), new ByteArraySerializer());
        results = driver.createOutputTopic(TOPICS.results(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    private static JobResult succeeded(String jobId) {
        return ResultFactory.fromOutcome(TestJobs.job(jobId, false), JobOutcome.succeeded(
                TestJobs.completion(jobId, "hello"), TestJobs.usage()), TestJobs.NOW, TestJobs.NOW, Duration.ZERO, null);
    }

    private static JobResult failed(String jobId) {
        return ResultFactory.fromOutcome(TestJobs.job(jobId, false),
                ResultFactory.failure(new IllegalStateException("boom")), TestJobs.NOW, TestJobs.NOW, Duration.ZERO,
                null);
    }

    private void pipe(String key, JobResult result, Instant at) {
        pipe(key, result == null ? null : TestJobs.RESULTS.toBytes(result), at);
    }

    private void pipe(String key, byte[] value, Instant at) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_id", (key + ":result@" + at).getBytes(StandardCharsets.UTF_8));
        raw.pipeInput(new TestRecord<>(key, value, headers, at));
    }

    private List<JobResult> passed() {
        return results.readValuesToList().stream().map(TestJobs.RESULTS::fromBytes).toList();
    }

    @Test
    void theFirstResultOfAJobPassesUnchangedAndLaterOnesAreDroppedWhateverTheirStatus() {
        JobResult first = succeeded("job-1");
        pipe("job-1", first, T0);
        pipe("job-2", succeeded("job-2"), T0.plusSeconds(1));
        pipe("job-1", failed("job-1"), T0.plusSeconds(5));
        pipe("job-1", succeeded("job-1"), T0.plusSeconds(6));
        pipe("job-3", failed("job-3"), T0.plusSeconds(7));
        pipe("job-2", failed("job-2"), T0.plusSeconds(8));

        List<TestRecord<String, byte[]>> out = results.readRecordsToList();
        assertThat(out).extracting(TestRecord::key).containsExactly("job-1", "job-2", "job-3");
        TestRecord<String, byte[]> job1 = out.getFirst();
        assertThat(job1.value()).isEqualTo(TestJobs.RESULTS.toBytes(first));
        assertThat(job1.getRecordTime()).isEqualTo(T0);
        assertThat(new String(job1.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8))
                .isEqualTo("job-1:result@" + T0);
        assertThat(TestJobs.RESULTS.fromBytes(out.get(1).value()).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(TestJobs.RESULTS.fromBytes(out.get(2).value()).status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void aDuplicateStampedEarlierThanTheFirstResultIsDroppedToo() {
        pipe("job-1", succeeded("job-1"), T0.plusSeconds(30));
        pipe("job-1", failed("job-1"), T0);

        assertThat(passed()).extracting(JobResult::status).containsExactly(JobStatus.SUCCEEDED);
    }

    @Test
    void aJobIsRememberedForTheRetentionAndForgottenAfterIt() {
        pipe("job-1", succeeded("job-1"), T0);
        pipe("job-1", failed("job-1"), T0.plus(RETENTION).minusSeconds(1));
        assertThat(passed()).hasSize(1);

        // other jobs' results move stream time on; the store drops the segments older than the retention
        pipe("job-2", succeeded("job-2"), T0.plus(RETENTION.multipliedBy(3)));
        WindowStore<String, Long> store = driver.getWindowStore(ResultDedupe.STORE);
        try (WindowStoreIterator<Long> remembered = store.fetch("job-1", Instant.EPOCH,
                T0.plus(RETENTION.multipliedBy(3)))) {
            assertThat(remembered.hasNext()).as("job-1's entry has expired").isFalse();
        }
        pipe("job-1", failed("job-1"), T0.plus(RETENTION.multipliedBy(3)).plusSeconds(1));

        assertThat(passed()).extracting(JobResult::jobId, JobResult::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("job-2", JobStatus.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple("job-1", JobStatus.FAILED));
    }

    @Test
    void recordsThatAreNotAJobsResultAreSkippedAndDoNotCountAsItsResult() {
        pipe("job-1", (byte[]) null, T0);
        pipe("job-1", "not json".getBytes(StandardCharsets.UTF_8), T0.plusSeconds(1));
        pipe("job-1", succeeded("job-9"), T0.plusSeconds(2));
        pipe(null, succeeded("job-1"), T0.plusSeconds(3));
        assertThat(results.isEmpty()).isTrue();

        pipe("job-1", succeeded("job-1"), T0.plusSeconds(4));
        pipe("job-1", succeeded("job-1"), T0.plusSeconds(5));

        assertThat(passed()).extracting(JobResult::jobId).containsExactly("job-1");
    }

    @Test
    void theRetentionMustBePositive() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResultDedupe.topology(TOPICS, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Files.isDirectory(stateDir)).isTrue();
    }
}
