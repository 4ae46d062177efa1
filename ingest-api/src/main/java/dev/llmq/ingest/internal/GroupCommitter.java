package dev.llmq.ingest.internal;

import dev.llmq.config.GroupCommit;
import dev.llmq.config.LlmqKeys;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.LeftOpenTransactions;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: concurrent submissions share Kafka transactions. Each submission's records wait in one bounded queue;
 * each of {@link IngestSettings#transactionalProducers()} committers (a thread owning one transactional producer)
 * takes a group from it, lingering {@link GroupCommit#linger()} after the first for more (up to
 * {@link GroupCommit#maxBytes()}), and writes the whole group in one transaction. When it commits, every submission of
 * the group succeeds; when it fails, every one fails with the cause and a {@code read_committed} reader sees none of
 * their records. Two exceptions: a record the broker refuses for its size fails its submission alone, with
 * {@link RecordTooLargeException}, and the rest of the group is written again in a new transaction; a commit that
 * failed after it was asked of the coordinator fails every submission with {@link Unconfirmed} (Kafka may have
 * committed it).
 *
 * <p>A producer is made and initialized by its committer at start (retrying with {@link KafkaClients#backoff} while it
 * fails; work that arrives meanwhile is tried, and fails fast, rather than left waiting). After a failed transaction the
 * producer is closed and a new one (same {@code transactional.id}) is made for the next group; its
 * {@code initTransactions} fences the old one and aborts what it left open.
 */
final class GroupCommitter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);
    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int WITHDRAWN = 2;
    /** The {@code Retry-After} of a 503 {@code ingest_busy}: the queue drains in a few transactions. */
    private static final Duration BUSY_RETRY = Duration.ofSeconds(1);

    private final IngestSettings settings;
    private final GroupCommit group;
    private final Function<Map<String, Object>, Producer<String, byte[]>> factory;
    private final IntervalFunction backoff;
    private final List<Committer> committers = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong submissions = new AtomicLong();
    private long queuedBytes;
    private boolean gathering;

    GroupCommitter(IngestSettings settings, Function<Map<String, Object>, Producer<String, byte[]>> factory) {
        this.settings = settings;
        this.group = settings.groupCommit();
        this.factory = factory;
        this.backoff = KafkaClients.backoff(settings);
        for (int i = 0; i < settings.transactionalProducers(); i++) {
            committers.add(new Committer(settings.transactionalIdPrefix() + "-" + settings.instanceId() + "-" + i));
        }
    }

    /**
     * A transaction's commit failed after it was asked of the coordinator (all its records acknowledged): Kafka may
     * have committed it (its answer lost, or the broker gone before it was sent), or aborted it. Which, the jobs topic
     * tells once the transaction has ended (a new producer of the same id ends it, {@link LeftOpenTransactions}).
     */
    static final class Unconfirmed extends RuntimeException {
        Unconfirmed(Throwable cause) {
            super("Kafka did not confirm the transaction's commit: " + cause, cause);
        }
    }

    /** One submission's records and its outcome (completed by the committer that wrote its group). */
    static final class Pending {
        final List<ProducerRecord<String, byte[]>> records;
        final long bytes;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final AtomicInteger state = new AtomicInteger(QUEUED);

        Pending(List<ProducerRecord<String, byte[]>> records, long bytes) {
            this.records = records;
            this.bytes = bytes;
        }
    }

    void start() {
        for (int i = 0; i < committers.size(); i++) {
            Committer c = committers.get(i);
            Thread.ofPlatform().daemon().name("llmq-ingest-commit-" + i).start(c::run);
        }
    }

    /** True once every producer finished {@code initTransactions} at least once. */
    boolean ready() {
        return committers.stream().allMatch(c -> c.initializedOnce);
    }

    /** Transactions committed so far. */
    long transactions() {
        return transactions.get();
    }

    /** Submissions committed so far. */
    long submissions() {
        return submissions.get();
    }

    /** Bytes of the submissions waiting for a transaction. */
    long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues the records of one submission; 503 {@code ingest_busy} when they would pass
     * {@link GroupCommit#maxQueuedBytes()} (a submission is always taken while the queue is empty).
     */
    Pending enqueue(List<ProducerRecord<String, byte[]>> records, long bytes) {
        Pending p = new Pending(records, bytes);
        lock.lock();
        try {
            if (closed.get()) {
                throw ApiException.kafkaUnavailable("the ingest API is stopping; nothing was enqueued");
            }
            if (!queue.isEmpty() && queuedBytes + bytes > group.maxQueuedBytes()) {
                throw ApiException.busy("more submissions are waiting for Kafka than this instance holds ("
                        + group.maxQueuedBytes() + " bytes, " + LlmqKeys.INGEST_GROUP_COMMIT_MAX_QUEUED_BYTES.name()
                        + "); nothing was enqueued, retry shortly", BUSY_RETRY);
            }
            queue.addLast(p);
            queuedBytes += bytes;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return p;
    }

    /** Takes a submission back if no transaction took it yet; true when it will never be written. */
    boolean withdraw(Pending p) {
        lock.lock();
        try {
            if (p.state.compareAndSet(QUEUED, WITHDRAWN)) {
                queue.remove(p);
                queuedBytes -= p.bytes;
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next group: waits up to {@code maxWaitNanos} for a queued submission while no other committer is gathering
     * one, lingers for more, then takes them in order up to {@link GroupCommit#maxBytes()} (at least one). Null when
     * nothing came or this closed.
     */
    private List<Pending> takeGroup(long maxWaitNanos) throws InterruptedException {
        lock.lock();
        try {
            long waitUntil = System.nanoTime() + maxWaitNanos;
            while (queue.isEmpty() || gathering) {
                long left = waitUntil - System.nanoTime();
                if (closed.get() || left <= 0) {
                    return null;
                }
                changed.awaitNanos(left);
            }
            gathering = true;
            try {
                long lingerUntil = System.nanoTime() + group.linger().toNanos();
                for (long left = lingerUntil - System.nanoTime(); left > 0 && queuedBytes < group.maxBytes()
                        && !closed.get(); left = lingerUntil - System.nanoTime()) {
                    changed.awaitNanos(left);
                }
                List<Pending> taken = new ArrayList<>();
                long bytes = 0;
                while (!queue.isEmpty() && (taken.isEmpty() || bytes + queue.peekFirst().bytes <= group.maxBytes())) {
                    Pending p = queue.pollFirst();
                    queuedBytes -= p.bytes;
                    if (p.state.compareAndSet(QUEUED, TAKEN)) {
                        taken.add(p);
                        bytes += p.bytes;
                    }
                }
                return taken;
            } finally {
                gathering = false;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Pending> left;
        lock.lock();
        try {
            left = new ArrayList<>(queue);
            queue.clear();
            queuedBytes = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        left.forEach(p -> p.done.completeExceptionally(new IllegalStateException("the ingest API is stopping")));
        committers.forEach(Committer::reset);
    }

    /** One transactional producer and the thread that writes groups with it. */
    private final class Committer {
        private final String transactionalId;
        private Producer<String, byte[]> producer;
        private boolean ready;
        private volatile boolean initializedOnce;

        Committer(String transactionalId) {
            this.transactionalId = transactionalId;
        }

        void run() {
            int failures = 0;
            try {
                while (!closed.get()) {
                    long wait = Long.MAX_VALUE;
                    if (!ready) { // at start, and again at once after a failed transaction
                        try {
                            ensureInitialized();
                            failures = 0;
                            log.info("transactional producer {} ready", transactionalId);
                            continue;
                        } catch (RuntimeException e) {
                            reset();
                            if (closed.get()) {
                                return;
                            }
                            log.warn("cannot initialize transactional producer {} yet: {}", transactionalId,
                                    e.toString());
                            // wait for the backoff, or for work: a submission is tried (and fails fast) meanwhile
                            wait = Duration.ofMillis(backoff.apply(++failures)).toNanos();
                        }
                    }
                    List<Pending> taken = takeGroup(wait);
                    if (taken != null && !taken.isEmpty()) {
                        write(taken, true);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                reset();
            }
        }

        Producer<String, byte[]> ensureInitialized() {
            if (producer == null) {
                producer = factory.apply(KafkaClients.producer(settings, transactionalId, transactionalId));
                ready = false;
            }
            if (!ready) {
                producer.initTransactions();
                ready = true;
                initializedOnce = true;
            }
            return producer;
        }

        /**
         * Writes the group in one transaction and completes every member. When the broker refused some records for
         * their size (and {@code isolateTooLarge}), their submissions fail alone and the others are written again.
         */
        private void write(List<Pending> members, boolean isolateTooLarge) {
            List<List<Future<RecordMetadata>>> sent = new ArrayList<>(members.size());
            boolean committing = false;
            try {
                Producer<String, byte[]> p = ensureInitialized();
                p.beginTransaction();
                for (Pending m : members) {
                    List<Future<RecordMetadata>> futures = new ArrayList<>(m.records.size());
                    sent.add(futures);
                    for (ProducerRecord<String, byte[]> r : m.records) {
                        futures.add(unlessFailedBeforeSending(p.send(r)));
                    }
                }
                committing = true;
                p.commitTransaction();
            } catch (RuntimeException e) {
                reset();
                if (committing && allSent(sent)) {
                    // the commit was asked for: its coordinator may have committed it before the answer was lost
                    log.warn("transaction of {} submissions ({} records): Kafka did not confirm its commit: {}",
                            members.size(), members.stream().mapToInt(m -> m.records.size()).sum(), e.toString());
                    Unconfirmed unconfirmed = new Unconfirmed(e);
                    members.forEach(m -> m.done.completeExceptionally(unconfirmed));
                    return;
                }
                List<Pending> innocent = new ArrayList<>();
                for (int i = 0; i < members.size(); i++) {
                    Throwable tooLarge = i < sent.size() ? tooLarge(sent.get(i)) : null;
                    if (tooLarge != null) {
                        members.get(i).done.completeExceptionally(tooLarge);
                    } else {
                        innocent.add(members.get(i));
                    }
                }
                if (isolateTooLarge && !innocent.isEmpty() && innocent.size() < members.size()) {
                    log.info("{} of {} submissions of a transaction were too large for Kafka; writing the {} others"
                            + " again", members.size() - innocent.size(), members.size(), innocent.size());
                    write(innocent, false);
                    return;
                }
                if (!innocent.isEmpty()) {
                    log.warn("transaction of {} submissions ({} records) failed, none of them was committed: {}",
                            innocent.size(), innocent.stream().mapToInt(m -> m.records.size()).sum(), e.toString());
                }
                innocent.forEach(m -> m.done.completeExceptionally(e));
                return;
            }
            transactions.incrementAndGet();
            submissions.addAndGet(members.size());
            members.forEach(m -> m.done.complete(null));
        }

        /** True when every record was acknowledged: only then can the commit have been asked of the coordinator. */
        private static boolean allSent(List<List<Future<RecordMetadata>>> sent) {
            for (List<Future<RecordMetadata>> futures : sent) {
                for (Future<RecordMetadata> f : futures) {
                    if (!f.isDone() || f.state() != Future.State.SUCCESS) {
                        return false;
                    }
                }
            }
            return true;
        }

        /**
         * The send's future, unless the producer failed it before sending (while Kafka is down: after waiting
         * {@code max.block.ms} for the topic's metadata; or the transaction failed already), which is thrown at once
         * so that the group stops there instead of waiting as long again for each of its next records (as a file
         * transaction does, {@link FileStore#sent}). A record too large for the producer is let through: the commit
         * fails, and the group is written again without its submission.
         */
        private static Future<RecordMetadata> unlessFailedBeforeSending(Future<RecordMetadata> future) {
            if (future.isDone() && future.state() == Future.State.FAILED
                    && !(future.exceptionNow() instanceof RecordTooLargeException)) {
                return FileStore.sent(future);
            }
            return future;
        }

        private static Throwable tooLarge(List<Future<RecordMetadata>> futures) {
            for (Future<RecordMetadata> f : futures) {
                if (f.isDone()) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof RecordTooLargeException t) {
                            return t;
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return null;
                    }
                }
            }
            return null;
        }

        /**
         * Drops the producer; the next use makes a new one, which fences the old and aborts what it left open (until
         * then the broker aborts it after {@code transaction.timeout.ms}).
         */
        synchronized void reset() {
            if (producer != null) {
                try {
                    producer.close(Duration.ZERO);
                } catch (RuntimeException e) {
                    log.debug("error closing producer {}", transactionalId, e);
                }
            }
            producer = null;
            ready = false;
        }
    }
}
