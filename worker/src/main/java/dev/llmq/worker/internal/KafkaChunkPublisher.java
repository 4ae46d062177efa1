package dev.llmq.worker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ChunkAccumulator;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TraceContext;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.worker.ChunkCoalescing;
import dev.llmq.worker.ChunkPublisher;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one run's chunks to the chunks topic, keyed by job id, numbering them per run. A run is one attempt of
 * this delivery of the job: the publisher picks a fresh run id ({@link RunIds}, a UUIDv7) when it is made and at each
 * {@link #startAttempt}, so a redelivered job (a new publisher) or a retry never shares a run id, and chunk ids
 * ({@code ce_id} = job id, run id, seq) never repeat across runs.
 *
 * <p>With coalescing on, the first content delta of a run is published at once (the reader's first token is not
 * delayed); after it, consecutive plain content deltas are merged (their contents concatenated) and published when
 * the merged chunk is big or old enough, when a chunk that cannot be merged arrives, or when the job ends. A run's
 * first output (content or a tool call) is flushed out of the producer at once rather than after its
 * {@code linger.ms}: time to first token is what a stream's reader waits for.
 *
 * <p>Chunks are sent without waiting, and a chunk Kafka does not take (too large for the producer, say, or still
 * unsent when {@code delivery.timeout.ms} ran out) is not sent again: a later copy would arrive after its successors
 * and stream readers skip chunks older than the last they relayed. The job goes on, since its result carries the
 * whole answer, but not silently: the loss is logged, counted ({@code llmq.chunks.dropped}) and reported by
 * {@link #dropped()}, which the worker turns into a {@value #STREAM_INCOMPLETE} adjustment of the job's result.
 */
public final class KafkaChunkPublisher implements ChunkPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaChunkPublisher.class);
    private static final JsonSerde<StreamChunk> SERDE = JsonSerde.streamChunk();

    /** Prefix of the result adjustment that says how many chunks of the job's stream were lost. */
    public static final String STREAM_INCOMPLETE = "stream_incomplete:chunks_dropped=";

    private final Sender sender;
    private final String topic;
    private final String jobId;
    private final byte[] key;
    private final TraceContext trace;
    private final Clock clock;
    private final ChunkCoalescing coalescing;
    private final ScheduledExecutorService scheduler;
    private final WorkerMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger dropped = new AtomicInteger();

    private int attempt = 1;
    private String runId;
    private boolean contentSent;
    /** Whether the run's first output (content or a tool call) was published: it is flushed at once. */
    private boolean outputSent;
    private long seq;
    private Future<RecordMetadata> lastSend;
    private Instant firstChunkAt;
    private ObjectNode merged;
    private int mergedChars;
    private long mergedSince;
    private ScheduledFuture<?> timedFlush;

    public KafkaChunkPublisher(Sender sender, String topic, String jobId, TraceContext trace, Clock clock,
                               ChunkCoalescing coalescing, ScheduledExecutorService scheduler, WorkerMetrics metrics) {
        this.sender = Objects.requireNonNull(sender, "sender");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.jobId = Objects.requireNonNull(jobId, "jobId");
        this.key = Sender.utf8(jobId);
        this.trace = trace;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.coalescing = Objects.requireNonNull(coalescing, "coalescing");
        this.scheduler = scheduler;
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        if (coalescing.enabled()) {
            Objects.requireNonNull(scheduler, "scheduler (needed to coalesce)");
        }
        this.runId = RunIds.next(clock);
    }

    @Override
    public void publish(ObjectNode chunk) {
        Objects.requireNonNull(chunk, "chunk");
        boolean firstOutput;
        lock.lock();
        try {
            firstOutput = !outputSent && ChunkAccumulator.hasOutput(chunk);
            outputSent |= firstOutput;
            publishLocked(chunk);
        } finally {
            lock.unlock();
        }
        if (firstOutput) {
            // the run's first token is what a reader waits for: sent now rather than after the producer's linger
            sender.flush();
        }
    }

    private void publishLocked(ObjectNode chunk) {
        if (firstChunkAt == null) {
            firstChunkAt = clock.instant();
        }
        if (!coalescing.enabled()) {
            send(chunk);
            return;
        }
        String content = plainContent(chunk);
        boolean firstToken = content != null && !content.isEmpty() && !contentSent;
        if (merged != null && (content == null || firstToken || !sameStream(merged, chunk))) {
            flushMerged();
        }
        if (content == null || firstToken) {
            contentSent |= firstToken;
            send(chunk);
            return;
        }
        if (merged == null) {
            merged = chunk.deepCopy();
            mergedChars = content.length();
            mergedSince = System.nanoTime();
            timedFlush = scheduler.schedule(this::flushIfDue, coalescing.maxDelay().toNanos(), TimeUnit.NANOSECONDS);
        } else {
            ObjectNode delta = (ObjectNode) merged.get("choices").get(0).get("delta");
            delta.put("content", delta.get("content").asText() + content);
            mergedChars += content.length();
        }
        if (mergedChars >= coalescing.maxChars()
                || System.nanoTime() - mergedSince >= coalescing.maxDelay().toNanos()) {
            flushMerged();
        }
    }

    @Override
    public void startAttempt(int next) {
        lock.lock();
        try {
            if (next <= attempt) {
                throw new IllegalArgumentException("attempt must grow: " + attempt + " -> " + next);
            }
            flushMerged();
            attempt = next;
            runId = RunIds.next(clock);
            contentSent = false;
            outputSent = false;
            seq = 0;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int attempt() {
        lock.lock();
        try {
            return attempt;
        } finally {
            lock.unlock();
        }
    }

    /** The current run's id (a UUIDv7): new for each attempt, and for each publisher (each delivery of the job). */
    public String runId() {
        lock.lock();
        try {
            return runId;
        } finally {
            lock.unlock();
        }
    }

    /** When the first chunk was given, or null when none was. */
    public Instant firstChunkAt() {
        lock.lock();
        try {
            return firstChunkAt;
        } finally {
            lock.unlock();
        }
    }

    /**
     * How many chunks Kafka did not take; complete once {@link #finish()} returned (a job's chunks share a partition,
     * whose sends complete in order).
     */
    public int dropped() {
        return dropped.get();
    }

    /**
     * Publishes what is still merged and waits until the broker has acknowledged the last chunk (and so, with an
     * idempotent producer, all of them). A failed chunk is counted in {@link #dropped()}: the result still follows.
     */
    public void finish() throws InterruptedException {
        Future<RecordMetadata> last;
        lock.lock();
        try {
            flushMerged();
            last = lastSend;
        } finally {
            lock.unlock();
        }
        if (last == null) {
            return;
        }
        try {
            last.get();
        } catch (ExecutionException e) {
            // counted by the send's callback
        }
        if (dropped.get() > 0) {
            LOG.warn("{} stream chunk(s) of job {} were not published; its result says so", dropped.get(), jobId);
        }
    }

    private void flushIfDue() {
        lock.lock();
        try {
            if (merged != null && System.nanoTime() - mergedSince >= coalescing.maxDelay().toNanos()) {
                flushMerged();
            }
        } finally {
            lock.unlock();
        }
    }

    private void flushMerged() {
        if (timedFlush != null) {
            timedFlush.cancel(false);
            timedFlush = null;
        }
        if (merged != null) {
            ObjectNode chunk = merged;
            merged = null;
            mergedChars = 0;
            send(chunk);
        }
    }

    private void send(ObjectNode chunk) {
        Instant now = clock.instant();
        long number = seq++;
        StreamChunk value = new StreamChunk(StreamChunk.SCHEMA_VERSION, jobId, attempt, runId, number, chunk, now);
        String id = jobId + ":" + runId + ":" + number;
        lastSend = sender.send(new ProducerRecord<>(topic, null, key, SERDE.toBytes(value),
                sender.headers(LlmqHeaders.TYPE_CHUNK, id, now, trace)), error -> {
                    dropped.incrementAndGet();
                    metrics.chunkDropped();
                });
        metrics.chunkPublished();
    }

    /** The content of a chunk that is nothing but one choice's content delta, else null. */
    static String plainContent(ObjectNode chunk) {
        if (chunk.hasNonNull("usage")) {
            return null;
        }
        JsonNode choices = chunk.get("choices");
        if (choices == null || !choices.isArray() || choices.size() != 1) {
            return null;
        }
        JsonNode choice = choices.get(0);
        if (choice.hasNonNull("finish_reason") || choice.hasNonNull("logprobs")) {
            return null;
        }
        JsonNode delta = choice.get("delta");
        if (delta == null || !delta.isObject() || delta.size() != 1) {
            return null;
        }
        JsonNode content = delta.get("content");
        return content != null && content.isTextual() ? content.asText() : null;
    }

    private static boolean sameStream(ObjectNode a, ObjectNode b) {
        return Objects.equals(a.get("id"), b.get("id")) && Objects.equals(a.get("model"), b.get("model"))
                && Objects.equals(a.get("choices").get(0).get("index"), b.get("choices").get(0).get("index"));
    }
}
