package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class PartitionTrackerTest {

    private static ConsumerRecord<byte[], byte[]> record(long offset) {
        return new ConsumerRecord<>("jobs", 0, offset, new byte[0], new byte[0]);
    }

    @Test
    void nothingSeenCommitsNothing() {
        assertThat(new PartitionTracker().committable(-1)).isEmpty();
    }

    @Test
    void commitStopsAtTheLowestUnfinishedOffset() {
        PartitionTracker tracker = new PartitionTracker();
        for (long offset = 10; offset < 15; offset++) {
            tracker.seen(record(offset));
            tracker.takeBacklog();
        }
        tracker.done(10);
        tracker.done(12);
        tracker.done(13);
        assertThat(tracker.committable(-1)).isEqualTo(OptionalLong.of(11));
        tracker.done(11);
        assertThat(tracker.committable(-1)).isEqualTo(OptionalLong.of(14));
        tracker.done(14);
        assertThat(tracker.committable(-1)).isEqualTo(OptionalLong.of(15));
        assertThat(tracker.committable(17)).as("position past a transaction marker").isEqualTo(OptionalLong.of(17));
    }

    @Test
    void undispatchedRecordsHoldTheCommitAndCountApart() {
        PartitionTracker tracker = new PartitionTracker();
        tracker.seen(record(0));
        tracker.seen(record(1));
        tracker.seen(record(2));
        assertThat(tracker.takeBacklog().offset()).isZero();
        tracker.done(0);
        assertThat(tracker.backlog()).isEqualTo(2);
        assertThat(tracker.dispatched()).isZero();
        assertThat(tracker.committable(3)).isEqualTo(OptionalLong.of(1));
        assertThat(tracker.peekBacklog().offset()).isEqualTo(1);
    }

    @Test
    void committedOffsetNeverPassesAnUnfinishedRecordWhateverTheCompletionOrder() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            PartitionTracker tracker = new PartitionTracker();
            int count = 1 + random.nextInt(50);
            List<Long> offsets = new ArrayList<>();
            for (long offset = 0; offset < count; offset++) {
                tracker.seen(record(offset * 2)); // gaps, as transaction markers leave them
                tracker.takeBacklog();
                offsets.add(offset * 2);
            }
            Collections.shuffle(offsets, random);
            List<Long> done = new ArrayList<>();
            for (long offset : offsets) {
                tracker.done(offset);
                done.add(offset);
                long committable = tracker.committable(-1).orElseThrow();
                for (long seen = 0; seen < count * 2L; seen += 2) {
                    if (seen < committable) {
                        assertThat(done).contains(seen);
                    }
                }
                if (tracker.advances(committable)) {
                    tracker.committed(committable);
                }
            }
            assertThat(tracker.committable(-1)).isEqualTo(OptionalLong.of((count - 1) * 2L + 1));
        }
    }
}
