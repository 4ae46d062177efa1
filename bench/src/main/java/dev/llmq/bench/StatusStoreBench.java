package dev.llmq.bench;

import dev.llmq.config.DeploymentKeys;
import dev.llmq.config.LlmqKeys;
import dev.llmq.runtime.EmbeddedKafka;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.TopicNames;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * The ingest's job status with many finished jobs: {@code --jobs} job records, their {@code running} events and
 * their terminal results (~2 KB each, with a {@code chat.completion}) are written straight to the topics with a plain
 * batched, compressed producer ({@link FinishedJobs}); then an {@code llmq ingest} process of its own is started
 * against them. Reported: the time from its start to {@code /health/ready}, its RSS and heap after a full GC, and the
 * latency of {@code GET /v1/jobs/{id}} for random ids from a few connections and of {@code GET /v1/batches/{id}} (and
 * {@code .../results}) for batches of {@code --batch-size} jobs. Only the topics and the HTTP API are used, so the same
 * bench measures any implementation of the status behind that API.
 *
 * <p>Run (BENCHMARKS.md, "Earlier measurements"): {@code ./mvnw -B -q -o -pl cli -am package -DskipTests && ./mvnw -B -q -o -pl
 * bench -am compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=runtime && java
 * -cp bench/target/classes:$(cat /tmp/cp.txt) dev.llmq.bench.StatusStoreBench --jobs=1000000}. Half the jobs are in
 * batches of {@code --batch-size}, the others single. The embedded broker runs in this JVM (its data in a temporary
 * directory, deleted at the end; the ingest's log stays) unless {@code --bootstrap-servers} names one; there, {@code --prefix} keeps runs
 * of different sizes apart and {@code --write=false} reads what an earlier run wrote (same {@code --jobs},
 * {@code --batch-size}, {@code --prefix} and {@code --ids-at}, the time the job ids carry: by default the start of the
 * current UTC day; the status store purges a job one retention after its id's time). Bounded:
 * {@code --ready-limit-s} for the ingest to be ready; {@code --gets} and {@code --batch-gets} requests.
 */
public final class StatusStoreBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Args.parse(args, "jobs", "batch-size", "gets", "connections", "batch-gets",
                "jar", "ingest-jvm-args", "bootstrap-servers", "ready-limit-s", "prefix", "write", "ids-at");
        int jobs = Integer.parseInt(opts.getOrDefault("jobs", "1000000"));
        int batchSize = Integer.parseInt(opts.getOrDefault("batch-size", "1000"));
        int gets = Integer.parseInt(opts.getOrDefault("gets", "5000"));
        int connections = Integer.parseInt(opts.getOrDefault("connections", "4"));
        int batchGets = Integer.parseInt(opts.getOrDefault("batch-gets", "50"));
        Path jar = Path.of(opts.getOrDefault("jar", "cli/target/llmq.jar"));
        List<String> jvmArgs = Args.list(opts.getOrDefault("ingest-jvm-args", ""));
        Duration readyLimit = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("ready-limit-s", "900")));
        TopicNames topics = new TopicNames(opts.getOrDefault("prefix", TopicNames.DEFAULT_PREFIX));
        boolean write = Boolean.parseBoolean(opts.getOrDefault("write", "true"));
        Instant idsAt = opts.containsKey("ids-at") ? Instant.parse(opts.get("ids-at"))
                : Instant.now().truncatedTo(ChronoUnit.DAYS);
        System.out.println(Args.machine());
        Path dir = Files.createTempDirectory("llmq-status-");
        try {
            if (opts.containsKey("bootstrap-servers")) {
                run(opts.get("bootstrap-servers"), topics, write, idsAt, dir, jobs, batchSize, gets, connections,
                        batchGets, jar, jvmArgs, readyLimit);
            } else {
                try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).build().start()) {
                    run(broker.bootstrapServers(), topics, true, idsAt, dir, jobs, batchSize, gets, connections,
                            batchGets, jar, jvmArgs, readyLimit);
                }
            }
        } finally {
            deleteTree(dir.resolve("kafka")); // the logs and config stay
        }
    }

    private static void run(String bootstrapServers, TopicNames topics, boolean write, Instant idsAt, Path dir,
                            int jobs, int batchSize, int gets, int connections, int batchGets, Path jar,
                            List<String> jvmArgs, Duration readyLimit) throws Exception {
        FinishedJobs finished = new FinishedJobs(topics, batchSize, idsAt);
        if (write) {
            new TopicProvisioner(Map.of("bootstrap.servers", bootstrapServers), topics,
                    LlmqKeys.TOPICS_PARTITIONS.defaultValue(), (short) 1).ensureTopics(Duration.ofMinutes(1));
            FinishedJobs.Written written = finished.write(bootstrapServers, jobs);
            System.out.printf("wrote %,d jobs (ids at %s), %,d running events and %,d results under prefix %s in "
                            + "%.1f s (%,d bytes of values, result values %,d bytes on average); %s%n", jobs, idsAt,
                    jobs, jobs, topics.prefix(), written.seconds(), written.valueBytes(),
                    written.resultBytes() / Math.max(1, jobs), Args.loadAverage());
        } else {
            System.out.printf("reading %,d jobs written before under prefix %s (ids at %s)%n", jobs, topics.prefix(),
                    idsAt);
        }
        Path config = new BenchConfig().set(LlmqKeys.TOPICS_PREFIX, topics.prefix())
                .deployment(DeploymentKeys.MODEL_NAME, FinishedJobs.GROUP, DeploymentKeys.MODEL,
                        "openai/" + FinishedJobs.GROUP)
                .write(dir.resolve("llmq.yaml"));
        int port = FreePort.find();
        URI base = URI.create("http://127.0.0.1:" + port);
        try (RoleProcess ingest = RoleProcess.start(jar, jvmArgs, List.of("ingest", "--config", config.toString(),
                "--bootstrap-servers", bootstrapServers, "--http-port", Integer.toString(port)),
                dir.resolve("ingest.log"))) {
            double ready = ingest.awaitReady(base.resolve("/health/ready"), readyLimit);
            System.out.printf("ingest pid %d: /health/ready after %.1f s; max heap %s (JVM args: %s); %s%n",
                    ingest.pid(), ready, RoleProcess.mib(ingest.maxHeapBytes()),
                    RoleProcess.describeJvmOptions(jvmArgs), Args.loadAverage());
            report("ready", ingest);
            StatusStoreBench bench = new StatusStoreBench(base, finished, jobs);
            bench.jobs(Math.min(500, gets), connections, false);
            bench.jobs(gets, connections, true);
            bench.batches(batchGets, "");
            bench.batches(batchGets, "/results");
            report("after the GETs", ingest);
        }
    }

    private final URI base;
    private final FinishedJobs finished;
    private final int jobs;

    private StatusStoreBench(URI base, FinishedJobs finished, int jobs) {
        this.base = base;
        this.finished = finished;
        this.jobs = jobs;
    }

    private static void report(String label, RoleProcess ingest) throws Exception {
        long rss = ingest.rssBytes();
        RoleProcess.Heap heap = ingest.heapAfterGc();
        System.out.printf("  %s: ingest RSS %s (peak %s), heap after full GC %s (committed %s), %d OS threads; %s%n",
                label, RoleProcess.mib(rss), RoleProcess.mib(ingest.peakRssBytes()), RoleProcess.mib(heap.usedBytes()),
                RoleProcess.mib(heap.committedBytes()), ingest.threads(), Args.loadAverage());
    }

    /** {@code count} GETs of random job ids over {@code connections} connections; every answer must be succeeded. */
    private void jobs(int count, int connections, boolean print) throws Exception {
        Histogram histogram = new Histogram(60_000_000L, 3);
        AtomicLong bytes = new AtomicLong();
        long start = System.nanoTime();
        try (ExecutorService clients = Executors.newFixedThreadPool(connections)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                SplittableRandom random = new SplittableRandom(42L + c + (print ? 100 : 0));
                int share = count / connections + (c < count % connections ? 1 : 0);
                futures.add(clients.submit(() -> {
                    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    for (int i = 0; i < share; i++) {
                        String id = finished.jobId(random.nextInt(jobs));
                        String body = get(http, "/v1/jobs/" + id, histogram);
                        if (!body.contains("\"succeeded\"")) {
                            throw new IllegalStateException("job " + id + " is not succeeded: " + body);
                        }
                        bytes.addAndGet(body.length());
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (print) {
            System.out.printf("GET /v1/jobs/{id}: %,d random ids over %d connections, %.0f/s, %,d bytes per answer: "
                            + "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.1f ms; %s%n", count, connections,
                    count / seconds, bytes.get() / count, histogram.getValueAtPercentile(50) / 1e3,
                    histogram.getValueAtPercentile(90) / 1e3, histogram.getValueAtPercentile(99) / 1e3,
                    histogram.getMaxValue() / 1e3, Args.loadAverage());
        }
    }

    /** {@code count} GETs of random batches, one connection. */
    private void batches(int count, String suffix) throws Exception {
        Histogram histogram = new Histogram(600_000_000L, 3);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        SplittableRandom random = new SplittableRandom(7);
        long bytes = 0;
        int batches = finished.batches(jobs);
        if (batches == 0) {
            System.out.println("no batch of " + finished.batchSize() + " jobs among " + jobs + " jobs");
            return;
        }
        for (int i = 0; i < count; i++) {
            bytes += get(http, "/v1/batches/" + finished.batchId(random.nextInt(batches)) + suffix, histogram).length();
        }
        System.out.printf("GET /v1/batches/{id}%s: %d random batches of %,d jobs, one connection, %,d bytes per "
                        + "answer: p50 %.1f ms, p99 %.1f ms, max %.1f ms; %s%n", suffix, count, finished.batchSize(),
                bytes / count, histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(99) / 1e3,
                histogram.getMaxValue() / 1e3, Args.loadAverage());
    }

    private String get(HttpClient http, String path, Histogram histogram) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60)).build();
        long t0 = System.nanoTime();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        long micros = (System.nanoTime() - t0) / 1000;
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        histogram.recordValue(Math.min(micros, histogram.getHighestTrackableValue()));
        return response.body();
    }

    /** Deletes {@code dir} and everything under it, if it exists. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
