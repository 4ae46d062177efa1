package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one streaming job's chunks as server-sent events: {@code data: <chat.completion.chunk>} per chunk, then
 * {@code data: [DONE]} once the job's result is known and every chunk before it was sent. A late client gets the
 * chunks from the start. Each chunk event also carries an SSE {@code id: <run>:<seq>} (the run as
 * {@link ChunkSelector#runOf} names it), which OpenAI clients ignore and which lets a client tell the runs apart.
 *
 * <p>Per request, a group-less consumer is assigned the one partition of the chunks topic that the job id's key
 * hashes to (Kafka's default partitioner), positioned by {@code offsetsForTimes(submitted_at - margin)}; records of
 * other jobs are skipped. One run is relayed at a time ({@link ChunkSelector}): when a newer run starts (a retry, a
 * fallback, or the job redelivered after a worker crashed), an SSE comment says so, the event ids name the new run,
 * and its chunks follow from sequence 0; chunks of the run left behind are dropped from then on, so no two runs'
 * tokens are ever interleaved (already-sent text of the abandoned run cannot be taken back: a client that shows text
 * as it comes starts over when the run in the event ids changes, as {@code llmq tail} does).
 */
public final class StreamRelay {

    private static final Logger log = LoggerFactory.getLogger(StreamRelay.class);
    private static final Duration MARGIN = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(10);

    private final IngestSettings settings;
    private final JobStatusView view;
    private final ObjectMapper mapper;
    private final JobViews views;
    private final Clock clock;

    public StreamRelay(IngestSettings settings, JobStatusView view, ObjectMapper mapper, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.view = Objects.requireNonNull(view, "view");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.views = new JobViews(mapper);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The partition Kafka's default partitioner picks for a string key. */
    public static int partitionFor(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Opens the consumer before any byte is written, so a Kafka failure can still become a 503. */
    public Consumer<String, byte[]> open(JobSnapshot job) {
        Consumer<String, byte[]> c = new KafkaConsumer<>(
                KafkaClients.consumer(settings, "llmq-ingest-stream-" + settings.instanceId()));
        try {
            List<PartitionInfo> infos = c.partitionsFor(settings.topics().chunks(), settings.kafkaTimeout());
            if (infos == null || infos.isEmpty()) {
                throw ApiException.kafkaUnavailable("topic " + settings.topics().chunks() + " does not exist");
            }
            TopicPartition tp = new TopicPartition(settings.topics().chunks(), partitionFor(job.jobId(), infos.size()));
            c.assign(List.of(tp));
            if (job.submittedAt() == null) {
                c.seekToBeginning(List.of(tp));
            } else {
                long from = job.submittedAt().minus(MARGIN).toEpochMilli();
                // the end offset is read first: when no record is yet as new as `from`, every record written after
                // that read is at or past it, so starting there misses none (seekToEnd would resolve later and
                // could skip the job's first chunks)
                long end = c.endOffsets(List.of(tp), settings.kafkaTimeout()).get(tp);
                Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(Map.of(tp, Math.max(0, from)),
                        settings.kafkaTimeout());
                OffsetAndTimestamp at = found.get(tp);
                if (at == null) {
                    c.seek(tp, end);
                } else {
                    c.seek(tp, at.offset());
                }
            }
            c.position(tp, settings.kafkaTimeout());
            return c;
        } catch (ApiException e) {
            c.close(Duration.ZERO);
            throw e;
        } catch (RuntimeException e) {
            c.close(Duration.ZERO);
            log.warn("cannot open the chunk stream: {}", e.toString());
            throw ApiException.kafkaUnavailable("cannot read the chunks topic: " + e.getClass().getSimpleName());
        }
    }

    /**
     * Writes the events until the job ends, the stream timeout passes or the client goes away (a write fails), then
     * closes the consumer. The job ends once the status view shows it terminal and the consumer has read up to the
     * chunks' end offset read at that moment: {@code data: [DONE]}, after an error event when the job did not
     * succeed. The timeout ends the stream with a {@code stream_timeout} error event and no {@code [DONE]}. Which
     * records are sent is {@link ChunkSelector}'s choice; a record that does not decode is skipped.
     */
    public void relay(Consumer<String, byte[]> c, String jobId, OutputStream out) {
        TopicPartition tp = c.assignment().iterator().next();
        Instant lastWrite = clock.instant();
        Instant deadline = lastWrite.plus(settings.streamTimeout());
        ChunkSelector selector = new ChunkSelector(jobId);
        Long stopAt = null;
        try (c) {
            write(out, ": llmq relay for " + jobId + "\n\n");
            while (true) {
                boolean wrote = false;
                for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                    wrote |= send(selector.step(r), r, out);
                }
                if (stopAt == null) {
                    stopAt = endOffsetOnceTerminal(c, tp, jobId);
                }
                if (stopAt != null && c.position(tp) >= stopAt) {
                    finish(jobId, out);
                    return;
                }
                Instant now = clock.instant();
                if (now.isAfter(deadline)) {
                    write(out, "data: " + mapper.writeValueAsString(Map.of("error", ErrorBodies.errorObject(mapper,
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
        } catch (RuntimeException e) {
            log.warn("chunk relay for {} stopped: {}", jobId, e.toString());
        }
    }

    /** Writes what the selector chose for one record; true when a chunk was written. */
    private boolean send(ChunkSelector.Step step, ConsumerRecord<String, byte[]> r, OutputStream out)
            throws IOException {
        if (step == ChunkSelector.Skip.UNDECODABLE) {
            log.debug("skipping undecodable chunk at {}-{}@{}", r.topic(), r.partition(), r.offset());
        }
        if (!(step instanceof ChunkSelector.Emit emit)) {
            return false;
        }
        if (emit.restarts()) {
            write(out, ": attempt " + emit.chunk().attempt() + " (run " + emit.run() + ") restarts the stream\n\n");
        }
        write(out, "data: " + mapper.writeValueAsString(emit.chunk().chunk()) + "\nid: " + emit.run() + ":"
                + emit.chunk().seq() + "\n\n");
        return true;
    }

    /** Null while the job is not terminal; then the chunks' end offset, which holds every chunk of the job. */
    private Long endOffsetOnceTerminal(Consumer<String, byte[]> c, TopicPartition tp, String jobId) {
        Optional<JobSnapshot> s;
        try {
            s = view.job(jobId);
        } catch (ApiException e) {
            return null; // the status store cannot answer now (a rebalance): ask again after the next poll
        }
        if (s.isPresent() && s.get().terminal()) {
            return c.endOffsets(List.of(tp), settings.kafkaTimeout()).get(tp);
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
}
