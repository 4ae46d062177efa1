package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.worker.Delivery;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code llmq.worker.await_first_start}: which starts wait for their start count to be recorded. The starts' consumer
 * holds every commit until the test lets it go, so a start that waits cannot have been let through: a delivery whose
 * wait ends while the commits are held did not wait. By default every start waits; with the option off only a record
 * appended after the feed took its partition (at or above the end it read then) and never started runs at once. Its
 * start is recorded all the same, and a next owner, for which that record is old, waits for it.
 */
class FirstStartTest {

    private static final TopicPartition JOBS = new TopicPartition("jobs", 0);

    private final ExecutorService waiters = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().factory());
    private final List<ClassicGroupFeed> feeds = new CopyOnWriteArrayList<>();
    private final List<HeldStarts> starts = new CopyOnWriteArrayList<>();

    /** A starts' consumer whose commits wait for {@link #release}. */
    private static final class HeldStarts extends MockConsumer<byte[], byte[]> {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger entered = new AtomicInteger();
        /** What the last commit let through carried (the mock keeps no metadata). */
        final AtomicReference<Map<TopicPartition, OffsetAndMetadata>> last = new AtomicReference<>(Map.of());

        HeldStarts() {
            super("earliest");
        }

        @Override
        public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            entered.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted");
            }
            super.commitSync(offsets, timeout);
            last.set(Map.copyOf(offsets));
        }
    }

    private record Run(List<Delivery> deliveries, HeldStarts starts) {
        Delivery at(long offset) {
            return deliveries.stream().filter(d -> d.record().offset() == offset).findFirst().orElseThrow();
        }
    }

    @AfterEach
    void stop() {
        starts.forEach(s -> s.release.countDown());
        feeds.forEach(ClassicGroupFeed::abort);
        waiters.shutdownNow();
    }

    private static ClassicGroupFeed.Options options(boolean awaitFirstStart) {
        return new ClassicGroupFeed.Options("jobs.interactive", JOBS.topic(), 8, 8, 0.2, 8, 3, awaitFirstStart,
                Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ZERO);
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset) {
        return new ConsumerRecord<>(JOBS.topic(), JOBS.partition(), offset, ("k" + offset).getBytes(),
                "{}".getBytes());
    }

    /**
     * A feed that takes the partition when its end is {@code end} (no start counts recorded by earlier owners) and
     * then sees the records {@code 0 .. records - 1}.
     */
    private Run run(boolean awaitFirstStart, long end, int records) {
        return run(awaitFirstStart, end, records, null);
    }

    /** The same, with reading the partition's end failing with {@code endsFail} (when not null). */
    private Run run(boolean awaitFirstStart, long end, int records, KafkaException endsFail) {
        MockConsumer<byte[], byte[]> consumer = new JobsConsumer();
        HeldStarts held = new HeldStarts();
        StartsLog startsLog = new StartsLog(held, "test-starts");
        ClassicGroupFeed feed = new ClassicGroupFeed(consumer, options(awaitFirstStart),
                ClassicGroupFeedTest.transactions(), startsLog);
        feeds.add(feed);
        starts.add(held);
        List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        consumer.schedulePollTask(() -> {
            consumer.updateBeginningOffsets(Map.of(JOBS, 0L));
            consumer.updateEndOffsets(Map.of(JOBS, end));
            if (endsFail != null) {
                consumer.setOffsetsException(endsFail);
            }
            consumer.rebalance(List.of(JOBS));
            consumer.seek(JOBS, 0);
            for (long offset = 0; offset < records; offset++) {
                consumer.addRecord(record(offset));
            }
        });
        Thread.ofPlatform().daemon().name("test-feed").start(() -> feed.run(deliveries::add));
        await().atMost(Duration.ofSeconds(20)).until(() -> deliveries.size() == records && held.entered.get() > 0);
        return new Run(deliveries, held);
    }

    private CompletableFuture<Void> recorded(Delivery delivery) {
        return CompletableFuture.runAsync(() -> {
            try {
                delivery.awaitStartRecorded();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, waiters);
    }

    @Test
    void byDefaultEveryStartWaitsForItsRecordEvenOfARecordAppendedSinceThePartitionWasTaken() {
        Run r = run(true, 1, 3); // offset 0 was there when the feed took the partition; 1 and 2 came later
        List<CompletableFuture<Void>> waits = r.deliveries().stream().map(this::recorded).toList();

        assertThat(waits).noneMatch(CompletableFuture::isDone); // the commits are held: none can have been recorded
        r.starts().release.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> waits.stream().allMatch(CompletableFuture::isDone));
    }

    @Test
    void withoutItARecordAppendedSinceThePartitionWasTakenRunsWhileItsStartIsRecorded() {
        Run r = run(false, 1, 3);
        CompletableFuture<Void> old = recorded(r.at(0));
        CompletableFuture<Void> fresh1 = recorded(r.at(1));
        CompletableFuture<Void> fresh2 = recorded(r.at(2));

        await().atMost(Duration.ofSeconds(20)).until(() -> fresh1.isDone() && fresh2.isDone());
        assertThat(old).isNotDone(); // there before: an earlier owner may have started it, so its start waits
        assertThat(r.at(1).start()).isEqualTo(1);

        r.starts().release.countDown();
        await().atMost(Duration.ofSeconds(20)).until(old::isDone);
        // the fresh records' starts were recorded all the same, for a next owner to read
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(countsOf(r.starts()))
                .containsEntry(0L, 1).containsEntry(1L, 1).containsEntry(2L, 1));
    }

    @Test
    void startsThatNoJobWaitsForAreRecordedAllTheSame() {
        Run r = run(false, 0, 3); // every record came after the feed took the partition
        List<CompletableFuture<Void>> waits = r.deliveries().stream().map(this::recorded).toList();

        await().atMost(Duration.ofSeconds(20)).until(() -> waits.stream().allMatch(CompletableFuture::isDone));
        assertThat(r.starts().last.get()).isEmpty(); // all ran while the commit was held
        r.starts().release.countDown();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(countsOf(r.starts()))
                .containsEntry(0L, 1).containsEntry(1L, 1).containsEntry(2L, 1));
    }

    @Test
    void aNextOwnerWaitsForTheStartOfARecordThatWasFreshForTheOwnerBefore() {
        // the first owner died before its record of offset 2's start was acknowledged: nothing counted; for the next
        // owner, which took the partition with its end at 3, the record is old and its start waits
        Run r = run(false, 3, 3);
        List<CompletableFuture<Void>> waits = r.deliveries().stream().map(this::recorded).toList();

        assertThat(r.deliveries()).extracting(Delivery::start).containsOnly(1);
        assertThat(waits).noneMatch(CompletableFuture::isDone);
        r.starts().release.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> waits.stream().allMatch(CompletableFuture::isDone));
    }

    @Test
    void whenThePartitionsEndCannotBeReadEveryStartWaits() {
        Run r = run(false, 0, 2, new org.apache.kafka.common.errors.TimeoutException("no answer"));
        List<CompletableFuture<Void>> waits = r.deliveries().stream().map(this::recorded).toList();

        assertThat(waits).noneMatch(CompletableFuture::isDone); // fresh or not, nothing tells them apart
        r.starts().release.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> waits.stream().allMatch(CompletableFuture::isDone));
    }

    private static NavigableMap<Long, Integer> countsOf(HeldStarts starts) {
        OffsetAndMetadata committed = starts.last.get().get(JOBS);
        assertThat(committed).isNotNull();
        return CommitMetadata.decode(committed.offset(), committed.metadata()).starts();
    }
}
