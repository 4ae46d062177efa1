package dev.llmq.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.config.LlmqKeys;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.schemas.TopicNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./llmq bench stream}: what publishing a stream's chunks through Kafka adds to its time to first token. The
 * broker ({@code llmq broker}) and the worker ({@code llmq worker}) are processes of their own; this JVM runs the mock
 * LLM (OpenAI protocol, {@code --tokens} pieces per job at {@code --tokens-per-second} after no wait) and tells, for
 * each stream, when it wrote and flushed the first content piece ({@link MockLlmServer.Builder#onFirstToken}). It
 * submits streaming jobs to the jobs topic evenly, {@code --jobs} per stream duration (tokens ÷ tokens per second), so
 * that about {@code --jobs} streams are open at once and their first tokens do not all fall in the same millisecond:
 * for {@code --warmup} seconds not measured, then, once those have finished, {@code --rounds} × {@code --jobs}
 * measured ones. It reads the chunks topic and the results topic ({@code read_committed}), noting when the first
 * chunk carrying content of each job became readable here.
 *
 * <p>The figure: first content chunk readable − first token written by the provider, per job (both
 * {@link System#nanoTime()} of this JVM), p50 / p99 / max, split at the chunk's {@code at} (the worker's clock when
 * it handed the chunk to its producer; the same machine's wall clock, microseconds) into provider → worker hand-off
 * and hand-off → readable (the producer's {@code linger.ms}, the broker's acks=all append, the fetch). Beside it,
 * Kafka alone under the same load ({@link KafkaProbe}): a record sent at once from this JVM, one between each two
 * submissions, to readable by the same reader, the floor under the second part. Also: chunk records per job and on
 * the topic, CPU per process.
 *
 * <p>The worker coalesces content deltas after a stream's first ({@code llmq.worker.chunks.*}; the first is published
 * at once): compare {@code --chunks-max-delay-ms=0} (every provider chunk its own record) with the default.
 *
 * <p>With {@code --profile DIR}, where the broker's and the worker's CPU went over the measured window (as in
 * {@code bench e2e}). Run: {@code ./llmq bench stream --jobs=200 --tokens=200 --tokens-per-second=50}. Bounded by
 * {@code --limit-s}.
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = "Streaming jobs: what chunk publishing adds to time to first token; chunks per job; CPU.")
public final class StreamBench implements Callable<Integer> {

    private static final String GROUP = "bench-stream";
    private static final JsonSerde<StreamChunk> CHUNKS = JsonSerde.streamChunk();
    private static final JsonSerde<JobResult> RESULTS = JsonSerde.jobResult();
    private static final JsonSerde<JobRequest> JOBS = JsonSerde.jobRequest();
    private static final String MEASURED = "job_bench-stream-";
    private static final String WARM_UP = "job_bench-warm-up-";

    @Option(names = "--jobs", defaultValue = "200", description = "concurrent streaming jobs (default: "
            + "${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--rounds", defaultValue = "10", description = "jobs measured: this many times --jobs, submitted "
            + "evenly, --jobs per stream duration, so about --jobs streams are open at once (default: "
            + "${DEFAULT-VALUE})")
    int rounds;

    // 200 warm-up jobs at once (a few seconds of work) left 30% of the measured run's CPU in the JIT compiler, so the
    // p99 was of compiles as much as of llmq; 60 s of the same load left 27%, 150 s 9% (p99 677 / 164 / 80 ms)
    @Option(names = "--warmup", defaultValue = "150", description = "seconds of the same streaming load run first "
            + "and not measured (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--tokens", defaultValue = "200", description = "tokens per job (default: ${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--tokens-per-second", defaultValue = "50", description = "the mock's pace (default: "
            + "${DEFAULT-VALUE})")
    double tokensPerSecond;

    @Option(names = "--chunks-max-delay-ms", description = "llmq.worker.chunks.max_delay_ms of the worker (default: "
            + "the key's, 50; 0 turns coalescing off)")
    Integer chunksMaxDelayMs;

    @Option(names = "--chunks-max-chars", description = "llmq.worker.chunks.max_chars of the worker (default: the "
            + "key's, 256)")
    Integer chunksMaxChars;

    @Option(names = "--limit-s", defaultValue = "180", description = "seconds the warm-up's jobs and then the "
            + "measured jobs may take after the last of them is submitted (default: ${DEFAULT-VALUE})")
    long limitS;

    @Option(names = "--worker-jvm-args", defaultValue = "", description = "JVM options of the worker process, "
            + "space-separated")
    String workerJvmArgs;

    @Mixin
    ProfileOptions profile = new ProfileOptions();

    /** First content piece written by the mock, by completion id: {@link System#nanoTime()}. */
    private final Map<String, Long> tokenWritten = new ConcurrentHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (jobs < 1 || rounds < 1 || warmup < 0 || tokens < 1 || !(tokensPerSecond > 0)) {
            throw new IllegalArgumentException("--jobs, --rounds, --tokens and --tokens-per-second must be positive, "
                    + "--warmup not negative");
        }
        int maxDelay = chunksMaxDelayMs != null ? chunksMaxDelayMs : LlmqKeys.WORKER_CHUNKS_MAX_DELAY_MS.defaultValue();
        int maxChars = chunksMaxChars != null ? chunksMaxChars : LlmqKeys.WORKER_CHUNKS_MAX_CHARS.defaultValue();
        Path jar = BenchMain.llmqJar();
        Path dir = Files.createTempDirectory("llmq-stream-");
        RoleProfiler profiler;
        BenchTable table = new BenchTable("llmq bench stream: " + jobs + " streams of " + tokens + " tokens at "
                + tokensPerSecond + " tokens/s")
                .setting("streaming jobs measured", String.format("%,d, submitted evenly at %.1f/s: about %d streams "
                        + "open at once; after %d s of the same load not measured (%,d jobs)", rounds * jobs,
                        jobs * tokensPerSecond / tokens, jobs, warmup, warmUpJobs()))
                .setting("mock", tokens + " tokens per job at " + tokensPerSecond + " tokens/s, no time to first "
                        + "token, OpenAI protocol")
                .setting("chunk coalescing (llmq.worker.chunks.max_delay_ms / max_chars)", maxDelay == 0 ? "off (0)"
                        : maxDelay + " ms / " + maxChars + " chars")
                .setting("worker JVM options", RoleProcess.describeJvmOptions(Args.list(workerJvmArgs)))
                .setting("processes", "broker (llmq broker), worker (llmq worker), this JVM: mock LLM, submitter, "
                        + "chunk and result reader");
        try (MockLlmServer mock = MockLlmServer.builder().port(0)
                .requestLogCapacity(rounds * jobs + warmUpJobs() + 100)
                .defaultBehavior(MockBehavior.defaults().withCompletionTokens(tokens).withTokensPerSecond(
                        tokensPerSecond))
                .onFirstToken(tokenWritten::put).build().start()) {
            BenchConfig config = WorkerRole.callingTheMock(GROUP, mock)
                    .set(LlmqKeys.WORKER_MAX_IN_FLIGHT, Math.max(jobs, LlmqKeys.WORKER_MAX_IN_FLIGHT.defaultValue()))
                    .set(LlmqKeys.WORKER_CHUNKS_MAX_DELAY_MS, maxDelay);
            if (maxDelay > 0) {
                config.set(LlmqKeys.WORKER_CHUNKS_MAX_CHARS, maxChars);
            }
            Path configFile = config.write(dir.resolve("llmq.yaml"));
            try (BrokerRole broker = BrokerRole.start(jar, configFile, dir.resolve("kafka"),
                    dir.resolve("broker.log"));
                 WorkerRole worker = WorkerRole.start(jar, Args.list(workerJvmArgs), configFile,
                         broker.bootstrapServers(), dir.resolve("worker.log"))) {
                System.out.printf("broker pid %d, worker pid %d ready; logs in %s%n", broker.pid(), worker.pid(), dir);
                Map<String, Long> pids = Map.of("broker", broker.pid(), "worker", worker.pid());
                profile.check(pids);
                profiler = measure(broker.bootstrapServers(), TopicNames.defaults(), table, pids);
            }
        } finally {
            StatusStoreBench.deleteTree(dir.resolve("kafka")); // the logs and config stay
        }
        table.print(System.out);
        if (profiler != null) {
            profiler.print(System.out);
        }
        return 0;
    }

    /**
     * Runs the warm-up and the measured jobs and fills the table; returns the stopped profiler, null without
     * {@code --profile}.
     */
    private RoleProfiler measure(String bootstrap, TopicNames topics, BenchTable table, Map<String, Long> pids)
            throws Exception {
        Map<String, Long> firstReadable = new HashMap<>();
        Map<String, Instant> firstHandedOff = new HashMap<>();
        Map<String, String> completionId = new HashMap<>();
        Map<String, Integer> chunksPerJob = new HashMap<>();
        Map<String, Boolean> results = new HashMap<>();
        int total = rounds * jobs;
        long records = 0;
        long started;
        Histogram probed;
        int probes;
        RoleProfiler profiler;
        try (KafkaConsumer<String, byte[]> reader = reader(bootstrap, List.of(topics.chunks(), topics.results()));
             KafkaProducer<String, byte[]> producer = producer(bootstrap);
             KafkaProbe probe = KafkaProbe.start(bootstrap, topics.chunks())) {
            long every = every();
            // warm-up (not measured), the same load: the worker's first minutes pay for JIT, connections and metadata
            int warmUps = warmUpJobs();
            long warmUpStarted = System.nanoTime();
            long deadline = warmUpStarted + Duration.ofSeconds(warmup + limitS).toNanos();
            Thread warmUpSubmitter = submitter(producer, topics, WARM_UP, warmUps, warmUpStarted, every, deadline);
            Set<String> warmResults = new HashSet<>();
            while (warmResults.size() < warmUps && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(100))) {
                    if (r.topic().equals(topics.results())) {
                        warmResults.add(r.key());
                    }
                }
            }
            warmUpSubmitter.join(Duration.ofSeconds(30));
            deadline = System.nanoTime() + measuredLimit().toNanos();
            table.process("broker", pids.get("broker"), true).process("worker", pids.get("worker"), true)
                    .process("bench JVM: mock LLM, submitter, reader", ProcessHandle.current().pid(), false);
            profiler = profile.start(pids, "stream");
            started = System.nanoTime();
            Thread submitter = submitter(producer, topics, MEASURED, total, started, every, deadline);
            // Kafka alone beside it: a probe half-way between two submissions, read by the same reader
            Thread prober = paced("bench-stream-probe", total, started + every / 2, every, deadline, i -> probe.send());
            while (results.size() < total && System.nanoTime() < deadline) {
                var batch = reader.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                for (ConsumerRecord<String, byte[]> r : batch) {
                    if (probe.read(r, now) || !r.key().startsWith(MEASURED)) {
                        continue;
                    }
                    if (r.topic().equals(topics.results())) {
                        results.put(r.key(), RESULTS.fromBytes(r.value()).status() == JobStatus.SUCCEEDED);
                        continue;
                    }
                    records += chunk(r, now, chunksPerJob, firstReadable, firstHandedOff, completionId);
                }
            }
            submitter.join(Duration.ofSeconds(30));
            prober.join(Duration.ofSeconds(30));
            // the results may be read before the last chunks: read the chunks topic to its end as it is now
            Map<TopicPartition, Long> ends = reader.endOffsets(reader.assignment().stream()
                    .filter(tp -> tp.topic().equals(topics.chunks())).toList());
            while (ends.entrySet().stream().anyMatch(e -> reader.position(e.getKey()) < e.getValue())
                    && System.nanoTime() < deadline) {
                var batch = reader.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                for (ConsumerRecord<String, byte[]> r : batch) {
                    if (!probe.read(r, now) && r.topic().equals(topics.chunks()) && r.key().startsWith(MEASURED)) {
                        records += chunk(r, now, chunksPerJob, firstReadable, firstHandedOff, completionId);
                    }
                }
            }
            probed = probe.latencyMicros();
            probes = probe.sent();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (profiler != null) {
            profiler.stop();
        }
        table.cpuWindowEnds(results.size());
        Histogram added = new Histogram(3);
        Histogram toWorker = new Histogram(3);
        Histogram toReader = new Histogram(3);
        long wallMinusNano = wallMinusNanoMicros();
        int unmatched = 0;
        for (var e : firstReadable.entrySet()) {
            Long written = tokenWritten.get(completionId.get(e.getKey()));
            if (written == null) {
                unmatched++;
                continue;
            }
            added.recordValue(Math.max(0, (e.getValue() - written) / 1000));
            long handedOffMicros = micros(firstHandedOff.get(e.getKey())) - wallMinusNano;
            toWorker.recordValue(Math.max(0, handedOffMicros - written / 1000));
            toReader.recordValue(Math.max(0, e.getValue() / 1000 - handedOffMicros));
        }
        long succeeded = results.values().stream().filter(b -> b).count();
        table.figure("chunk publishing adds to time to first token: first content chunk readable − first token "
                        + "written by the provider, p50 / p99 / max", ms(added), "p99 ≤ 2 ms ("
                        + (added.getTotalCount() > 0 && added.getValueAtPercentile(99) <= 2000 ? "met" : "missed")
                        + ")")
                .figure("… of which provider → the worker hands the chunk to its producer, p50 / p99 / max",
                        ms(toWorker), "")
                .figure("… of which producer → readable here (linger, acks=all append, fetch), p50 / p99 / max",
                        ms(toReader), "")
                .figure("Kafka alone beside it: a probe record from this JVM's producer, sent at once (linger.ms=0, "
                        + "acks=all, idempotent, one between each two submissions) → readable here, p50 / p99 / max",
                        ms(probed) + " (" + probed.getTotalCount() + " of " + probes + " read)", "")
                .figure("jobs measured (first token matched to its first chunk)", added.getTotalCount() + " of "
                        + total + (unmatched > 0 ? " (" + unmatched + " unmatched)" : ""), "")
                .figure("chunk records per job, mean", String.format("%.1f", chunksPerJob.values().stream()
                        .mapToInt(Integer::intValue).average().orElse(0)), "")
                .figure("records on the chunks topic", String.format("%,d", records), "")
                .figure("results read (read_committed), succeeded", results.size() + ", " + succeeded,
                        total + " (" + (results.size() == total ? "all" : "missing " + (total - results.size())) + ")")
                .figure("from submission to the last result", String.format("%.1f s", seconds), "");
        return profiler;
    }

    /**
     * Counts a chunk record of its job, and notes when it was read if it is the job's first carrying content; only
     * records of jobs without one yet are parsed, so the reader keeps up. Returns 1.
     */
    private static int chunk(ConsumerRecord<String, byte[]> r, long readAt, Map<String, Integer> chunksPerJob,
                             Map<String, Long> firstReadable, Map<String, Instant> firstHandedOff,
                             Map<String, String> completionId) {
        chunksPerJob.merge(r.key(), 1, Integer::sum);
        if (!firstReadable.containsKey(r.key())) {
            StreamChunk c = CHUNKS.fromBytes(r.value());
            if (hasContent(c.chunk())) {
                firstReadable.put(c.jobId(), readAt);
                firstHandedOff.put(c.jobId(), c.at());
                completionId.put(c.jobId(), c.chunk().path("id").asText());
            }
        }
        return 1;
    }

    /** Nanoseconds between two submissions: {@code --jobs} per stream's duration. */
    long every() {
        return (long) (tokens / tokensPerSecond * 1e9 / jobs);
    }

    /** How long the measured jobs may take from the first submission: their submissions, then {@code --limit-s}. */
    Duration measuredLimit() {
        return Duration.ofNanos((long) rounds * jobs * every()).plusSeconds(limitS);
    }

    /** The warm-up's jobs: {@code --warmup} seconds at the measured rounds' pace. */
    int warmUpJobs() {
        return (int) Math.round(warmup * jobs * tokensPerSecond / tokens);
    }

    /** Submits {@code count} jobs named {@code prefix} + number, one every {@code every} ns from {@code from}. */
    private static Thread submitter(KafkaProducer<String, byte[]> producer, TopicNames topics, String prefix, int count,
                                    long from, long every, long deadline) {
        return paced("bench-stream-submitter", count, from, every, deadline, i -> {
            send(producer, topics, prefix + String.format("%06d", i));
            if (i == count - 1) {
                producer.flush();
            }
        });
    }

    /**
     * Runs {@code action} with 0, 1 … {@code count} − 1 on a thread of its own, one every {@code every} ns from
     * {@code from}, until {@code deadline}.
     */
    private static Thread paced(String name, int count, long from, long every, long deadline, IntConsumer action) {
        return Thread.ofPlatform().name(name).start(() -> {
            for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
                LockSupport.parkNanos(from + i * every - System.nanoTime());
                action.accept(i);
            }
        });
    }

    private static String ms(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "–";
        }
        return String.format("%.2f / %.2f / %.2f ms", h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
    }

    /** This JVM's wall clock minus its {@link System#nanoTime()}, in microseconds (best of a few reads). */
    private static long wallMinusNanoMicros() {
        long best = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 5; i++) {
            long n0 = System.nanoTime();
            long wall = micros(Instant.now());
            long n1 = System.nanoTime();
            if (n1 - n0 < best) {
                best = n1 - n0;
                offset = wall - (n0 + n1) / 2000;
            }
        }
        return offset;
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }

    /** Whether a chunk carries content text (the role chunk before it does not). */
    static boolean hasContent(ObjectNode chunk) {
        for (JsonNode choice : chunk.path("choices")) {
            if (!choice.path("delta").path("content").asText("").isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<String, byte[]> producer, TopicNames topics, String id) {
        ObjectNode body = Json.mapper().createObjectNode().put("model", GROUP).put("stream", true);
        body.putArray("messages").addObject().put("role", "user").put("content", "Stream bench prompt " + id);
        JobRequest job = new JobRequest(JobRequest.SCHEMA_VERSION, id, null, null, null, GROUP, body, true, 0, null,
                List.of(), Map.of(), Instant.now(), null);
        producer.send(new ProducerRecord<>(topics.jobs(), id, JOBS.toBytes(job)));
    }

    private static KafkaConsumer<String, byte[]> reader(String bootstrap, List<String> topicNames) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : topicNames) {
            c.partitionsFor(topic).forEach(info -> parts.add(new TopicPartition(topic, info.partition())));
        }
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }
}
