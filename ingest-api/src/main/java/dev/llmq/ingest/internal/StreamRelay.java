package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
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
 * chunks from the start.
 *
 * <p>Per request, a group-less consumer is assigned the one partition of the chunks topic that the job id's key
 * hashes to (Kafka's default partitioner), positioned by {@code offsetsForTimes(submitted_at - margin)}; records of
 * other jobs are skipped. Only the highest attempt is relayed: when a retried attempt starts, an SSE comment says so
 * and its chunks follow from sequence 0 (already-sent text of the abandoned attempt cannot be taken back).
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
    private final JsonSerde<StreamChunk> serde = JsonSerde.streamChunk();

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

    /** Writes the events until the job ends, the timeout passes or the client goes away; closes the consumer. */
    public void relay(Consumer<String, byte[]> c, String jobId, OutputStream out) {
        TopicPartition tp = c.assignment().iterator().next();
        Instant deadline = clock.instant().plus(settings.streamTimeout());
        Instant lastWrite = clock.instant();
        int attempt = 0;
        long nextSeq = 0;
        boolean sentAny = false;
        Long stopAt = null;
        try (c) {
            write(out, ": llmq relay for " + jobId + "\n\n");
            while (true) {
                boolean wrote = false;
                for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                    if (!jobId.equals(r.key())) {
                        continue;
                    }
                    StreamChunk chunk = decode(r);
                    if (chunk == null || chunk.attempt() < attempt) {
                        continue;
                    }
                    if (chunk.attempt() > attempt) {
                        if (sentAny) {
                            write(out, ": attempt " + chunk.attempt() + " restarts the stream\n\n");
                        }
                        attempt = chunk.attempt();
                        nextSeq = 0;
                    }
                    if (chunk.seq() < nextSeq) {
                        continue;
                    }
                    write(out, "data: " + mapper.writeValueAsString(chunk.chunk()) + "\n\n");
                    nextSeq = chunk.seq() + 1;
                    sentAny = true;
                    wrote = true;
                }
                if (stopAt == null) {
                    Optional<JobSnapshot> s = view.job(jobId);
                    if (s.isPresent() && s.get().terminal()) {
                        stopAt = c.endOffsets(List.of(tp), settings.kafkaTimeout()).get(tp);
                    }
                }
                if (stopAt != null && c.position(tp) >= stopAt) {
                    JobResult result = view.job(jobId).map(JobSnapshot::result).orElse(null);
                    if (result != null && result.status() != JobStatus.SUCCEEDED && result.error() != null) {
                        write(out, "data: " + mapper.writeValueAsString(
                                Map.of("error", views.error(result.error()))) + "\n\n");
                    }
                    write(out, "data: [DONE]\n\n");
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

    private StreamChunk decode(ConsumerRecord<String, byte[]> r) {
        try {
            return serde.fromBytes(r.value());
        } catch (RuntimeException e) {
            log.debug("skipping undecodable chunk at {}-{}@{}", r.topic(), r.partition(), r.offset());
            return null;
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
