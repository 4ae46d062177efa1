package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Whether a record keyed by an id is past what the status store processed, read from the partitions' tails. */
class UnreadTailTest {

    private static final TopicPartition JOBS = new TopicPartition("llmq.jobs.v1", 1);
    private static final TopicPartition INTERACTIVE = new TopicPartition("llmq.jobs.interactive.v1", 1);

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    private final UnreadTail tail = new UnreadTail(() -> consumer, Duration.ofSeconds(5));

    private void records(TopicPartition tp, long from, String... keys) {
        consumer.updateBeginningOffsets(Map.of(tp, 0L));
        consumer.updateEndOffsets(Map.of(tp, from + keys.length));
        consumer.schedulePollTask(() -> {
            for (int i = 0; i < keys.length; i++) {
                consumer.addRecord(new ConsumerRecord<>(tp.topic(), tp.partition(), from + i, keys[i], new byte[0]));
            }
        });
    }

    @Test
    void anIdWhoseRecordIsPastWhatWasProcessedIsInTheTail() {
        records(JOBS, 40, "job_a", "job_b", "job_c");
        consumer.updateEndOffsets(Map.of(INTERACTIVE, 7L));

        assertThat(tail.holds(Map.of(JOBS, 40L, INTERACTIVE, 7L), "job_b")).isTrue();
    }

    @Test
    void anIdNoRecordOfTheTailsHasIsNotInThem() {
        records(JOBS, 40, "job_a", "job_b");
        records(INTERACTIVE, 7, "job_c");

        assertThat(tail.holds(Map.of(JOBS, 40L, INTERACTIVE, 7L), "job_z")).isFalse();
        assertThat(consumer.position(JOBS)).isEqualTo(42);
        assertThat(consumer.position(INTERACTIVE)).isEqualTo(8);
    }

    @Test
    void partitionsReadToTheirEndAreNotReadAgain() {
        consumer.updateEndOffsets(Map.of(JOBS, 40L, INTERACTIVE, 7L));

        assertThat(tail.holds(Map.of(JOBS, 40L, INTERACTIVE, 7L), "job_a")).isFalse();
        assertThat(consumer.assignment()).as("nothing to read").isEmpty();
    }

    @Test
    void aTailLongerThanItReadsMayHoldIt() {
        consumer.updateEndOffsets(Map.of(JOBS, 40L + UnreadTail.MOST + 1, INTERACTIVE, 7L));

        assertThat(tail.holds(Map.of(JOBS, 40L, INTERACTIVE, 7L), "job_a")).isTrue();
        assertThat(consumer.assignment()).as("not read").isEmpty();
    }
}
