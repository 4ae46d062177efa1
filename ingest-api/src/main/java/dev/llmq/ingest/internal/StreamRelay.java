package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.OpenAiError;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one streaming job's chunks as server-sent events: {@code data: <chat.completion.chunk>} per chunk, then
 * {@code data: [DONE]} once the job's result is known and every chunk before it was sent. A late client gets the
 * chunks from the start. Each chunk event also carries an SSE {@code id: <run>:<seq>} (the run as
 * {@link ChunkSelector#runOf} names it), which OpenAI clients ignore and which lets a client tell the runs apart.
 *
 * <p>The records come from the instance's {@link ChunkHub} (one consumer for every stream), which positions the
 * subscription at {@code offsetsForTimes(submitted_at - margin)} of the partition the job id's key hashes to (Kafka's
 * default partitioner). One run is relayed at a time ({@link ChunkSelector}): when a newer run starts (a retry, a
 * fallback, or the job redelivered after a worker crashed), an SSE comment says so, the event ids name the new run,
 * and its chunks follow from sequence 0; chunks of the run left behind are dropped from then on, so no two runs'
 * tokens are ever interleaved (already-sent text of the abandoned run cannot be taken back: a client that shows text
 * as it comes starts over when the run in the event ids changes, as {@code llmq tail} does).
 *
 * <p>A client reconnecting with {@code Last-Event-ID} (as a browser's {@code EventSource} does) resumes after that
 * event: the chunks of earlier runs and of that run up to its sequence are not sent again, and the stream goes on
 * from there (a newer run's chunks with their restart comment). An id this relay did not write is ignored.
 */
public final class StreamRelay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamRelay.class);
    static final Duration POLL = Duration.ofMillis(100);
    /** How long the hub's consumer waits in one poll: also the most a new stream waits to be positioned. */
    public static final Duration POLL_HUB = Duration.ofMillis(50);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(10);

    private final IngestSettings settings;
    private final JobStatusView view;
    private final ObjectMapper mapper;
    private final JobViews views;
    private final Clock clock;
    private final ChunkHub hub;
    private final Duration wait;

    public StreamRelay(IngestSettings settings, JobStatusView view, ObjectMapper mapper, Clock clock, ChunkHub hub) {
        this(settings, view, mapper, clock, hub, POLL);
    }

    /** @param wait the longest one turn of the relay loop waits for a chunk */
    StreamRelay(IngestSettings settings, JobStatusView view, ObjectMapper mapper, Clock clock, ChunkHub hub,
                Duration wait) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.view = Objects.requireNonNull(view, "view");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.views = new JobViews(mapper);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.wait = Objects.requireNonNull(wait, "wait");
    }

    /** The partition Kafka's default partitioner picks for a string key. */
    public static int partitionFor(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Starts the hub's thread. */
    public void start() {
        hub.start();
    }

    /** Subscribes before any byte is written, so a Kafka failure can still become a 503. */
    public ChunkSubscription open(JobSnapshot job) {
        return hub.subscribe(job.jobId(), job.submittedAt());
    }

    /**
     * Writes the events until the job ends, the stream timeout passes or the client goes away (a write fails), then
     * leaves the hub. The job ends once the status view shows it terminal and the subscription has reached the
     * chunks' end offset read at that moment: {@code data: [DONE]}, after an error event when the job did not
     * succeed. The timeout ends the stream with a {@code stream_timeout} error event and no {@code [DONE]}. Which
     * records are sent is {@link ChunkSelector}'s choice; a record that does not decode is skipped.
     */
    public void relay(ChunkSubscription sub, String jobId, OutputStream out) {
        relay(sub, jobId, null, out);
    }

    /**
     * As {@link #relay(ChunkSubscription, String, OutputStream)}, resuming after the event {@code lastEventId}
     * ({@code <run>:<seq>}, an SSE {@code Last-Event-ID}; null or not one of these ids: from the start).
     */
    public void relay(ChunkSubscription sub, String jobId, String lastEventId, OutputStream out) {
        Resume resume = Resume.of(lastEventId);
        Instant lastWrite = clock.instant();
        Instant deadline = lastWrite.plus(settings.streamTimeout());
        ChunkSelector selector = new ChunkSelector(jobId);
        Long stopAt = null;
        try (sub) {
            write(out, ": llmq relay for " + jobId + "\n\n");
            while (true) {
                long reached = sub.reached();
                boolean wrote = false;
                for (ConsumerRecord<String, byte[]> r : sub.take(wait)) {
                    wrote |= send(selector.step(r), r, resume, out);
                }
                if (stopAt == null) {
                    stopAt = endOffsetOnceTerminal(sub, jobId);
                }
                if (stopAt != null && reached >= stopAt) {
                    finish(jobId, out);
                    return;
                }
                Instant now = clock.instant();
                if (now.isAfter(deadline)) {
                    write(out, "data: " + mapper.writeValueAsString(Map.of("error", OpenAiError.error(
                            "the stream stayed open for " + settings.streamTimeout() + " without the job finishing",
                            "timeout", null, "stream_timeout"))) + "\n\n");
                    return;
                }
                if (wrote) {
                    lastWrite = now;
                } else if (Duration.between(lastWrite, now).compareTo(KEEP_ALIVE) > 0) {
                    write(out, ": keep-alive\n\n");
                    lastWrite = now;
                }
            }
        } catch (IOException e) {
            log.debug("stream client for {} went away: {}", jobId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.debug("stream relay for {} interrupted", jobId);
        } catch (RuntimeException e) {
            log.warn("chunk relay for {} stopped: {}", jobId, e.toString());
        }
    }

    /** Writes what the selector chose for one record; true when a chunk was written. */
    private boolean send(ChunkSelector.Step step, ConsumerRecord<String, byte[]> r, Resume resume, OutputStream out)
            throws IOException {
        if (step == ChunkSelector.Skip.UNDECODABLE) {
            log.debug("skipping undecodable chunk at {}-{}@{}", r.topic(), r.partition(), r.offset());
        }
        if (!(step instanceof ChunkSelector.Emit emit) || resume != null && resume.seen(emit)) {
            return false;
        }
        if (emit.restarts() && (resume == null || !resume.run.equals(emit.run()))) {
            write(out, ": attempt " + emit.chunk().attempt() + " (run " + emit.run() + ") restarts the stream\n\n");
        }
        write(out, "data: " + mapper.writeValueAsString(emit.chunk().chunk()) + "\nid: " + emit.run() + ":"
                + emit.chunk().seq() + "\n\n");
        return true;
    }

    /** Where a reconnecting client left off: the run and sequence of the last event it got. */
    private static final class Resume {
        private final String run;
        private final long seq;
        private boolean reached;

        private Resume(String run, long seq) {
            this.run = run;
            this.seq = seq;
        }

        /** The point after {@code lastEventId} ({@code <run>:<seq>}), or null for none or an id not of that form. */
        static Resume of(String lastEventId) {
            int colon = lastEventId == null ? -1 : lastEventId.lastIndexOf(':');
            if (colon <= 0) {
                return null;
            }
            try {
                return new Resume(lastEventId.substring(0, colon), Long.parseLong(lastEventId.substring(colon + 1)));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** Whether the client had this chunk: one of its run up to its sequence, or of a run before it. */
        boolean seen(ChunkSelector.Emit emit) {
            if (run.equals(emit.run())) {
                reached = true;
                return emit.chunk().seq() <= seq;
            }
            return !reached; // the runs come in order: one before the client's run was replaced by it
        }
    }

    /** Null while the job is not terminal; then the chunks' end offset, which holds every chunk of the job. */
    private Long endOffsetOnceTerminal(ChunkSubscription sub, String jobId) throws InterruptedException {
        Optional<JobSnapshot> s;
        try {
            s = view.job(jobId);
        } catch (ApiException e) {
            return null; // the status store cannot answer now (a rebalance): ask again after the next poll
        }
        if (s.isPresent() && s.get().terminal()) {
            try {
                return sub.endOffset().get(settings.kafkaTimeout().multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot read the end offset of " + sub.partition(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("no end offset of " + sub.partition() + " within "
                        + settings.kafkaTimeout().multipliedBy(2));
            }
        }
        return null;
    }

    private void finish(String jobId, OutputStream out) throws IOException {
        JobResult result = view.job(jobId).map(JobSnapshot::result).orElse(null);
        if (result != null && result.status() != JobStatus.SUCCEEDED && result.error() != null) {
            write(out, "data: " + mapper.writeValueAsString(Map.of("error", views.error(result.error()))) + "\n\n");
        }
        write(out, "data: [DONE]\n\n");
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Closes the hub: open streams end. */
    @Override
    public void close() {
        hub.close();
    }
}
