package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The status view's consumer supervision, against kafka-clients' MockConsumer. */
class KafkaJobStatusViewTest {

    private static final TopicNames TOPICS = new TopicNames("view-test");
    private static final Instant T0 = Instant.parse("2026-11-26T15:00:00Z");

    private static IngestSettings settings(Duration kafkaTimeout) {
        return IngestSettings.builder("unused:9092", "view-test").topics(TOPICS).kafkaTimeout(kafkaTimeout).build();
    }

    /** A consumer that sees the three topics with one partition each, holding the given results. */
    private static MockConsumer<String, byte[]> consumer(JobResult... results) {
        MockConsumer<String, byte[]> c = new BlockingPollConsumer();
        for (String topic : List.of(TOPICS.jobs(), TOPICS.status(), TOPICS.results())) {
            c.updatePartitions(topic, List.of(new PartitionInfo(topic, 0, null, null, null)));
            TopicPartition tp = new TopicPartition(topic, 0);
            c.updateBeginningOffsets(Map.of(tp, 0L));
            c.updateEndOffsets(Map.of(tp, topic.equals(TOPICS.results()) ? (long) results.length : 0L));
        }
        TopicPartition results0 = new TopicPartition(TOPICS.results(), 0);
        c.schedulePollTask(() -> {
            for (int i = 0; i < results.length; i++) {
                c.addRecord(new ConsumerRecord<>(results0.topic(), 0, i, results[i].jobId(),
                        JsonSerde.jobResult().toBytes(results[i])));
            }
        });
        return c;
    }

    /**
     * A MockConsumer whose poll waits out its timeout when it has nothing, as a real consumer does: the plain one
     * returns at once, and the view's thread would spin on its monitor and hold off {@code wakeup()}.
     */
    private static final class BlockingPollConsumer extends MockConsumer<String, byte[]> {
        BlockingPollConsumer() {
            super("earliest");
        }

        @Override
        public ConsumerRecords<String, byte[]> poll(Duration timeout) {
            ConsumerRecords<String, byte[]> records = super.poll(timeout);
            if (records.isEmpty()) {
                LockSupport.parkNanos(timeout.toNanos());
            }
            return records;
        }
    }

    private static JobResult failed(String jobId) {
        return new JobResult(1, jobId, null, null, null, "gpt-4o", JobStatus.FAILED, null,
                new JobError(null, null, "boom", null, "server_error", 500, "openai"), null, null, null, null, null,
                null, null, null, T0, T0, T0, null, null, null);
    }

    @Test
    void aFailedConsumerIsReplacedAndTheNewOneRebuildsTheView() {
        MockConsumer<String, byte[]> broken = consumer();
        broken.setPollException(new KafkaException("broker went away"));
        MockConsumer<String, byte[]> healthy = consumer(failed("job_1"));
        List<MockConsumer<String, byte[]>> next = new CopyOnWriteArrayList<>(List.of(broken, healthy));
        try (KafkaJobStatusView view = new KafkaJobStatusView(settings(Duration.ofSeconds(1)), Json.mapper(),
                config -> next.removeFirst())) {
            view.start();

            await().atMost(Duration.ofSeconds(10)).until(view::caughtUp);

            assertThat(broken.closed()).isTrue();
            assertThat(next).isEmpty();
            assertThat(view.job("job_1")).map(JobSnapshot::status).contains(JobStatus.FAILED);
        }
    }

    @Test
    void closeEndsTheBackoffBetweenRestartsAtOnce() {
        AtomicInteger attempts = new AtomicInteger();
        // the first wait after a failure is a fifth of the Kafka timeout: 6 s here
        KafkaJobStatusView view = new KafkaJobStatusView(settings(Duration.ofSeconds(30)), Json.mapper(), config -> {
            attempts.incrementAndGet();
            throw new KafkaException("no broker");
        });
        view.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> attempts.get() == 1);

        long t0 = System.nanoTime();
        view.close();

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        assertThat(attempts).hasValue(1);
    }
}
