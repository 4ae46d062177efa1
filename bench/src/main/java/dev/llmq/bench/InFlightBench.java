package dev.llmq.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.cli.Repeat;
import dev.llmq.config.LlmqKeys;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.runtime.mock.RecordedRequest;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
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
import picocli.CommandLine.Option;

/**
 * {@code ./llmq bench inflight}: one worker holding many jobs in flight against a slow provider. The broker
 * ({@code llmq broker}) and the worker ({@code llmq worker}, {@code -Xmx1g} unless {@code --worker-jvm-args} says
 * otherwise, so "heap ≤ 1 GiB" is really tested) are processes of their own, so their CPU, resident memory and heap
 * are their own; this JVM runs the mock LLM answering every request after {@code --latency-ms} and feeds the jobs
 * topic. The worker's {@code llmq.worker.max_in_flight} is {@code --in-flight} (the per-partition limit follows it);
 * this JVM keeps the jobs topic's backlog above that, so the worker stays at its limit. Reported: the worker's heap
 * after a full GC, RSS, OS threads and file descriptors, idle (ready, no jobs) and at steady state (the worker's
 * {@code llmq.worker.in_flight} gauge at the limit, less 1%, in every reading for at least one provider latency
 * ({@link SteadyState}), and the mock has answered a first full wave of jobs, so jobs are finishing and being
 * replaced), the requests open at the mock then (received within the last latency, i.e. not yet answered), which
 * says whether the jobs really were all at the provider at once, and the CPU of the worker and the broker from the
 * first job fed to the steady state, per job finished.
 *
 * <p>Run: {@code ./llmq bench inflight --in-flight=10000 --latency-ms=5000}. Bounded: the worker must reach its limit
 * within {@code --limit-s}; jobs produced stop at {@code --max-jobs}. {@code --hold-s} keeps the load on that much
 * longer after the steady-state figures and reports them again.
 */
@Command(name = "inflight", mixinStandardHelpOptions = true,
        description = "One worker process, the mock at a fixed latency, thousands of jobs in flight: memory, threads, "
                + "CPU per job.")
public final class InFlightBench implements Callable<Integer> {

    private static final String GROUP = "bench-slow";
    /** The target: one worker holds this many jobs in flight within a 1 GiB heap. */
    private static final int TARGET_IN_FLIGHT = 10_000;

    @Option(names = "--in-flight", defaultValue = "10000", description = "the worker's max_in_flight (default: "
            + "${DEFAULT-VALUE})")
    int inFlight;

    @Option(names = "--latency-ms", defaultValue = "5000", description = "the mock's latency per request (default: "
            + "${DEFAULT-VALUE})")
    long latencyMs;

    @Option(names = "--max-jobs", defaultValue = "1000000", description = "most jobs fed (default: "
            + "${DEFAULT-VALUE})")
    long maxJobs;

    @Option(names = "--limit-s", defaultValue = "300", description = "the worker must reach its limit within this "
            + "(default: ${DEFAULT-VALUE})")
    long limitS;

    @Option(names = "--hold-s", defaultValue = "0", description = "keep the load on this much longer and report "
            + "again (default: ${DEFAULT-VALUE})")
    long holdS;

    @Option(names = "--worker-jvm-args", defaultValue = "-Xmx1g", description = "JVM options of the worker process, "
            + "space-separated (default: ${DEFAULT-VALUE})")
    String workerJvmArgs;

    @Override
    public Integer call() throws Exception {
        Duration latency = Duration.ofMillis(latencyMs);
        Path jar = BenchMain.llmqJar();
        List<String> jvmArgs = Args.list(workerJvmArgs);
        Path dir = Files.createTempDirectory("llmq-inflight-");
        BenchTable table = new BenchTable("llmq bench inflight: one worker, " + inFlight + " jobs in flight, mock at "
                + latencyMs + " ms")
                .setting("in flight (llmq.worker.max_in_flight)", inFlight)
                .setting("mock latency", latencyMs + " ms, non-streaming, 16 tokens")
                .setting("worker JVM options", RoleProcess.describeJvmOptions(jvmArgs))
                .setting("topics", "default prefix, " + LlmqKeys.TOPICS_PARTITIONS.defaultValue() + " partitions")
                .setting("processes", "broker (llmq broker), worker (llmq worker), this JVM: mock LLM and feeder");
        try (MockLlmServer mock = MockLlmServer.builder().port(0).requestLogCapacity(inFlight * 3 + 1000)
                .defaultBehavior(MockBehavior.defaults().withLatency(latency)).build().start()) {
            TopicNames topics = TopicNames.defaults();
            Path config = WorkerRole.callingTheMock(GROUP, mock).set(LlmqKeys.WORKER_MAX_IN_FLIGHT, inFlight)
                    .write(dir.resolve("llmq.yaml"));
            try (BrokerRole broker = BrokerRole.start(jar, config, dir.resolve("kafka"), dir.resolve("broker.log"));
                 WorkerRole role = WorkerRole.start(jar, jvmArgs, config, broker.bootstrapServers(),
                         dir.resolve("worker.log"))) {
                RoleProcess worker = role.process();
                System.out.printf("worker pid %d ready %.1f s after start; broker pid %d; logs in %s%n",
                        worker.pid(), role.readySeconds(), broker.pid(), dir);
                Memory idle = Memory.of(worker);
                System.out.println("idle (ready, no jobs): " + idle);
                table.process("broker", broker.pid(), true).process("worker", worker.pid(), true)
                        .process("bench JVM: mock LLM, feeder", ProcessHandle.current().pid(), false);
                new InFlightBench.Run(broker.bootstrapServers(), topics, mock, worker, role.http(), inFlight, latency)
                        .run(maxJobs, Duration.ofSeconds(limitS), Duration.ofSeconds(holdS), table, idle);
            }
        } finally {
            StatusStoreBench.deleteTree(dir.resolve("kafka")); // the logs and config stay
        }
        table.print(System.out);
        return 0;
    }

