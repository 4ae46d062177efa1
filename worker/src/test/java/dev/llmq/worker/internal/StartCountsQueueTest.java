package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The records of start counts ({@link FeedCommits#commitStarts}, {@link StartsLog}): while one is with the broker, the
 * next one is queued behind it and goes as soon as it is acknowledged, with no call from the polling thread in
 * between; never more than {@link FeedCommits#STARTS_GOING_MAX} at once. The test is the polling thread here: the
 * starts' consumer holds each commit until the test opens its gate.
 */
class StartCountsQueueTest {

    private static final TopicPartition JOBS = new TopicPartition("jobs", 0);

    /** A starts' consumer whose n-th commit waits for {@code gate(n)}; a gate completed exceptionally fails it. */
    private static final class GatedStarts extends MockConsumer<byte[], byte[]> {
        final Map<Integer, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();
        final AtomicInteger entered = new AtomicInteger();
        /** What each commit let through carried (the mock keeps no metadata). */
        final List<Map<TopicPartition, OffsetAndMetadata>> carried = new CopyOnWriteArrayList<>();

        GatedStarts() {
            super("earliest");
        }

        CompletableFuture<Void> gate(int n) {
            return gates.computeIfAbsent(n, k -> new CompletableFuture<>());
        }

        @Override
        public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            int n = entered.getAndIncrement();
            try {
                gate(n).join();
            } catch (RuntimeException e) {
                throw new KafkaException("commit " + n + " refused");
            }
            super.commitSync(offsets, timeout);
            carried.add(Map.copyOf(offsets));
        }
    }

    private final GatedStarts starts = new GatedStarts();
    private final StartsLog startsLog = new StartsLog(starts, "test-starts");
    private final ResultTransactions transactions = ClassicGroupFeedTest.transactions();
    private final PartitionTracker tracker = new PartitionTracker();
    private final AtomicInteger ended = new AtomicInteger();
    private final FeedCommits commits = new FeedCommits(new MockConsumer<>("earliest"), Map.of(JOBS, tracker),
            transactions, startsLog, ended::incrementAndGet);

    @AfterEach
    void close() {
        starts.gates.values().forEach(g -> g.complete(null));
        startsLog.close();
        transactions.close();
    }

    /** The record at {@code offset} is polled and started; the returned future completes once its count is recorded. */
    private CompletableFuture<Void> start(long offset) {
        tracker.seen(new ConsumerRecord<>(JOBS.topic(), JOBS.partition(), offset, new byte[0], new byte[0]));
        tracker.takeBacklog();
        CompletableFuture<Void> recorded = new CompletableFuture<>();
        tracker.started(offset, recorded);
        return recorded;
    }

    private static Map<Long, Integer> countsIn(Map<TopicPartition, OffsetAndMetadata> commit) {
        OffsetAndMetadata record = commit.get(JOBS);
        return CommitMetadata.decode(record.offset(), record.metadata()).starts();
    }

    @Test
    void theNextRecordGoesAsSoonAsTheOneBeforeIsAcknowledged() {
        CompletableFuture<Void> first = start(0);
        commits.commitStarts();
        await().atMost(Duration.ofSeconds(10)).until(() -> starts.entered.get() == 1);
        CompletableFuture<Void> second = start(1);
        commits.commitStarts(); // queued behind the first
        CompletableFuture<Void> third = start(2);
        commits.commitStarts(); // two going on: waits for the polling thread's next turn

        starts.gate(0).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(first::isDone);
        // no call from the polling thread since: the queued record went by itself
        await().atMost(Duration.ofSeconds(10)).until(() -> starts.entered.get() == 2);
        starts.gate(1).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(second::isDone);
        assertThat(first).isCompleted();
        assertThat(third).isNotDone();
        assertThat(starts.entered).hasValue(2);
        assertThat(countsIn(starts.carried.get(0))).isEqualTo(Map.of(0L, 1));
        assertThat(countsIn(starts.carried.get(1))).isEqualTo(Map.of(0L, 1, 1L, 1));

        commits.commitStarts();
        starts.gate(2).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(third::isDone);
        assertThat(countsIn(starts.carried.get(2))).isEqualTo(Map.of(0L, 1, 1L, 1, 2L, 1));
        assertThat(ended).hasValue(3);
    }

    @Test
    void aRefusedRecordsStartsGoAgainWithTheNextOne() {
        CompletableFuture<Void> first = start(0);
        commits.commitStarts();
        CompletableFuture<Void> second = start(1);
        commits.commitStarts();

        starts.gate(0).completeExceptionally(new IllegalStateException("broker away"));
        starts.gate(1).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(second::isDone);
        assertThat(first).isNotDone();

        commits.commitStarts(); // settles the refused one: its start goes again
        await().atMost(Duration.ofSeconds(10)).until(() -> starts.entered.get() == 3);
        assertThat(first).isNotDone();
        starts.gate(2).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(first::isDone);
        assertThat(second).isCompleted();
        assertThat(first).isCompleted();
        assertThat(countsIn(starts.carried.get(1))).isEqualTo(Map.of(0L, 1, 1L, 1));
    }
}
