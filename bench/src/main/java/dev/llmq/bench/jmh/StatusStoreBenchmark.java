package dev.llmq.bench.jmh;

import dev.llmq.bench.FinishedJobs;
import dev.llmq.bench.StatusStoreBench;
import dev.llmq.ingest.StatusTopology;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ingest status store's update per event ({@code ingest-api}'s status topology, through
 * {@link StatusTopology}): {@link #jobLife} pipes one new job's three records — its job record, a {@code running}
 * event, its succeeded result (the ~0.5 KB, ~0.2 KB and ~2 KB records of {@code FinishedJobs}) — into a
 * {@link TopologyTestDriver} over the real topology and its RocksDB store (default RocksDB settings, no Kafka): per
 * record, the value read from JSON, the job's snapshot read from the store and parsed, changed, written as JSON and
 * put back, plus the expiry index line on the first. One operation is one job (three events). A single-job
 * submission, so no batch index entry.
 *
 * <p>An upper bound, not the store's own cost: {@link TopologyTestDriver} commits after every record it is given (a
 * flush of the RocksDB store and a checkpoint file written), which the ingest's status stream does once a second
 * ({@code commit.interval.ms}); on the 2-core machine under load the first figures (2026-11-30) were tens of ms and
 * ~230 KB per job, mostly that. Those commits also write out the job store's held writes after every record, so a
 * job is three RocksDB puts here where the ingest, which commits once a second, mostly makes one. Measuring the
 * update alone needs the snapshot update reachable without the driver (the processor is private to
 * {@code ingest-api}'s internal package).
 *
 * <p>Run: {@code ./llmq bench jmh StatusStoreBenchmark}; B/op is {@code gc.alloc.rate.norm} (RocksDB's native
 * memory is not in it).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StatusStoreBenchmark { // not final: JMH generates subclasses

    private static final int TEMPLATE_JOB = 1; // of an odd block of FinishedJobs with blocks of 1: no batch
    private static final int DIGITS = 12;

    private Path stateDir;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> jobs;
    private TestInputTopic<String, byte[]> status;
    private TestInputTopic<String, byte[]> results;
    private Template job;
    private Template running;
    private Template result;
    private Template id;
    private long next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        FinishedJobs.Job sample = new FinishedJobs(TopicNames.defaults(), 1, Instant.now())
                .job(TEMPLATE_JOB, Instant.now());
        String templateId = sample.request().jobId();
        id = new Template(templateId.getBytes(StandardCharsets.UTF_8), templateId);
        job = new Template(JsonSerde.jobRequest().toBytes(sample.request()), templateId);
        running = new Template(JsonSerde.jobStatusEvent().toBytes(sample.running()), templateId);
        result = new Template(JsonSerde.jobResult().toBytes(sample.result()), templateId);
        TopicNames topics = TopicNames.defaults();
        stateDir = Files.createTempDirectory("llmq-status-bench-");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "llmq-bench-status");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(StatusTopology.of(topics, Duration.ofDays(7), Json.mapper()), props);
        StringSerializer keys = new StringSerializer();
        ByteArraySerializer values = new ByteArraySerializer();
        jobs = driver.createInputTopic(topics.jobs(), keys, values);
        status = driver.createInputTopic(topics.status(), keys, values);
        results = driver.createInputTopic(topics.results(), keys, values);
        jobLife();
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(StatusTopology.JOB_STORE);
        byte[] snapshot = store.get("j" + idOf(0));
        if (snapshot == null || !new String(snapshot, StandardCharsets.UTF_8).contains("\"succeeded\"")) {
            throw new IllegalStateException("the status store holds no succeeded snapshot of the first job");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        driver.close();
        StatusStoreBench.deleteTree(stateDir);
    }

    /** One new job through the store: its job record, a running event, its result. */
    @Benchmark
    public long jobLife() {
        long n = next++;
        String key = idOf(n);
        Instant now = Instant.now();
        jobs.pipeInput(key, job.of(n), now);
        status.pipeInput(key, running.of(n), now);
        results.pipeInput(key, result.of(n), now);
        return n;
    }

    /** The template's job id with its last {@value #DIGITS} digits replaced by {@code n}. */
    private String idOf(long n) {
        return new String(id.of(n), StandardCharsets.UTF_8);
    }

    /** A record's JSON bytes in which the job id's last digits can be replaced cheaply. */
    private static final class Template {

        private final byte[] bytes;
        private final int[] digitsAt;

        Template(byte[] bytes, String jobId) {
            this.bytes = bytes;
            byte[] id = jobId.getBytes(StandardCharsets.UTF_8);
            List<Integer> at = new ArrayList<>();
            for (int i = 0; i + id.length <= bytes.length; i++) {
                if (Arrays.equals(bytes, i, i + id.length, id, 0, id.length)) {
                    at.add(i + id.length - DIGITS);
                }
            }
            if (at.isEmpty()) {
                throw new IllegalStateException("the job id is not in the record");
            }
            this.digitsAt = at.stream().mapToInt(Integer::intValue).toArray();
        }

        byte[] of(long n) {
            byte[] copy = bytes.clone();
            for (int at : digitsAt) {
                long v = n;
                for (int d = DIGITS - 1; d >= 0; d--) {
                    copy[at + d] = (byte) ('0' + v % 10);
                    v /= 10;
                }
            }
            return copy;
        }
    }
}
