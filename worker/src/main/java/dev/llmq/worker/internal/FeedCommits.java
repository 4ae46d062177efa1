package dev.llmq.worker.internal;

import dev.llmq.worker.Delivery;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commits of a {@link ClassicGroupFeed}, each one Kafka transaction ({@link ResultTransactions}): the results and
 * dead letters of the records that finished since the last one, and per partition the lowest offset not done with the
 * open records above it and their start counts in the metadata ({@link CommitMetadata}). One transaction at a time;
 * what finishes meanwhile goes in the next. Apart from them, the start counts of the jobs just handed out, which
 * those jobs wait for ({@link StartsLog}: one record after the other, the next one queued behind the one going on).
 * On assignment, reads what the previous owners committed and recorded. Polling thread only.
 */
final class FeedCommits {

    private static final Logger LOG = LoggerFactory.getLogger(FeedCommits.class);
    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(10);
    private static final int COMMITTED_ATTEMPTS = 6;
    /**
     * How often start counts that no job waits for are recorded at most (those of jobs that ran at once,
     * {@code llmq.worker.await_first_start: false}): together, a few commits a second instead of one per poll. A count
     * awaited meanwhile takes them along at once.
     */
    static final long UNAWAITED_STARTS_EVERY_NANOS = 20_000_000;
    /**
     * Records of start counts sent and not yet settled, at most: one the broker works on and the next one, queued
     * behind it on the starts' thread, which sends it as soon as the first is acknowledged instead of once the polling
     * thread has woken up to see that. More would only queue snapshots that the next one makes stale.
     */
    static final int STARTS_GOING_MAX = 2;

    /** One partition's share of a transaction; {@code firstRecord} is the index of its first record in the batch. */
    private record Part(TopicPartition partition, PartitionTracker tracker, PartitionTracker.Prepared prepared,
                        int firstRecord) {
    }

    private record Going(List<Part> parts, CompletableFuture<ResultTransactions.Outcome> outcome) {
    }

    /** One partition's share of a start-count commit. */
    private record StartsPart(TopicPartition partition, PartitionTracker tracker,
                              List<CompletableFuture<Void>> starts) {
    }

    private record StartsGoing(List<StartsPart> parts, CompletableFuture<Void> done) {
    }

    private final Consumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, PartitionTracker> trackers;
    private final ResultTransactions transactions;
    private final StartsLog startsLog;
    private final Runnable ended;
    private Going going;
    private final ArrayDeque<StartsGoing> startsGoing = new ArrayDeque<>(STARTS_GOING_MAX);
    private long startsSentAt = System.nanoTime() - UNAWAITED_STARTS_EVERY_NANOS;
    private volatile boolean idle = true;

    /**
     * @param trackers the feed's trackers, read (never changed) here
     * @param startsLog where the start counts go ({@link #commitStarts})
     * @param ended run (on the transactions' or the starts' thread) when a transaction or a record of start counts
     *              has ended, to wake the polling thread
     */
    FeedCommits(Consumer<byte[], byte[]> consumer, Map<TopicPartition, PartitionTracker> trackers,
                ResultTransactions transactions, StartsLog startsLog, Runnable ended) {
        this.consumer = consumer;
        this.trackers = trackers;
        this.transactions = transactions;
        this.startsLog = startsLog;
        this.ended = ended;
    }

    /**
     * Records the start counts that changed, unless {@link #STARTS_GOING_MAX} records of them are going on
     * ({@link StartsLog}, one after the other); the jobs whose starts it carries run once it is acknowledged. Counts no
     * job waits for go at most every {@link #UNAWAITED_STARTS_EVERY_NANOS}.
     */
    void commitStarts() {
        while (!startsGoing.isEmpty() && startsGoing.peekFirst().done().isDone()) {
            settleStarts(startsGoing.pollFirst());
        }
        if (startsGoing.size() >= STARTS_GOING_MAX) {
            return;
        }
        long now = System.nanoTime();
        if (now - startsSentAt < UNAWAITED_STARTS_EVERY_NANOS && !startAwaited()) {
            return;
        }
        sendStarts(now);
    }

