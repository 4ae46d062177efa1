package dev.llmq.worker;

import static dev.llmq.worker.KafkaFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.worker.internal.KafkaChunkPublisher;
import dev.llmq.worker.internal.ResultFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Records larger than the worker's producer accepts ({@code max.request.size}, lowered here to 64 KiB; jobs are
 * accepted up to the broker's 1 MiB) end their jobs within seconds and never hold back their partition's commits.
 */
class OversizedRecordsIT extends WorkerIT {

    private static final int MAX_REQUEST_SIZE = 64 * 1024;
    private static final String OVERSIZED = "x".repeat(100_000);

    OversizedRecordsIT(KafkaCluster kafka) {
        super(kafka);
    }

    private static WorkerSettings settings(KafkaFixture fx) {
        return fx.settingsBuilder("w1")
                .clientProperties(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(MAX_REQUEST_SIZE)))
                .build();
    }

    private static JobRequest job(String id, String customId, Map<String, String> metadata) {
        JobRequest plain = TestJobs.job(id, false);
        return new JobRequest(plain.schemaVersion(), id, plain.batchId(), customId, plain.tenant(), plain.modelGroup(),
                plain.body(), false, 0, null, plain.tags(), metadata, plain.submittedAt(), null);
    }

    /** Offsets of the job under test and of the last job after it. */
    private record Sent(long middle, long last) {
    }

    /** Sends {@code middle} between two ordinary jobs and three more, all to partition 0. */
    private static Sent sendAmongOthers(KafkaFixture fx, JobRequest middle) throws Exception {
        fx.send(TestJobs.job("before-0", false), 0);
        fx.send(TestJobs.job("before-1", true), 0);
        long offset = fx.send(middle, 0).offset();
        long last = -1;
        for (int i = 0; i < 3; i++) {
            last = fx.send(TestJobs.job("after-" + i, i % 2 == 0), 0).offset();
        }
        return new Sent(offset, last);
    }

    @Test
    void aResultTooLargeEndsItsJobFailedWithTheReasonAndItsPartitionMovesOn() throws Exception {
        KafkaFixture fx = fixture("result-too-large", 1);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        start(settings(fx), new TestHandler(), meters);
        Sent sent = sendAmongOthers(fx, job("big", "custom-big", Map.of("blob", OVERSIZED)));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(TestJobs.resultsById(fx.readAll(fx.topics.results()))).containsKey("big"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(fx.committed()).containsEntry(new TopicPartition(fx.topics.jobs(), 0), sent.last() + 1));

        Map<String, List<JobResult>> results = TestJobs.resultsById(fx.readAll(fx.topics.results()));
        assertThat(results).hasSize(6).allSatisfy((id, list) -> assertThat(list).as(id).hasSize(1));
        JobResult big = results.get("big").getFirst();
        assertThat(big.status()).isEqualTo(JobStatus.FAILED);
        assertThat(big.error().code()).isEqualTo(ResultFactory.CODE_RESULT_TOO_LARGE);
        assertThat(big.error().message()).contains("succeeded result", "RecordTooLargeException",
                "max.request.size");
        assertThat(big.customId()).isEqualTo("custom-big");
        assertThat(big.usage()).isEqualTo(TestJobs.usage());
        assertThat(big.metadata()).isEmpty();
        assertThat(results).allSatisfy((id, list) -> {
            if (!id.equals("big")) {
                assertThat(list.getFirst().status()).as(id).isEqualTo(JobStatus.SUCCEEDED);
            }
        });
        assertThat(meters.get("llmq.results.replaced").counter().count()).isEqualTo(1);
        assertThat(fx.readAll(fx.topics.dlq())).isEmpty();
    }

    @Test
    void aJobWhoseResultCannotBeShrunkEnoughIsDeadLetteredWithTheReasonAndItsPartitionMovesOn() throws Exception {
        KafkaFixture fx = fixture("unshrinkable", 1);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        start(settings(fx), new TestHandler(), meters);
        Sent sent = sendAmongOthers(fx, job("huge-id", OVERSIZED, Map.of()));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fx.readAll(fx.topics.dlq())).hasSize(1));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(fx.committed()).containsEntry(new TopicPartition(fx.topics.jobs(), 0), sent.last() + 1));

        ConsumerRecord<byte[], byte[]> letter = fx.readAll(fx.topics.dlq()).getFirst();
        assertThat(new String(letter.key())).isEqualTo("huge-id");
        assertThat(letter.value()).as("the job record itself is too large for the worker's producer").isNull();
        assertThat(header(letter, LlmqHeaders.DLQ_REASON)).startsWith(ResultFactory.CODE_RESULT_TOO_LARGE)
                .contains("max.request.size", "left out");
        assertThat(header(letter, LlmqHeaders.DLQ_EXCEPTION)).endsWith("RecordTooLargeException");
        assertThat(header(letter, LlmqHeaders.DLQ_ORIGINAL_TOPIC)).isEqualTo(fx.topics.jobs());
        assertThat(header(letter, LlmqHeaders.DLQ_ORIGINAL_OFFSET)).isEqualTo(Long.toString(sent.middle()));
        assertThat(TestJobs.resultsById(fx.readAll(fx.topics.results()))).hasSize(5).doesNotContainKey("huge-id");
        assertThat(meters.get("llmq.jobs.dlq").counter().count()).isEqualTo(1);
    }

    @Test
    void aChunkTooLargeIsLeftOutOfTheStreamAndTheResultSaysSo() throws Exception {
        KafkaFixture fx = fixture("chunk-too-large", 1);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        JobHandler handler = (job, chunks) -> {
            chunks.publish(TestJobs.roleChunk(job.jobId()));
            chunks.publish(TestJobs.contentChunk(job.jobId(), OVERSIZED));
            chunks.publish(TestJobs.contentChunk(job.jobId(), "small"));
            chunks.publish(TestJobs.finishChunk(job.jobId()));
            return JobOutcome.succeeded(TestJobs.completion(job.jobId(), "small"), TestJobs.usage());
        };
        start(settings(fx), handler, meters);
        fx.send(TestJobs.job("streamed", true), 0);

        awaitAllCommitted(fx);

        JobResult result = TestJobs.resultsById(fx.readAll(fx.topics.results())).get("streamed").getFirst();
        assertThat(result.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(result.adjustments()).containsExactly(KafkaChunkPublisher.STREAM_INCOMPLETE + 1);
        List<StreamChunk> chunks = TestJobs.chunksById(fx.readAll(fx.topics.chunks())).get("streamed");
        assertThat(chunks).extracting(StreamChunk::seq).containsExactly(0L, 2L, 3L);
        assertThat(meters.get("llmq.chunks.dropped").counter().count()).isEqualTo(1);
    }
}