    /**
     * Whether the worker holds its limit: every reading of its in-flight gauge for one latency at least the limit less
     * 1% (the places of jobs that just ended wait for the feed's next poll: at 2,000 jobs a second, a few of 10,000
     * at any moment). A reading below that starts the wait again. Keeps the readings since, for their lowest and
     * median.
     */
    static final class SteadyState {

        private final long limit;
        private final long floor;
        private final long latencyNanos;
        private final List<Long> readings = new ArrayList<>();
        long atLimitSince = -1;
        long maxOpen;
        long polls;

        SteadyState(long limit, Duration latency) {
            this.limit = limit;
            this.floor = limit - limit / 100;
            this.latencyNanos = latency.toNanos();
        }

        /** A reading of the gauge at {@code now} ({@link System#nanoTime()}): true once it held for a latency. */
        boolean reading(long now, long held) {
            if (held < floor) {
                atLimitSince = -1;
                readings.clear();
                return false;
            }
            atLimitSince = atLimitSince < 0 ? now : atLimitSince;
            readings.add(held);
            return now - atLimitSince >= latencyNanos;
        }

        /** The readings since the gauge reached the limit: how many, the lowest, the median. */
        String readings() {
            List<Long> sorted = readings.stream().sorted().toList();
            if (sorted.isEmpty()) {
                return "no readings at the limit";
            }
            long all = sorted.stream().filter(n -> n >= limit).count();
            return String.format("%d readings at least %,d (%,d of them at %,d): lowest %,d, median %,d",
                    sorted.size(), floor, all, limit, sorted.getFirst(), sorted.get(sorted.size() / 2));
        }
    }

    /** Memory, threads and files of the worker process at one moment (a full GC first). */
    record Memory(long heapUsed, long heapCommitted, long heapMax, long rss, long peakRss, long threads, long files) {

        static Memory of(RoleProcess worker) throws Exception {
            long rss = worker.rssBytes();
            long threads = worker.threads();
            long files = worker.openFiles();
            RoleProcess.Heap heap = worker.heapAfterGc();
            return new Memory(heap.usedBytes(), heap.committedBytes(), worker.maxHeapBytes(), rss,
                    worker.peakRssBytes(), threads, files);
        }

        String heap() {
            return RoleProcess.mib(heapUsed) + " / " + RoleProcess.mib(heapCommitted) + " / "
                    + RoleProcess.mib(heapMax);
        }

        @Override
        public String toString() {
            return "heap after full GC / committed / max " + heap() + "; RSS " + RoleProcess.mib(rss) + " (peak "
                    + RoleProcess.mib(peakRss) + "); " + threads + " OS threads; " + files + " open files; "
                    + Args.loadAverage();
        }
    }

    /** One run of the load against a started worker. */
    private static final class Run {

        private final String bootstrapServers;
        private final TopicNames topics;
        private final MockLlmServer mock;
        private final RoleProcess worker;
        private final URI metrics;
        private final int inFlight;
        private final Duration latency;
        private final HttpClient http = HttpClient.newHttpClient();
        private final AtomicLong produced = new AtomicLong();
        private final AtomicBoolean feeding = new AtomicBoolean(true);

        private Run(String bootstrapServers, TopicNames topics, MockLlmServer mock, RoleProcess worker,
                    URI health, int inFlight, Duration latency) {
            this.bootstrapServers = bootstrapServers;
            this.topics = topics;
            this.mock = mock;
            this.worker = worker;
            this.metrics = health.resolve("/metrics");
            this.inFlight = inFlight;
            this.latency = latency;
        }

