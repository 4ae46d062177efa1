package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.worker.Delivery;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Starts that end through no fault of their job are given back, so they do not bring it nearer to being poison: a run
 * that answers its worker's orderly stop (interrupted once the shutdown timeout is up), and every run of a partition
 * a rebalance hands over. Both records a next owner reads carry the lower count: the starts' log and the metadata of
 * the last commit. A run that does not answer the stop (wedged) stays counted, as does one that finished.
 */
class GivenBackStartsTest {

    private static final TopicPartition JOBS = new TopicPartition("jobs", 0);

    /** A starts' consumer that keeps what its last commit carried (the mock keeps no metadata). */
    private static final class RecordingStarts extends MockConsumer<byte[], byte[]> {
        final AtomicReference<Map<TopicPartition, OffsetAndMetadata>> last = new AtomicReference<>(Map.of());

        RecordingStarts() {
            super("earliest");
        }

        @Override
        public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            super.commitSync(offsets, timeout);
            last.set(Map.copyOf(offsets));
        }
    }

    /** The offsets each results' transaction committed, in order (one transaction at a time, on either producer). */
    private final List<Map<TopicPartition, OffsetAndMetadata>> commits = new CopyOnWriteArrayList<>();
    private final List<ClassicGroupFeed> feeds = new CopyOnWriteArrayList<>();

    private record Run(ClassicGroupFeed feed, MockConsumer<byte[], byte[]> consumer, RecordingStarts starts,
                       List<Delivery> deliveries, Thread thread) {
        Delivery at(long offset) {
            return deliveries.stream().filter(d -> d.record().offset() == offset).findFirst().orElseThrow();
        }
    }

    @AfterEach
    void stop() {
        feeds.forEach(ClassicGroupFeed::abort);
    }

    private ResultTransactions transactions() {
        return new ResultTransactions(slot -> new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets,
                                                              ConsumerGroupMetadata group) {
                super.sendOffsetsToTransaction(offsets, group);
                commits.add(Map.copyOf(offsets));
            }
        }, "test-results", new SimpleMeterRegistry());
    }

    /** A feed holding {@link #JOBS} with the records {@code 0 .. records - 1}, each started once and recorded. */
    private Run run(int records) throws InterruptedException {
        return run(records, Duration.ofMillis(200));
    }

    /** ... handing a partition over after waiting up to {@code handoff} for its running jobs. */
    private Run run(int records, Duration handoff) throws InterruptedException {
        MockConsumer<byte[], byte[]> consumer = new JobsConsumer();
        RecordingStarts starts = new RecordingStarts();
        ClassicGroupFeed feed = new ClassicGroupFeed(consumer, new ClassicGroupFeed.Options("jobs.interactive",
                JOBS.topic(), 8, 8, 0.2, 8, 3, true, Duration.ofMillis(10), Duration.ofMillis(200), handoff),
                transactions(), new StartsLog(starts, "test-starts"));
        feeds.add(feed);
        List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        consumer.schedulePollTask(() -> {
            consumer.updateBeginningOffsets(Map.of(JOBS, 0L));
            consumer.updateEndOffsets(Map.of(JOBS, (long) records));
            consumer.rebalance(List.of(JOBS));
            consumer.seek(JOBS, 0);
            for (long offset = 0; offset < records; offset++) {
                consumer.addRecord(new ConsumerRecord<>(JOBS.topic(), JOBS.partition(), offset,
                        ("k" + offset).getBytes(), "{}".getBytes()));
            }
        });
        Thread thread = Thread.ofPlatform().daemon().name("test-feed").start(() -> feed.run(deliveries::add));
        await().atMost(Duration.ofSeconds(20)).until(() -> deliveries.size() == records);
        for (Delivery delivery : deliveries) {
            delivery.awaitStartRecorded();
        }
        assertThat(countsOf(starts)).hasSize(records).containsValue(1);
        return new Run(feed, consumer, starts, deliveries, thread);
    }

    @Test
    void aRunThatAnswersAnOrderlyStopIsNotCountedWhileOneThatDoesNotIs() throws Exception {
        Run r = run(3);
        r.at(2).finish(List.of()).get(); // finished: done, no count left

        r.feed().stop(() -> r.at(0).abandoned()); // 0 answers the interrupt; 1 is wedged and never does
        r.thread().join(Duration.ofSeconds(20));

        assertThat(r.thread().isAlive()).isFalse();
        assertThat(countsOf(r.starts())).containsExactly(Map.entry(1L, 1));
        CommitMetadata.Decoded last = lastCommit();
        assertThat(last.base()).isZero();
        assertThat(last.open()).containsOnlyKeys(0L, 1L); // both run again at the next owner
        assertThat(last.starts()).containsExactly(Map.entry(1L, 1));
    }

    @Test
    void aStopWithoutAnInterruptLeavesEveryRunningStartCounted() throws Exception {
        Run r = run(2);

        r.feed().stop();
        r.thread().join(Duration.ofSeconds(20));

        assertThat(countsOf(r.starts())).containsExactly(Map.entry(0L, 1), Map.entry(1L, 1));
        assertThat(lastCommit().starts()).containsExactly(Map.entry(0L, 1), Map.entry(1L, 1));
    }

    @Test
    void aRebalanceThatHandsThePartitionOverGivesBackTheStartsOfItsRunningJobs() throws Exception {
        Run r = run(2);

        r.consumer().schedulePollTask(() -> r.consumer().rebalance(List.of()));
        await().atMost(Duration.ofSeconds(20)).until(() -> r.feed().partitions().isEmpty());

        assertThat(countsOf(r.starts())).isEmpty();
        CommitMetadata.Decoded last = lastCommit();
        assertThat(last.open()).containsOnlyKeys(0L, 1L);
        assertThat(last.starts()).isEmpty();
        // the runs go on here; their results are not this worker's to write any more
        CompletableFuture<Void> late = r.at(0).finish(List.of());
        await().atMost(Duration.ofSeconds(20)).until(late::isDone);
        assertThat(late).isCompletedExceptionally();
    }

    @Test
    void aRebalanceWaitsForTheRunningJobsOfThePartitionItHandsOverAndCommitsTheirResults() throws Exception {
        Run r = run(3, Duration.ofSeconds(30));
        r.at(2).finish(List.of()).get();

        r.consumer().schedulePollTask(() -> r.consumer().rebalance(List.of()));
        await().atMost(Duration.ofSeconds(20)).until(() -> r.feed().handingOver().contains(JOBS));
        CompletableFuture<Void> first = r.at(0).finish(List.of());
        first.get(20, java.util.concurrent.TimeUnit.SECONDS); // committed while the partition is still here
        assertThat(r.feed().partitions()).containsExactly(JOBS);
        CompletableFuture<Void> second = r.at(1).finish(List.of());
        second.get(20, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> r.feed().partitions().isEmpty());

        assertThat(r.feed().handingOver()).isEmpty();
        CommitMetadata.Decoded last = lastCommit();
        assertThat(last.base()).as("every record done: none runs again at the next owner").isEqualTo(3);
        assertThat(last.open()).isEmpty();
    }

    @Test
    void aHandoffTimeoutOfZeroHandsThePartitionOverAtOnce() throws Exception {
        Run r = run(2, Duration.ZERO);

        r.consumer().schedulePollTask(() -> r.consumer().rebalance(List.of()));
        await().atMost(Duration.ofSeconds(20)).until(() -> r.feed().partitions().isEmpty());

        assertThat(lastCommit().open()).containsOnlyKeys(0L, 1L);
        CompletableFuture<Void> late = r.at(0).finish(List.of());
        await().atMost(Duration.ofSeconds(20)).until(late::isDone);
        assertThat(late).isCompletedExceptionally();
    }

    private CommitMetadata.Decoded lastCommit() {
        assertThat(commits).isNotEmpty();
        OffsetAndMetadata committed = commits.getLast().get(JOBS);
        assertThat(committed).isNotNull();
        return CommitMetadata.decode(committed.offset(), committed.metadata());
    }

    private static NavigableMap<Long, Integer> countsOf(RecordingStarts starts) {
        OffsetAndMetadata committed = starts.last.get().get(JOBS);
        assertThat(committed).isNotNull();
        return CommitMetadata.decode(committed.offset(), committed.metadata()).starts();
    }
}
