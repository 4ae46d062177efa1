package dev.llmq.worker.internal;

import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's transactional producers, on a thread of their own: each {@link #commit} writes a batch of records
 * (jobs' results and dead letters) and commits the jobs' consumer offsets with them, as one Kafka transaction, so a
 * {@code read_committed} reader sees a job's result exactly when its record counts as done for the consumer group, and
 * never one without the other. The offsets carry the consumer's group metadata, so a worker that lost its partitions
 * (a rebalance, a pause longer than its session) cannot commit them any more: its transaction is refused and aborted.
 *
 * <p>One transaction at a time, on {@value #PRODUCERS} transactional producers in turn (a {@code transactional.id}
 * each): a producer's next transaction cannot add its offsets until the markers of its last one are written (the
 * broker answers {@code CONCURRENT_TRANSACTIONS} and the client asks again), and taken in turn, each producer's last
 * transaction ended a whole transaction earlier, so its markers are mostly written by then. The transactions stay
 * one after another, so each one's offsets are appended to {@code __consumer_offsets} after the one before it, and
 * the group coordinator keeps the offsets appended last whichever transaction's markers come first: the committed
 * offsets never go back.
 *
 * <p>A failed transaction is aborted (when the producer can; otherwise the producer is replaced by a new one under
 * the same transactional id, which aborts what the old one left open) and reported with the records Kafka refused for
 * good, so the caller can write something else in their place; one that failed for no record's fault is reported
 * after a backoff. A commit whose answer does not come ({@code max.block.ms}) is asked again until it does: its
 * outcome is unknown until then, and writing the batch again meanwhile could write it twice.
 *
 * <p>Meters: {@code llmq.results.transactions} (each transaction from its begin to its commit or abort, by
 * {@code outcome}), {@code llmq.results.transaction.records} (records per committed transaction) and
 * {@code llmq.results.wait} (how long a finished job waited for the transaction that committed it to begin, as its
 * caller reports with {@link #waited}): with them a result's way from the provider's answer to the topic splits into
 * its wait and its transaction.
 */
public final class ResultTransactions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResultTransactions.class);
    /** The wait after each aborted transaction in a row: 50 ms, doubling up to 2 s. */
    private static final IntervalFunction BACKOFF = IntervalFunction.ofExponentialBackoff(Duration.ofMillis(50), 2.0,
            Duration.ofSeconds(2));

    /**
     * How a transaction ended.
     *
     * @param committed true when the records and offsets are written
     * @param refused the records Kafka refused for good, by their index in the batch (empty when committed)
     * @param error why it was aborted, or null
     * @param began when it began ({@link System#nanoTime()}; when it was asked for, if it never began)
     */
    public record Outcome(boolean committed, Map<Integer, Exception> refused, Exception error, long began) {
    }

    /** Transactional producers used in turn. */
    public static final int PRODUCERS = 2;

    /** The group's committed offsets of some partitions, stable (pending transactional ones resolved first). */
    @FunctionalInterface
    public interface CommittedOffsets {
        /** Absent or null: none committed. */
        Map<TopicPartition, OffsetAndMetadata> read(String groupId, Set<TopicPartition> partitions) throws Exception;
    }

    /** How long to wait before asking again for committed offsets Kafka did not give. */
    private static final Duration ASK_AGAIN = Duration.ofSeconds(1);

    private final IntFunction<Producer<byte[], byte[]>> producers;
    private final CommittedOffsets committedOffsets;
    private final ExecutorService thread;
    /** By slot; null until made, and after one failed for good. */
    private final AtomicReferenceArray<Producer<byte[], byte[]>> producer = new AtomicReferenceArray<>(PRODUCERS);
    /** The slot of the next transaction (the transactions' thread only). */
    private int next;
    private volatile boolean closed;
    /** Transactions aborted in a row for no record's fault. */
    private final AtomicInteger aborted = new AtomicInteger();
    private final Timer committedTime;
    private final Timer abortedTime;
    private final DistributionSummary recordsPerCommit;
    private final Timer waits;

    /**
     * @param producers makes the transactional producer of a slot (0 to {@value #PRODUCERS} − 1; the same
     *                  {@code transactional.id} each time for a slot, a different one for each slot), not yet
     *                  initialised; called again when one has failed for good
     * @param meters    where the transactions' meters go
     */
    public ResultTransactions(IntFunction<Producer<byte[], byte[]>> producers, String threadName,
                              MeterRegistry meters) {
        this(producers, (group, partitions) -> Map.of(), threadName, meters);
    }

    /**
     * @param committedOffsets reads the group's committed offsets after a commit that failed, to tell one that went
     *                         through all the same ({@link #committedAnyway})
     */
    public ResultTransactions(IntFunction<Producer<byte[], byte[]>> producers, CommittedOffsets committedOffsets,
                              String threadName, MeterRegistry meters) {
        this.committedOffsets = Objects.requireNonNull(committedOffsets, "committedOffsets");
        this.producers = Objects.requireNonNull(producers, "producers");
        Objects.requireNonNull(meters, "meters");
        this.thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name(threadName).factory());
        this.committedTime = transactionTimer("committed", meters);
        this.abortedTime = transactionTimer("aborted", meters);
        this.recordsPerCommit = DistributionSummary.builder("llmq.results.transaction.records")
                .description("results and dead letters written by one committed results transaction")
                .register(meters);
        this.waits = Timer.builder("llmq.results.wait")
                .description("how long a finished job waited for the transaction that committed it to begin")
                .register(meters);
    }

    private static Timer transactionTimer(String outcome, MeterRegistry meters) {
        return Timer.builder("llmq.results.transactions")
                .description("results transactions (results, dead letters and the jobs' offsets), begin to end")
                .tag("outcome", outcome).register(meters);
    }

    /** Reports that a finished job waited {@code nanos} for the transaction that committed it to begin. */
    void waited(long nanos) {
        waits.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /**
     * Makes the producers and initialises their transactions now, on the transactions' thread, so the first commits
     * do not wait for that; a failure is logged and tried again by the first commit.
     */
    public void start() {
        thread.execute(() -> {
            for (int slot = 0; slot < PRODUCERS; slot++) {
                try {
                    producer(slot);
                } catch (RuntimeException e) {
                    LOG.warn("transactional producer could not start yet: {}", KafkaErrors.describe(e));
                }
            }
        });
    }

    /**
     * Writes {@code records} and commits {@code offsets} in one transaction, on the transactions' thread.
     *
     * @param group the consumer's group metadata now: the broker refuses offsets of a member it no longer knows
     */
    public CompletableFuture<Outcome> commit(List<ProducerRecord<byte[], byte[]>> records,
                                             Map<TopicPartition, OffsetAndMetadata> offsets,
                                             ConsumerGroupMetadata group) {
        List<ProducerRecord<byte[], byte[]>> batch = List.copyOf(records);
        Map<TopicPartition, OffsetAndMetadata> commits = Map.copyOf(offsets);
        try {
            return CompletableFuture.supplyAsync(() -> run(batch, commits, group), thread)
                    .thenCompose(this::afterBackoff);
        } catch (RejectedExecutionException e) { // closed or aborted: nothing more is written
            return CompletableFuture.completedFuture(new Outcome(false, Map.of(), e, System.nanoTime()));
        }
    }

    /**
     * A transaction aborted for no record's fault (a broker away, a rebalance) is reported after a backoff, so the
     * batch is not sent again at once; one with refused records at once, for the jobs to put something else in.
     */
    private CompletableFuture<Outcome> afterBackoff(Outcome outcome) {
        if (outcome.committed()) {
            aborted.set(0);
            return CompletableFuture.completedFuture(outcome);
        }
        if (!outcome.refused().isEmpty()) {
            return CompletableFuture.completedFuture(outcome);
        }
        long wait = BACKOFF.apply(aborted.incrementAndGet());
        return CompletableFuture.supplyAsync(() -> outcome,
                CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS));
    }

    private Outcome run(List<ProducerRecord<byte[], byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets,
                        ConsumerGroupMetadata group) {
        long began = System.nanoTime();
        if (closed) {
            return new Outcome(false, Map.of(), new IllegalStateException("closed"), began);
        }
        Outcome outcome = transaction(records, offsets, group, began);
        long took = System.nanoTime() - began;
        if (outcome.committed()) {
            committedTime.record(took, TimeUnit.NANOSECONDS);
            recordsPerCommit.record(records.size());
        } else {
            abortedTime.record(took, TimeUnit.NANOSECONDS);
        }
        return outcome;
    }

    private Outcome transaction(List<ProducerRecord<byte[], byte[]>> records,
                                Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group,
                                long began) {
        List<Future<RecordMetadata>> sends = new ArrayList<>(records.size());
        Map<Integer, Exception> refusedAtOnce = null;
        int slot = next;
        next = (slot + 1) % PRODUCERS;
        Producer<byte[], byte[]> p;
        try {
            p = producer(slot);
        } catch (RuntimeException e) {
            LOG.warn("transactional producer could not start: {}", KafkaErrors.describe(e));
            return failed(records, sends, refusedAtOnce, e, began);
        }
        try {
            p.beginTransaction();
            for (ProducerRecord<byte[], byte[]> record : records) {
                Future<RecordMetadata> send = p.send(record);
                if (send.isDone() && refusedAtOnce == null && sendError(send) instanceof Exception e
                        && refusedForGood(e)) {
                    refusedAtOnce = Map.of(sends.size(), e); // the producer's own check: this record's fault
                }
                sends.add(send);
            }
            if (!offsets.isEmpty()) {
                p.sendOffsetsToTransaction(offsets, group);
            }
        } catch (RuntimeException e) {
            abort(slot, p, e);
            return failed(records, sends, refusedAtOnce, e, began);
        }
        while (true) {
            try {
                p.commitTransaction();
                return new Outcome(true, Map.of(), null, began);
            } catch (TimeoutException e) {
                if (closed) {
                    return new Outcome(false, Map.of(), e, began); // outcome unknown; the next owner reads what it was
                }
                LOG.warn("transaction commit not answered ({}); asking again", KafkaErrors.describe(e));
            } catch (RuntimeException e) {
                if (refusedAtOnce == null && committedAnyway(offsets, group, e)) {
                    discard(slot, p); // its transaction is over; the producer may be fenced
                    return new Outcome(true, Map.of(), null, began);
                }
                abort(slot, p, e);
                return failed(records, sends, refusedAtOnce, e, began);
            }
        }
    }

    /**
     * Whether a transaction whose commit failed was committed all the same. A transaction coordinator that went away
     * while it committed (a broker killed and started again) finishes the commit when it is back, and may answer the
     * producer's retried commit with a fencing error: taken for an abort, the batch was written a second time (a
     * job's result twice on the topic). The transaction's offsets tell, with their metadata: the group's stable
     * committed offset of each of its partitions is this transaction's, offset and metadata alike, only if it
     * committed; or it is past it, which only a later owner's transaction does (these transactions go one after
     * another), having read what was committed and written the results of the jobs it said were not done. The offset
     * alone does not tell: jobs finish out of order and the offset is the lowest not done, so a transaction of results
     * above it often commits the same offset as the one before it, with other metadata (the jobs it says are done);
     * taken for committed, such a transaction that was aborted lost its jobs' results for good. Asked again while
     * Kafka does not answer, as an unanswered commit is, until this closes.
     */
    private boolean committedAnyway(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group,
                                    RuntimeException failure) {
        if (offsets.isEmpty()) {
            return false;
        }
        while (!closed) {
            try {
                Map<TopicPartition, OffsetAndMetadata> now = committedOffsets.read(group.groupId(), offsets.keySet());
                boolean reached = offsets.entrySet().stream().allMatch(o -> now.get(o.getKey()) instanceof
                        OffsetAndMetadata c && (c.offset() > o.getValue().offset()
                        || c.offset() == o.getValue().offset() && c.metadata().equals(o.getValue().metadata())));
                if (reached) {
                    LOG.warn("transaction commit failed ({}) but its offsets are committed: it went through, and is "
                            + "not written again", KafkaErrors.describe(failure));
                }
                return reached;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                LOG.warn("transaction commit failed ({}); whether it went through is not known yet ({}): asking "
                        + "again", KafkaErrors.describe(failure), KafkaErrors.describe(e));
                try {
                    TimeUnit.MILLISECONDS.sleep(ASK_AGAIN.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    /** Aborts the open transaction; a producer that cannot is closed, and the next transaction starts a new one. */
    private void abort(int slot, Producer<byte[], byte[]> p, RuntimeException cause) {
        if (fatal(cause)) {
            LOG.warn("transactional producer failed ({}); starting a new one", KafkaErrors.describe(cause));
            discard(slot, p);
            return;
        }
        try {
            p.abortTransaction();
        } catch (RuntimeException e) {
            LOG.warn("transaction could not be aborted ({}); starting a new producer", KafkaErrors.describe(e));
            discard(slot, p);
        }
    }

    /** Failures after which the producer cannot go on (or can no longer be trusted to): it is replaced. */
    private static boolean fatal(RuntimeException e) {
        return !(e instanceof KafkaException) || e instanceof ProducerFencedException
                || e instanceof OutOfOrderSequenceException || e instanceof UnsupportedVersionException
                || (e instanceof AuthorizationException && !(e instanceof TopicAuthorizationException));
    }

    /**
     * @param refusedAtOnce the record whose send the producer refused on the spot (its own size check), or null
     */
    private Outcome failed(List<ProducerRecord<byte[], byte[]>> records, List<Future<RecordMetadata>> sends,
                           Map<Integer, Exception> refusedAtOnce, Exception error, long began) {
        if (refusedAtOnce != null) {
            // the producer then fails the transaction's other sends, earlier ones still unsent too, with that same
            // exception: they are not refused, they go again
            LOG.debug("transaction of {} records aborted: record {} refused", records.size(), refusedAtOnce.keySet());
            return new Outcome(false, refusedAtOnce, error, began);
        }
        Map<Integer, Exception> refused = new HashMap<>();
        // refused by the broker: the batch's exception reaches the other records too; it is blamed on the first
        // record it names, the others go again (and are refused then if it was theirs too)
        Set<Throwable> blamed = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < sends.size(); i++) {
            Exception e = sendError(sends.get(i));
            if (e != null && refusedForGood(e) && blamed.add(KafkaErrors.unwrap(e))) {
                refused.put(i, e);
            }
        }
        LOG.debug("transaction of {} records aborted: {} ({} refused)", records.size(), KafkaErrors.describe(error),
                refused.size());
        return new Outcome(false, refused, error, began);
    }

    /** A record's own failure, which sending it again would meet again. */
    static boolean refusedForGood(Throwable error) {
        Throwable cause = KafkaErrors.unwrap(error);
        return KafkaErrors.tooLarge(cause) || cause instanceof TopicAuthorizationException
                || cause instanceof InvalidRecordException || cause instanceof InvalidTopicException
                || cause instanceof SerializationException;
    }

    private static Exception sendError(Future<RecordMetadata> send) {
        if (!send.isDone()) {
            return null;
        }
        try {
            send.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause() instanceof Exception cause ? cause : e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private Producer<byte[], byte[]> producer(int slot) {
        Producer<byte[], byte[]> p = producer.get(slot);
        if (p == null) {
            p = producers.apply(slot);
            try {
                p.initTransactions();
            } catch (RuntimeException e) {
                p.close(Duration.ZERO);
                throw e;
            }
            producer.set(slot, p);
        }
        return p;
    }

    private void discard(int slot, Producer<byte[], byte[]> p) {
        producer.set(slot, null);
        try {
            p.close(Duration.ZERO);
        } catch (KafkaException e) {
            LOG.debug("closing a failed transactional producer: {}", KafkaErrors.describe(e));
        }
    }

    /** Waits for the transaction going on, then closes the producers (an open transaction is aborted). */
    @Override
    public void close() {
        closeWithin(Duration.ofSeconds(10));
    }

    /**
     * Stops at once as a killed process would: the producer is closed without waiting, and a transaction going on is
     * left open for the broker to abort when it times out.
     */
    public void abort() {
        closed = true;
        closeProducers(Duration.ZERO);
        thread.shutdownNow();
    }

    private void closeWithin(Duration timeout) {
        closed = true;
        thread.shutdown();
        try {
            thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeProducers(timeout);
        thread.shutdownNow();
    }

    private void closeProducers(Duration timeout) {
        for (int slot = 0; slot < PRODUCERS; slot++) {
            Producer<byte[], byte[]> p = producer.get(slot);
            if (p != null) {
                p.close(timeout);
            }
        }
    }
}