        private void run(long maxJobs, Duration limit, Duration hold, BenchTable table, Memory idle) throws Exception {
            long finishedBefore = workerFinished();
            Thread feeder = Thread.ofPlatform().name("bench-feeder").start(() -> feed(maxJobs));
            try {
                long start = System.nanoTime();
                long deadline = start + limit.toNanos();
                SteadyState steady = new SteadyState(inFlight, latency);
                Repeat.every(Duration.ofMillis(250), () -> {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the worker did not hold " + inFlight + " jobs for " + latency
                                + " within " + limit + " (in flight " + workerInFlight() + ")");
                    }
                    long now = System.nanoTime();
                    long held = workerInFlight();
                    long open = mockOpen();
                    steady.maxOpen = Math.max(steady.maxOpen, open);
                    if (steady.polls++ % 4 == 0) {
                        sample(start, held, open);
                    }
                    return !steady.reading(now, held) || mockAnswered() < inFlight;
                });
                long atLimitEnded = System.nanoTime();
                long held = workerInFlight();
                long open = mockOpen();
                steady.maxOpen = Math.max(steady.maxOpen, open);
                long finished = workerFinished() - finishedBefore;
                double seconds = (System.nanoTime() - start) / 1e9;
                table.cpuWindowEnds(finished);
                System.out.printf("steady state after %.1f s: the worker at its limit for %.1f s (%s), a first wave "
                        + "of %,d answered and replaced; most requests open at the mock at once so far: %,d; mock "
                        + "answered %,d (%.0f jobs/s over the last latency)%n", seconds,
                        (atLimitEnded - steady.atLimitSince) / 1e9, steady.readings(),
                        inFlight, steady.maxOpen, mockAnswered(), open / (latency.toMillis() / 1e3));
                Memory busy = Memory.of(worker);
                System.out.println("steady state, " + held + " in flight: " + busy);
                boolean withinGiB = busy.heapUsed() <= 1L << 30 && busy.heapMax() <= 1L << 30;
                table.figure("jobs in flight at the worker (llmq.worker.in_flight)", String.format("%s, the last "
                                + "%.1f s; %,d at the memory snapshot", steady.readings(),
                                (atLimitEnded - steady.atLimitSince) / 1e9, held),
                                String.format("10,000 (%s)", inFlight >= TARGET_IN_FLIGHT ? "met" : "missed"))
                        .figure("requests open at the mock then (most at once)", String.format("%,d (%,d)", open,
                                steady.maxOpen), "")
                        .figure("worker heap after full GC / committed / max, steady state", busy.heap(),
                                "≤ 1 GiB (" + (withinGiB ? "met" : "missed") + ")")
                        .figure("worker heap after full GC / committed / max, idle", idle.heap(), "")
                        .figure("worker RSS, steady state (peak)", RoleProcess.mib(busy.rss()) + " ("
                                + RoleProcess.mib(busy.peakRss()) + ")", "")
                        .figure("worker RSS, idle", RoleProcess.mib(idle.rss()), "")
                        .figure("worker OS threads, steady state / idle", busy.threads() + " / " + idle.threads(), "")
                        .figure("worker open files, steady state / idle", String.format("%,d / %,d", busy.files(),
                                idle.files()), "")
                        .figure("jobs finished by the worker in the CPU window", String.format("%,d in %.1f s",
                                finished, seconds), "")
                        .setting("load average at steady state", Args.loadAverage());
                if (!hold.isZero()) {
                    long holdUntil = System.nanoTime() + hold.toNanos();
                    Repeat.every(Duration.ofSeconds(1), () -> {
                        sample(start, workerInFlight(), mockOpen());
                        return System.nanoTime() < holdUntil;
                    });
                    Memory later = Memory.of(worker);
                    System.out.println("after " + hold.toSeconds() + " s more, " + workerInFlight() + " in flight: "
                            + later);
                    table.figure("worker heap after full GC / committed / max, " + hold.toSeconds() + " s later",
                            later.heap(), "≤ 1 GiB");
                }
            } finally {
                feeding.set(false);
                feeder.join(Duration.ofSeconds(30));
                outcomes(table);
            }
        }

        private void sample(long start, long held, long open) throws Exception {
            System.out.printf("  t=%5.1f s  produced %,d  worker in flight %,d  open at the mock %,d  answered by the "
                            + "mock %,d  finished by the worker (succeeded/other) %s  RSS %s%n",
                    (System.nanoTime() - start) / 1e9,
                    produced.get(), held, open, mockAnswered(), workerCompleted(), RoleProcess.mib(worker.rssBytes()));
        }

        /**
         * The outcomes the worker wrote so far on the results topic (read_committed: one per job), by status and error
         * kind, printed with one message per kind (a job that failed never waited its latency at the mock) and added
         * to {@code table} as one row.
         */
        private void outcomes(BenchTable table) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            JsonSerde<JobResult> serde = JsonSerde.jobResult();
            Map<String, Long> counts = new TreeMap<>();
            Map<String, String> samples = new TreeMap<>();
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(topics.results()).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
                while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))
                        && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        JobResult result = serde.fromBytes(r.value());
                        String key = result.status().wire() + (result.error() == null ? ""
                                : " " + result.error().kind() + "/" + result.error().code());
                        counts.merge(key, 1L, Long::sum);
                        if (result.error() != null) {
                            samples.putIfAbsent(key, result.error().message());
                        }
                    }
                }
            }
            System.out.println("results published by the worker so far (raw topic), by outcome:");
            counts.forEach((k, n) -> System.out.printf("  %,8d  %s%s%n", n, k,
                    samples.containsKey(k) ? "  e.g. \"" + samples.get(k) + "\"" : ""));
            String succeeded = JobStatus.SUCCEEDED.wire();
            long ok = counts.getOrDefault(succeeded, 0L);
            counts.remove(succeeded);
            table.figure("results the worker wrote from its start to the run's end: succeeded, then the others by "
                    + "outcome", String.format("%,d", ok) + counts.entrySet().stream()
                    .map(e -> String.format("; %s %,d", e.getKey(), e.getValue())).collect(Collectors.joining()),
                    "");
        }

        /** Keeps the jobs topic's backlog (produced − received by the mock) above twice the in-flight limit. */
        private void feed(long maxJobs) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
            props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            JsonSerde<JobRequest> serde = JsonSerde.jobRequest();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                    new ByteArraySerializer())) {
                // every 100 ms: top the backlog up (in batches of 1,000) while it is short
                Repeat.every(Duration.ofMillis(100), () -> {
                    while (feeding.get() && produced.get() < maxJobs && produced.get() - mockReceived() < 2L * inFlight) {
                        for (int i = 0; i < 1000 && produced.get() < maxJobs; i++) {
                            JobRequest job = job(produced.getAndIncrement());
                            producer.send(new ProducerRecord<>(topics.jobs(), job.jobId(), serde.toBytes(job)));
                        }
                        producer.flush();
                    }
                    return feeding.get() && produced.get() < maxJobs;
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                throw new IllegalStateException("the feeder failed", e);
            }
        }


        private static JobRequest job(long n) {
            ObjectNode body = Json.mapper().createObjectNode();
            body.put("model", GROUP);
            body.putArray("messages").addObject().put("role", "user").put("content", "In-flight bench prompt " + n);
            body.put("max_tokens", 16);
            return new JobRequest(JobRequest.SCHEMA_VERSION, String.format("job_bench-inflight-%012d", n), null,
                    "inflight-" + n, null, GROUP, body, false, 0, null, null, null, Instant.now(), null);
        }

        /** The worker's {@code llmq.worker.in_flight} gauge, from its Prometheus endpoint. */
        private long workerInFlight() throws Exception {
            return workerMetric("llmq_worker_in_flight", "");
        }

        /** The sum of the worker's Prometheus samples of {@code name} whose labels contain {@code label}. */
        private long workerMetric(String name, String label) throws Exception {
            double sum = MetricsScrape.get(http, metrics).sum(name, label);
            if (Double.isNaN(sum)) {
                if (label.isEmpty()) {
                    throw new IllegalStateException("no " + name + " in the worker's metrics");
                }
                return 0;
            }
            return (long) sum;
        }

        /**
         * Jobs the worker finished, as {@code succeeded/other}, from one scrape (two would count the jobs finished
         * between them as "other").
         */
        private String workerCompleted() throws Exception {
            MetricsScrape scrape = MetricsScrape.get(http, metrics);
            long succeeded = (long) scrape.total("llmq_jobs_completed_total", "status=\"succeeded\"");
            return succeeded + "/" + ((long) scrape.total("llmq_jobs_completed_total", "") - succeeded);
        }

        /** Jobs the worker finished, whatever their outcome. */
        private long workerFinished() throws Exception {
            return workerMetric("llmq_jobs_completed_total", "");
        }

        /** Requests the mock received within the last latency: with a fixed latency, those not answered yet. */
        private long mockOpen() {
            Instant since = Instant.now().minus(latency);
            List<RecordedRequest> log = mock.requests();
            long open = 0;
            for (int i = log.size() - 1; i >= 0 && log.get(i).receivedAt().isAfter(since); i--) {
                open++;
            }
            return open;
        }

        /** Requests the mock received longer ago than the latency: answered. */
        private long mockAnswered() {
            return mockReceived() - mockOpen();
        }

        /** Every request the mock received. */
        private long mockReceived() {
            List<RecordedRequest> log = mock.requests();
            return log.isEmpty() ? 0 : log.get(log.size() - 1).sequence();
        }
    }
}
