package dev.llmq.ingest.internal;

import dev.llmq.ingest.IngestSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka consumer, on one thread, reading the chunks topic for every SSE client of this ingest instance.
 *
 * <p>It is assigned exactly the partitions that have subscribers and hands each record to the subscribers of the
 * record's job id (its key). Each subscriber has a cursor, the offset of the next record it has not been offered;
 * the consumer's position in a partition is kept at the smallest cursor of the partition's subscribers. A late client
 * (who needs the job's chunks from its start) gets a cursor at {@code offsetsForTimes(submitted_at - 30 s)}, so the
 * consumer seeks back to it and reads forward again, and the subscribers already past those records skip them. A
 * client too slow to empty its queue ({@link #QUEUE_CAPACITY} records of its job by default) is parked at its cursor
 * and served again from there, the same way, once it has caught up: the consumer never waits for one client.
 *
 * <p>The lookups a subscription needs (partitions, end offset, offset for the time) are made by the hub's thread,
 * batched for every subscription waiting; a failure fails those subscriptions, so the HTTP answer can still be 503.
 * A consumer that fails is replaced after a backoff, and every subscriber goes on from its cursor.
 */
public final class ChunkHub implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChunkHub.class);
    /** Chunks can only follow the job's submission; this covers clocks of other hosts running behind. */
    static final Duration MARGIN = Duration.ofSeconds(30);
    static final int QUEUE_CAPACITY = 4096;
    private static final Duration IDLE_WAIT = Duration.ofSeconds(1);

    private final IngestSettings settings;
    private final Function<Map<String, Object>, Consumer<String, byte[]>> consumers;
    private final Duration poll;
    private final int queueCapacity;
    private final BlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    private final AtomicInteger consumersCreated = new AtomicInteger();
    private final Set<ChunkSubscription> live = ConcurrentHashMap.newKeySet();
    // owned by the hub's thread
    private final Map<TopicPartition, Map<String, List<ChunkSubscription>>> byPartition = new HashMap<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Map<TopicPartition, List<CompletableFuture<Long>>> endRequests = new HashMap<>();
    private Set<TopicPartition> assigned = Set.of();
    private int consecutiveFailures;
    private volatile Consumer<String, byte[]> consumer;
    private volatile boolean closed;
    private Thread thread;

    /**
     * @param consumers makes the one consumer (and its replacement after a failure)
     * @param poll the longest one {@code poll} waits; also how soon a new subscription is looked at
     */
    public ChunkHub(IngestSettings settings, Function<Map<String, Object>, Consumer<String, byte[]>> consumers,
                    Duration poll) {
        this(settings, consumers, poll, QUEUE_CAPACITY);
    }

    /** @param queueCapacity how many records of its job one subscriber's queue holds */
    ChunkHub(IngestSettings settings, Function<Map<String, Object>, Consumer<String, byte[]>> consumers, Duration poll,
             int queueCapacity) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.poll = Objects.requireNonNull(poll, "poll");
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be positive, got " + queueCapacity);
        }
        this.queueCapacity = queueCapacity;
    }

    /** Starts the hub's thread; the consumer itself is made when the first client subscribes. */
    public synchronized void start() {
        if (thread == null && !closed) {
            thread = Thread.ofPlatform().daemon().name("llmq-ingest-chunk-hub").start(this::run);
        }
    }

    /** How many consumers this hub has made (one, plus one per replacement after a failure). */
    public int consumersCreated() {
        return consumersCreated.get();
    }

    /** How many streams it serves now. */
    public int subscribers() {
        return live.size();
    }

    /**
     * Subscribes to one job's chunks, positioned before the first of them; returns once positioned.
     *
     * @param submittedAt the job's submission time, or null to read its partition from the beginning
     * @throws ApiException 503 when Kafka does not answer in time or the chunks topic does not exist
     */
    public ChunkSubscription subscribe(String jobId, Instant submittedAt) {
        if (closed) {
            throw ApiException.kafkaUnavailable("the ingest API is stopping");
        }
        Pending p = new Pending(jobId, submittedAt, new CompletableFuture<>());
        commands.add(() -> pending.add(p));
        try {
            return p.result.get(settings.kafkaTimeout().multipliedBy(3).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException api) {
                throw api;
            }
            throw ApiException.kafkaUnavailable("cannot read the chunks topic: " + e.getCause().getClass().getSimpleName());
        } catch (TimeoutException e) {
            p.result.cancel(false);
            throw ApiException.kafkaUnavailable("the chunks topic did not answer within " + settings.kafkaTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.result.cancel(false);
            throw ApiException.kafkaUnavailable("interrupted while opening the stream");
        }
    }

    /** Asks the hub's thread for the partition's end offset (read_committed: the last stable offset). */
    CompletableFuture<Long> endOffset(TopicPartition tp) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        commands.add(() -> endRequests.computeIfAbsent(tp, k -> new ArrayList<>()).add(f));
        return f;
    }

    void unsubscribe(ChunkSubscription s) {
        if (live.remove(s)) {
            commands.add(() -> remove(s));
        }
    }

    void resume(ChunkSubscription s) {
        commands.add(() -> s.parked = false);
    }

    private void run() {
        while (!closed) {
            try {
                if (live.isEmpty() && pending.isEmpty() && endRequests.isEmpty()) {
                    Runnable c = commands.poll(IDLE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    if (c != null) {
                        c.run();
                    }
                    continue;
                }
                Consumer<String, byte[]> c = consumer();
                for (Runnable r; (r = commands.poll()) != null; ) {
                    r.run();
                }
                openPending(c);
                answerEndOffsets(c);
                if (!reconcile(c)) {
                    // every subscriber is parked: nothing to read until one asks to resume (no busy loop)
                    Runnable r = commands.poll(poll.toMillis(), TimeUnit.MILLISECONDS);
                    if (r != null) {
                        r.run();
                    }
                    continue;
                }
                dispatch(c, c.poll(poll));
                consecutiveFailures = 0;
            } catch (InterruptedException | WakeupException e) {
                if (closed) {
                    return;
                }
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                long wait = KafkaClients.backoff(settings).apply(++consecutiveFailures);
                log.warn("chunk hub consumer failed, replacing it in {} ms: {}", wait, e.toString());
                dropConsumer();
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private Consumer<String, byte[]> consumer() {
        Consumer<String, byte[]> c = consumer;
        if (c == null) {
            c = consumers.apply(KafkaClients.consumer(settings, "llmq-ingest-stream-" + settings.instanceId()));
            consumersCreated.incrementAndGet();
            assigned = Set.of();
            consumer = c;
        }
        return c;
    }

    private void dropConsumer() {
        Consumer<String, byte[]> c = consumer;
        consumer = null;
        assigned = Set.of();
        if (c != null) {
            try {
                c.close(Duration.ZERO);
            } catch (RuntimeException e) {
                log.debug("closing the failed chunk consumer: {}", e.toString());
            }
        }
    }

    /** Positions every waiting subscription with one lookup per kind for all of them. */
    private void openPending(Consumer<String, byte[]> c) {
        pending.removeIf(p -> p.result.isDone());
        if (pending.isEmpty()) {
            return;
        }
        List<Pending> batch = new ArrayList<>(pending);
        pending.clear();
        try {
            String topic = settings.topics().chunks();
            List<PartitionInfo> infos = c.partitionsFor(topic, settings.kafkaTimeout());
            if (infos == null || infos.isEmpty()) {
                throw ApiException.kafkaUnavailable("topic " + topic + " does not exist");
            }
            Map<TopicPartition, Long> earliest = new HashMap<>();
            Set<TopicPartition> fromBeginning = new HashSet<>();
            for (Pending p : batch) {
                p.tp = new TopicPartition(topic, StreamRelay.partitionFor(p.jobId, infos.size()));
                if (p.submittedAt == null) {
                    fromBeginning.add(p.tp);
                } else {
                    earliest.merge(p.tp, Math.max(0, p.submittedAt.minus(MARGIN).toEpochMilli()), Math::min);
                }
            }
            Map<TopicPartition, Long> start = new HashMap<>();
            if (!fromBeginning.isEmpty()) {
                start.putAll(c.beginningOffsets(fromBeginning, settings.kafkaTimeout()));
            }
            if (!earliest.isEmpty()) {
                // the end offsets are read first: when no record is yet as new as the time, every record written
                // after that read is at or past it, so starting there misses none
                Map<TopicPartition, Long> end = c.endOffsets(earliest.keySet(), settings.kafkaTimeout());
                Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(earliest, settings.kafkaTimeout());
                for (TopicPartition tp : earliest.keySet()) {
                    OffsetAndTimestamp at = found.get(tp);
                    long offset = at == null ? end.get(tp) : at.offset();
                    start.merge(tp, offset, Math::min);
                }
            }
            for (Pending p : batch) {
                ChunkSubscription s = new ChunkSubscription(this, p.jobId, p.tp, start.get(p.tp), queueCapacity);
                live.add(s);
                if (!p.result.complete(s)) {
                    live.remove(s);
                    continue;
                }
                byPartition.computeIfAbsent(p.tp, k -> new HashMap<>())
                        .computeIfAbsent(p.jobId, k -> new ArrayList<>()).add(s);
            }
        } catch (ApiException e) {
            batch.forEach(p -> p.result.completeExceptionally(e));
        } catch (RuntimeException e) {
            log.warn("cannot open chunk streams: {}", e.toString());
            batch.forEach(p -> p.result.completeExceptionally(e));
        }
    }

    private void answerEndOffsets(Consumer<String, byte[]> c) {
        if (endRequests.isEmpty()) {
            return;
        }
        Map<TopicPartition, List<CompletableFuture<Long>>> batch = new HashMap<>(endRequests);
        endRequests.clear();
        try {
            Map<TopicPartition, Long> end = c.endOffsets(batch.keySet(), settings.kafkaTimeout());
            batch.forEach((tp, fs) -> fs.forEach(f -> f.complete(end.get(tp))));
        } catch (RuntimeException e) {
            batch.values().forEach(fs -> fs.forEach(f -> f.completeExceptionally(e)));
        }
    }

    /**
     * Assigns the partitions with subscribers and puts the position of each at the smallest cursor of its active
     * subscribers. False when no partition has an active subscriber (nothing to poll).
     */
    private boolean reconcile(Consumer<String, byte[]> c) {
        Map<TopicPartition, Long> target = new HashMap<>();
        for (var e : byPartition.entrySet()) {
            for (List<ChunkSubscription> subs : e.getValue().values()) {
                for (ChunkSubscription s : subs) {
                    if (!s.parked) {
                        target.merge(e.getKey(), s.cursor, Math::min);
                    }
                }
            }
        }
        if (!target.keySet().equals(assigned)) {
            c.assign(target.keySet());
            assigned = Set.copyOf(target.keySet());
            target.forEach(c::seek);
        } else {
            target.forEach((tp, offset) -> {
                if (c.position(tp, settings.kafkaTimeout()) != offset) {
                    c.seek(tp, offset);
                }
            });
        }
        return !target.isEmpty();
    }

    /** Offers each record to its job's subscribers not yet past it, then moves every active cursor to the position. */
    private void dispatch(Consumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            Map<String, List<ChunkSubscription>> jobs = byPartition.get(tp);
            if (jobs == null) {
                continue;
            }
            for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                List<ChunkSubscription> subs = r.key() == null ? null : jobs.get(r.key());
                if (subs != null) {
                    for (ChunkSubscription s : subs) {
                        s.offer(r);
                    }
                }
            }
        }
        for (TopicPartition tp : assigned) {
            long position = c.position(tp, settings.kafkaTimeout());
            Map<String, List<ChunkSubscription>> jobs = byPartition.get(tp);
            if (jobs != null) {
                jobs.values().forEach(subs -> subs.forEach(s -> s.reached(position)));
            }
        }
    }

    private void remove(ChunkSubscription s) {
        Map<String, List<ChunkSubscription>> jobs = byPartition.get(s.partition());
        if (jobs == null) {
            return;
        }
        List<ChunkSubscription> subs = jobs.get(s.jobId());
        if (subs != null && subs.remove(s) && subs.isEmpty()) {
            jobs.remove(s.jobId());
        }
        if (jobs.isEmpty()) {
            byPartition.remove(s.partition());
        }
    }

    /** Stops the thread and closes the consumer; open subscriptions end (their relay stops without {@code [DONE]}). */
    @Override
    public void close() {
        closed = true;
        Consumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dropConsumer();
        live.forEach(ChunkSubscription::hubClosed);
        live.clear();
        for (Runnable r; (r = commands.poll()) != null; ) {
            r.run();
        }
        ApiException stopping = ApiException.kafkaUnavailable("the ingest API is stopping");
        pending.forEach(p -> p.result.completeExceptionally(stopping));
        endRequests.values().forEach(fs -> fs.forEach(f -> f.completeExceptionally(stopping)));
    }

    private static final class Pending {
        final String jobId;
        final Instant submittedAt;
        final CompletableFuture<ChunkSubscription> result;
        TopicPartition tp;

        Pending(String jobId, Instant submittedAt, CompletableFuture<ChunkSubscription> result) {
            this.jobId = jobId;
            this.submittedAt = submittedAt;
            this.result = result;
        }
    }
}