    /**
     * Records the start counts that changed and waits for that record (bounded by the {@link StartsLog}'s timeout),
     * whatever else is going on: it goes after the records sent before it. For partitions about to be handed over,
     * whose next owner reads the counts at once (starts given back included). A failure is logged: the counts the
     * next owner reads are then the earlier, higher ones.
     */
    void recordStartsNow() {
        StartsGoing sent = sendStarts(System.nanoTime());
        if (sent != null) {
            try {
                sent.done().join();
            } catch (RuntimeException e) {
                LOG.warn("recording start counts before a handover failed; the next owner counts the earlier ones: {}",
                        KafkaErrors.describe(KafkaErrors.unwrap(e)));
            }
        }
        while (!startsGoing.isEmpty() && startsGoing.peekFirst().done().isDone()) {
            settleStarts(startsGoing.pollFirst());
        }
    }

    /** Sends a record of the counts that changed, if any; returns it, else null. */
    private StartsGoing sendStarts(long now) {
        Map<TopicPartition, OffsetAndMetadata> counts = new HashMap<>();
        List<StartsPart> parts = new ArrayList<>();
        trackers.forEach((partition, tracker) -> {
            OffsetAndMetadata record = tracker.startsRecord();
            if (record != null) {
                counts.put(partition, record);
                parts.add(new StartsPart(partition, tracker, tracker.sending()));
            }
        });
        if (parts.isEmpty()) {
            return null;
        }
        startsSentAt = now;
        CompletableFuture<Void> done = startsLog.write(counts);
        StartsGoing going = new StartsGoing(parts, done);
        startsGoing.addLast(going);
        done.whenComplete((v, e) -> {
            if (e == null) { // the jobs go at once, not after the polling thread wakes
                parts.forEach(part -> part.starts().forEach(f -> f.complete(null)));
            }
            ended.run();
        });
        return going;
    }

    /**
     * A record of counts has ended. On failure its starts go with the next one (a later record that was acknowledged
     * carried their counts already, as each record carries all of them; sending them again costs one more).
     */
    private void settleStarts(StartsGoing g) {
        boolean failed = g.done().isCompletedExceptionally();
        for (StartsPart part : g.parts()) {
            if (failed && trackers.get(part.partition()) == part.tracker()) {
                part.tracker().sendFailed(part.starts());
            } else {
                part.starts().forEach(f -> f.complete(null)); // not ours to record any more
            }
        }
        if (failed) {
            LOG.warn("recording start counts failed, sent again with the next ones: {}",
                    KafkaErrors.describe(g.done().exceptionNow()));
        }
    }

    private boolean startAwaited() {
        for (PartitionTracker tracker : trackers.values()) {
            if (tracker.startAwaited()) {
                return true;
            }
        }
        return false;
    }

    /** True when no transaction is going on, or the one going on has ended (read by any thread). */
    boolean idle() {
        return idle;
    }

    /** True while a transaction is going on or a finished record waits for one. */
    boolean unsettled() {
        return going != null || trackers.values().stream().anyMatch(t -> t.finishedCount() > 0);
    }

