package dev.llmq.bench.jmh;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.bench.FinishedJobs;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.schemas.TopicNames;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The message records' {@link JsonSerde} to and from bytes, as every Kafka hop pays them: a job record (a
 * chat request of two messages, ~0.5 KB), a {@code running} status event, a succeeded result (a {@code chat.completion}
 * of ~600 characters with usage and one attempt, ~2 KB) — the records {@code FinishedJobs} writes for the
 * status-store benchmark — and one stream chunk as the worker publishes it (one content delta).
 * {@link #headFromBytes} reads two of a record's fields, as the status store reads job and result records (the rest
 * is skipped).
 *
 * <p>Run: {@code ./llmq bench jmh SerdeBenchmark}; B/op is {@code gc.alloc.rate.norm}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SerdeBenchmark { // not final: JMH generates subclasses

    static final Instant NOW = Instant.parse("2026-11-30T00:00:00Z");

    @Param({"job_request", "status_event", "job_result", "stream_chunk"})
    public String record;

    private static final JsonSerde<Head> HEADS = new JsonSerde<>(Head.class, Json.mapper());

    /** Two fields of any message record. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Head(String jobId, String batchId) {
    }

    private JsonSerde<Object> serde;
    private Object value;
    private byte[] bytes;

    @Setup
    @SuppressWarnings("unchecked")
    public void setUp() {
        FinishedJobs.Job job = new FinishedJobs(TopicNames.defaults(), 100, NOW).job(7, NOW);
        Object sample = switch (record) {
            case "job_request" -> job.request();
            case "status_event" -> job.running();
            case "job_result" -> job.result();
            case "stream_chunk" -> chunk(job.request().jobId());
            default -> throw new IllegalStateException("no record " + record);
        };
        serde = (JsonSerde<Object>) (JsonSerde<?>) switch (sample) {
            case StreamChunk c -> JsonSerde.streamChunk();
            case JobRequest r -> JsonSerde.jobRequest();
            case JobStatusEvent e -> JsonSerde.jobStatusEvent();
            case JobResult r -> JsonSerde.jobResult();
            default -> throw new IllegalStateException("no serde for " + sample.getClass());
        };
        value = sample;
        bytes = serde.toBytes(value);
        if (!Arrays.equals(serde.toBytes(serde.fromBytes(bytes)), bytes)) {
            throw new IllegalStateException(record + " does not survive the round trip");
        }
        if (!HEADS.fromBytes(bytes).jobId().equals(job.request().jobId())) {
            throw new IllegalStateException(record + "'s head is not read");
        }
    }

    @Benchmark
    public byte[] toBytes() {
        return serde.toBytes(value);
    }

    @Benchmark
    public Object fromBytes() {
        return serde.fromBytes(bytes);
    }

    @Benchmark
    public Head headFromBytes() {
        return HEADS.fromBytes(bytes);
    }

    /** The worker's chunk of one content delta, as {@code KafkaChunkPublisher} wraps it. */
    static StreamChunk chunk(String jobId) {
        ObjectNode chunk = Json.mapper().createObjectNode().put("id", "chatcmpl-1")
                .put("object", "chat.completion.chunk").put("created", 1764115200).put("model", "gpt-4o-mini")
                .put("system_fingerprint", "fp_1");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.putObject("delta").put("content", " weather");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return new StreamChunk(StreamChunk.SCHEMA_VERSION, jobId, 1, "019ad000-0000-7000-8000-000000000007", 41,
                chunk, Instant.parse("2026-11-30T00:00:01.234567Z"));
    }
}
