package dev.llmq.bench.jmh;

import dev.llmq.bench.load.JobBodies;
import dev.llmq.ingest.SubmissionRecords;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ingest's work on a {@code POST /v1/jobs} body before Kafka, per job ({@code ingest-api}'s
 * {@link SubmissionRecords}): {@code *Validate} parses the body into a JSON tree, checks it against the
 * chat-completion schema and the limits, and takes llmq's fields out; {@code *Records} does that and writes each job's
 * record value (the {@link JobRequest} with a new id, as JSON). The jobs are the load generator's 1 KB bodies
 * ({@link JobBodies}: a user message of ~900 characters), sent alone ({@code single*}, as a single-job POST) or as an
 * NDJSON submission of {@value #NDJSON_JOBS} ({@code ndjson*}, the figures per job).
 *
 * <p>Run: {@code ./llmq bench jmh SubmissionBenchmark}; B/op is {@code gc.alloc.rate.norm}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SubmissionBenchmark { // not final: JMH generates subclasses

    static final int NDJSON_JOBS = 100;
    private static final String MODEL = "bench-model";
    private static final String NDJSON = "application/x-ndjson";
    private static final int BODIES = 16;

    private SubmissionRecords submissions;
    private byte[][] singles;
    private byte[][] ndjsons;
    private int next;

    @Setup
    public void setUp() {
        submissions = new SubmissionRecords(Json.mapper(), Set.of(MODEL));
        JobBodies bodies = new JobBodies(MODEL, 1024, 1);
        singles = new byte[BODIES][];
        ndjsons = new byte[BODIES][];
        for (int i = 0; i < BODIES; i++) {
            singles[i] = bodies.body(i);
            ByteArrayOutputStream lines = new ByteArrayOutputStream();
            for (int j = 0; j < NDJSON_JOBS; j++) {
                lines.writeBytes(bodies.body((long) i * NDJSON_JOBS + j));
                lines.write('\n');
            }
            ndjsons[i] = lines.toByteArray();
        }
        Instant now = Instant.now();
        List<byte[]> records = submissions.records(ndjsons[1], NDJSON, "bench", now);
        JobRequest last = JsonSerde.jobRequest().fromBytes(records.getLast());
        if (records.size() != NDJSON_JOBS || last.batchId() == null
                || JobBodies.jobNumber(last.body().at("/messages/0/content").asText()) != 2L * NDJSON_JOBS - 1) {
            throw new IllegalStateException("the NDJSON submission did not come out as its jobs' records");
        }
        JobRequest one = JsonSerde.jobRequest().fromBytes(submissions.records(singles[3], null, "bench", now)
                .getFirst());
        if (one.batchId() != null || !one.modelGroup().equals(MODEL)
                || JobBodies.jobNumber(one.body().at("/messages/0/content").asText()) != 3) {
            throw new IllegalStateException("the single job did not come out as its record");
        }
    }

    private int nextBody() {
        next = (next + 1) % BODIES;
        return next;
    }

    @Benchmark
    public int singleValidate() {
        return submissions.validate(singles[nextBody()], null, Instant.now());
    }

    @Benchmark
    public List<byte[]> singleRecords() {
        return submissions.records(singles[nextBody()], null, "bench", Instant.now());
    }

    @Benchmark
    @OperationsPerInvocation(NDJSON_JOBS)
    public int ndjsonValidate() {
        return submissions.validate(ndjsons[nextBody()], NDJSON, Instant.now());
    }

    @Benchmark
    @OperationsPerInvocation(NDJSON_JOBS)
    public List<byte[]> ndjsonRecords() {
        return submissions.records(ndjsons[nextBody()], NDJSON, "bench", Instant.now());
    }
}