    /**
     * Starts a transaction with what is committable, unless one is going on: the finished records' results and the
     * offsets that advance, with the open records (and their start counts) in the metadata. With {@code sync}, every
     * partition, and waits for it (and for the one going on first).
     */
    void commit(boolean sync) {
        if (!settle(sync)) {
            return;
        }
        List<Part> parts = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Map.Entry<TopicPartition, PartitionTracker> e : trackers.entrySet()) {
            PartitionTracker tracker = e.getValue();
            long position = tracker.pending() == 0 ? positionOf(e.getKey()) : -1;
            PartitionTracker.Prepared prepared = tracker.prepare(position, sync);
            if (prepared == null) {
                continue;
            }
            if (prepared.leftOut() > 0) {
                LOG.debug("{}: {} open records left out of the commit metadata (over {} chars); their results wait",
                        e.getKey(), prepared.leftOut(), CommitMetadata.MAX_CHARS);
            }
            int first = records.size();
            prepared.included().values().forEach(f -> records.addAll(f.records()));
            offsets.put(e.getKey(), new OffsetAndMetadata(prepared.offset(), prepared.metadata()));
            tracker.requested(prepared);
            parts.add(new Part(e.getKey(), tracker, prepared, first));
        }
        if (parts.isEmpty()) {
            return;
        }
        idle = false;
        CompletableFuture<ResultTransactions.Outcome> outcome = transactions.commit(records, offsets,
                consumer.groupMetadata());
        going = new Going(parts, outcome);
        outcome.whenComplete((o, e) -> {
            // idle as soon as it ended, not once the polling thread has settled it: a job finishing in between then
            // wakes the polling thread itself instead of waiting for its poll to time out
            idle = true;
            ended.run();
        });
        if (sync) {
            settle(true);
        }
    }

    /**
     * Applies the outcome of the transaction going on once it has ended ({@code wait}: waits for it); true when none
     * is going on any more.
     */
    boolean settle(boolean wait) {
        Going g = going;
        if (g == null) {
            return true;
        }
        if (!wait && !g.outcome().isDone()) {
            return false;
        }
        ResultTransactions.Outcome outcome;
        try {
            outcome = g.outcome().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            outcome = new ResultTransactions.Outcome(false, Map.of(),
                    e.getCause() instanceof Exception cause ? cause : e, System.nanoTime());
        }
        going = null;
        apply(g, outcome);
        return true;
    }

    private void apply(Going g, ResultTransactions.Outcome outcome) {
        for (Part part : g.parts()) {
            boolean ours = trackers.get(part.partition()) == part.tracker();
            if (outcome.committed()) {
                if (ours) {
                    part.tracker().committed(part.prepared());
                }
                for (Finish f : part.prepared().included().values()) {
                    transactions.waited(outcome.began() - f.finishedAt());
                    f.done().complete(null);
                }
                continue;
            }
            int index = part.firstRecord();
            for (Map.Entry<Long, Finish> e : part.prepared().included().entrySet()) {
                Finish finish = e.getValue();
                Delivery.Refused refused = null;
                for (int i = 0; i < finish.records().size() && refused == null; i++) {
                    Exception error = outcome.refused().get(index + i);
                    if (error != null) {
                        refused = new Delivery.Refused(i, error);
                    }
                }
                index += finish.records().size();
                if (refused != null) {
                    if (ours) {
                        part.tracker().refused(e.getKey());
                    }
                    finish.done().completeExceptionally(refused);
                } else if (!ours) {
                    finish.done().completeExceptionally(new Delivery.Dropped(part.partition()
                            + " left this worker before the transaction with the result committed"));
                } // else it stays finished and goes with the next transaction
            }
            if (ours) {
                part.tracker().commitFailed();
            }
        }
        if (!outcome.committed() && outcome.refused().isEmpty()) {
            Throwable error = outcome.error() == null ? null : KafkaErrors.unwrap(outcome.error());
            String what = error == null ? "?" : KafkaErrors.describe(error);
            if (error instanceof RejectedExecutionException) {
                LOG.debug("commit of {} not sent: the worker stops", g.parts().stream().map(Part::partition).toList());
            } else if (error instanceof CommitFailedException || error instanceof RebalanceInProgressException) {
                // a rebalance moved the group on while it was sent: what is still ours goes again
                LOG.debug("commit of {} refused by the group, sent again with the next one: {}",
                        g.parts().stream().map(Part::partition).toList(), what);
            } else {
                LOG.warn("commit of {} aborted, sent again with the next one: {}",
                        g.parts().stream().map(Part::partition).toList(), what);
            }
        }
    }

    /**
     * The partitions leave: their finished records not yet committed are dropped (their jobs run again at the next
     * owner, which writes their results).
     */
    static void drop(TopicPartition partition, PartitionTracker tracker) {
        for (Finish finish : tracker.dropFinished()) {
            finish.done().completeExceptionally(new Delivery.Dropped(partition + " left this worker"));
        }
        tracker.sending().forEach(f -> f.complete(null)); // not ours to record any more
    }

    private long positionOf(TopicPartition partition) {
        try {
            return consumer.position(partition, Duration.ZERO);
        } catch (KafkaException e) {
            return -1;
        }
    }

    /** The start counts the previous owners recorded for newly assigned partitions, by offset; none on failure. */
    Map<TopicPartition, NavigableMap<Long, Integer>> startsOf(Collection<TopicPartition> partitions) {
        Map<TopicPartition, NavigableMap<Long, Integer>> out = new HashMap<>();
        if (partitions.isEmpty()) {
            return out;
        }
        try {
            startsLog.read(partitions).forEach((partition, committed) -> {
                try {
                    out.put(partition, CommitMetadata.decode(committed.offset(), committed.metadata()).starts());
                } catch (IllegalArgumentException e) {
                    LOG.warn("{}: {}; its earlier starts are not counted", partition, e.getMessage());
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("could not read the start counts of {} ({}); their jobs' earlier starts are counted from the "
                    + "committed offsets' metadata only", partitions, KafkaErrors.describe(e));
        }
        return out;
    }

    /**
     * The ends of newly assigned partitions, as this {@code read_committed} consumer sees them (their last stable
     * offsets): no earlier owner can have fetched a record at or above one. None on failure (every record is then
     * treated as possibly started before).
     */
    Map<TopicPartition, Long> endOffsetsOf(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        for (int wakeups = 0; ; wakeups++) {
            try {
                return consumer.endOffsets(partitions, COMMITTED_TIMEOUT);
            } catch (WakeupException e) {
                if (wakeups >= 3) {
                    throw e;
                } // a wake-up meant for the poll: it is spent, ask again
            } catch (KafkaException e) {
                LOG.warn("could not read the ends of {} ({}); their jobs wait for their first start to be recorded",
                        partitions, KafkaErrors.describe(e));
                return Map.of();
            }
        }
    }

    /** What the previous owners committed for newly assigned partitions (offset and metadata). */
    Map<TopicPartition, OffsetAndMetadata> committedOf(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        int failures = 0;
        int wakeups = 0;
        while (true) {
            try {
                Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
                consumer.committed(new HashSet<>(partitions), COMMITTED_TIMEOUT).forEach((partition, offset) -> {
                    if (offset != null) {
                        committed.put(partition, offset);
                    }
                });
                return committed;
            } catch (WakeupException e) {
                if (++wakeups > 3) {
                    throw e;
                } // a wake-up meant for the poll: it is spent, ask again
            } catch (KafkaException e) {
                if (++failures >= COMMITTED_ATTEMPTS) {
                    throw new KafkaException("could not read what the previous owners of " + partitions
                            + " committed; without it their finished jobs would run again", e);
                }
                LOG.warn("reading the committed offsets of {} failed ({}); asking again", partitions,
                        KafkaErrors.describe(e));
            }
        }
    }

    static CommitMetadata.Decoded prior(TopicPartition partition, OffsetAndMetadata committed) {
        if (committed == null) {
            return CommitMetadata.Decoded.NONE;
        }
        try {
            CommitMetadata.Decoded prior = CommitMetadata.decode(committed.offset(), committed.metadata());
            if (!prior.open().isEmpty() || prior.end() > prior.base()) {
                LOG.info("{}: committed at {}; up to {} every record is done but {} open ones (start counts {})",
                        partition, committed.offset(), prior.end(), prior.open().size(), prior.starts());
            }
            return prior;
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: {}; records above offset {} all run", partition, e.getMessage(), committed.offset());
            return CommitMetadata.Decoded.nothing(committed.offset());
        }
    }
}
