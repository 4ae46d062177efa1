package dev.llmq.bench;

import dev.llmq.bench.load.ConnectionPool;
import dev.llmq.bench.load.JobBodies;
import dev.llmq.bench.load.LoadGenerator;
import dev.llmq.bench.load.LoadResult;
import dev.llmq.bench.load.LoadSpec;
import dev.llmq.bench.load.SubmittedJobs;
import dev.llmq.bench.load.Target;
import dev.llmq.runtime.mock.MockLlmServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./llmq bench e2e}: jobs from submission to result. The broker, the ingest API and {@code --workers}
 * workers run as processes of their own ({@link LlmqRoles}); the mock LLM (0 ms, non-streaming) and the load
 * generator run in this JVM, so that one clock times every step of a job ({@link JobTimes}): the 202, the provider
 * receiving the call and answering it (the mock's {@code ChatListener}, which reads the job number from the prompt),
 * and the result becoming readable on {@code results.v1} to a {@code read_committed} consumer
 * ({@link ResultWatch}). Open loop at {@code --rate}, or closed loop at {@code --concurrency}: that many jobs at most
 * between submission and result (each client submits its next job once the last one's result is readable, so the
 * ingest cannot run ahead of the workers and the figures are those of a steady state: every job accepted in the
 * window is also finished in it, give or take the ones in flight). {@code --duration} seconds after a warm-up (long by
 * default: on two cores the roles' JIT compilers take minutes to settle, and the table says how much of the window's
 * CPU was still compiling); then up to {@code --drain} seconds for the last results. Jobs accepted in the measured
 * run without a result by then are lost.
 */
@Command(name = "e2e", mixinStandardHelpOptions = true,
        description = "End to end (broker, ingest, workers as processes; mock LLM at 0 ms in this JVM): completed "
                + "jobs/s, 202 → provider, provider → result readable, submit → result, jobs lost, CPU per job.")
final class E2eBench implements Callable<Integer> {

    /** The measured run's job numbers start here; the warm-up's at 0. */
    static final long MEASURED_JOBS = 100_000_000_000L;
    /** How long a closed-loop client waits for its jobs' results before it submits again regardless. */
    static final Duration RESULT_WAIT = Duration.ofSeconds(30);

    @Spec
    CommandSpec command;

    @Mixin
    LoadOptions load = new LoadOptions();

    @Option(names = "--workers", defaultValue = "1", description = "worker processes (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--usage-aggregators", defaultValue = "0", description = "llmq usage-aggregator processes "
            + "beside the other roles, their CPU counted as llmq's, as a deployment that keeps usage and spend runs "
            + "them (default: ${DEFAULT-VALUE})")
    int usageAggregators;

    @Option(names = "--drain", defaultValue = "60",
            description = "seconds to wait for the last results after the load (default: ${DEFAULT-VALUE})")
    int drainSeconds;

    @Mixin
    RoleOptions roleOptions = new RoleOptions();

    @Mixin
    ProfileOptions profile = new ProfileOptions();

    @Mixin
    FloorOptions floor = new FloorOptions();

    /** The measured run's jobs at most, unless {@code --max-requests} says otherwise. */
    static final long DEFAULT_MAX_JOBS = 600_000;
    /** The most jobs whose times a run keeps (in arrays). */
    static final long MAX_JOBS = 2_000_000;

    /** Scrapes the roles' {@code /metrics} around the window. */
    private final HttpClient http = HttpClient.newHttpClient();

    E2eBench() {
        load.durationSeconds = 60;
        load.warmupSeconds = 180;
    }

    /**
     * The measured run's spec, at most {@link #DEFAULT_MAX_JOBS} jobs' worth of requests unless {@code --max-requests}
     * says otherwise; a usage error when the jobs would be more than {@link #MAX_JOBS}.
     */
    LoadSpec measuredSpec() {
        if (load.jobsPerRequest < 1) {
            throw new ParameterException(command.commandLine(), "--jobs-per-request must be at least 1, got "
                    + load.jobsPerRequest);
        }
        load.maxRequests = Math.max(1, DEFAULT_MAX_JOBS / load.jobsPerRequest);
        LoadSpec spec = load.spec(0);
        if (spec.maxRequests() > MAX_JOBS / load.jobsPerRequest) {
            throw new ParameterException(command.commandLine(), String.format("--max-requests %,d × "
                    + "--jobs-per-request %,d is more than the %,d jobs whose times a run keeps (in arrays)",
                    spec.maxRequests(), load.jobsPerRequest, MAX_JOBS));
        }
        return spec;
    }

    @Override
    public Integer call() throws Exception {
        if (usageAggregators < 0) {
            throw new IllegalArgumentException("--usage-aggregators must be at least 0, got " + usageAggregators);
        }
        LoadSpec spec = measuredSpec();
        LoadSpec warmup = load.warmup(spec);
        long jobs = spec.maxRequests() * load.jobsPerRequest;
        Path dir = LlmqRoles.workDir("e2e");
        List<FloorOptions.Plan> floors = new ArrayList<>();
        int exit;
        try (JobTimes times = new JobTimes(MEASURED_JOBS, (int) jobs);
             MockLlmServer mock = MockLlmServer.builder().port(0).requestLogCapacity(1)
                .chatListener((model, texts, received, answered) -> times.provider(
                        JobBodies.jobNumber(texts.getLast()), received, answered)).build().start();
             LlmqRoles roles = roleOptions.start(dir, mock.openAiBaseUrl(), workers, usageAggregators);
             ResultWatch results = ResultWatch.start(roles.bootstrapServers(), times);
             ConnectionPool connections = new ConnectionPool(roles.ingestUrl(), spec.timeout())) {
            profile.check(roles);
            JobBodies bodies = new JobBodies(LlmqRoles.GROUP, load.jobBytes, 1);
            boolean closed = spec.loop() instanceof LoadSpec.Loop.Closed;
            if (warmup != null) {
                Target warm = new Target.LlmqIngest(roles.ingestUrl(), bodies, load.jobsPerRequest, null, 0);
                LoadGenerator.run(warm, warmup, (seq, intended, sent, done, status, body) -> {
                    if (closed && warm.success(status)) {
                        awaitResults(times, SubmittedJobs.ids(body));
                    }
                }, connections);
            }
            Target target = new Target.LlmqIngest(roles.ingestUrl(), bodies, load.jobsPerRequest, null, MEASURED_JOBS);
            BenchTable table = new BenchTable("llmq bench e2e");
            table.setting("processes", "broker, ingest API, " + workers + " worker(s)"
                    + (usageAggregators > 0 ? ", " + usageAggregators + " usage aggregator(s)"
                    : "") + " (java -jar llmq.jar); mock LLM (0 ms, non-streaming) and load generator in this JVM");
            table.setting("role JVM options", roleOptions.describeJvmOptions());
            table.setting("config keys set (--set)", roleOptions.describeSettings());
            load.settings(table, spec);
            // the workers' /metrics, then the ingest's: one scrape of each before the CPU window and one after it
            List<URI> roleMetrics = new ArrayList<>(roles.workerMetrics());
            roleMetrics.add(roles.ingestMetrics());
            List<MetricsScrape> before = MetricsScrape.getAll(http, roleMetrics);
            roles.countCpu(table);
            table.process("mock LLM and load generator (this JVM)", ProcessHandle.current().pid(), false);
            BrokerMeters.Span broker = BrokerMeters.begin(roles.brokerPid());
            RoleProfiler profiler = profile.start(roles);
            long windowStart = System.nanoTime();
            LoadResult r = LoadGenerator.run(target, spec, (seq, intended, sent, done, status, body) -> {
                if (target.success(status)) {
                    times.accepted(target.firstJob(seq), intended, done, body);
                    if (closed) {
                        awaitResults(times, SubmittedJobs.ids(body));
                    }
                }
            }, connections);
            long windowEnd = System.nanoTime();
            if (profiler != null) {
                profiler.stop();
            }
            long lost = times.awaitResults(Duration.ofSeconds(drainSeconds));
            long drained = System.nanoTime();
            BrokerMeters.Counts during = broker.finish();
            // CPU from the load's start until the last result is in: what it took to finish every job that completed
            long completedByDrain = times.completedBetween(windowStart, drained);
            table.cpuWindowEnds(completedByDrain);
            List<MetricsScrape> after = MetricsScrape.getAll(http, roleMetrics);
            int workerCount = roles.workerMetrics().size();
            TransactionMeters.Counts workerDuring = TransactionMeters.count(after.subList(0, workerCount))
                    .since(TransactionMeters.count(before.subList(0, workerCount)));
            table.setting("CPU counted", String.format("from the load's start until its last result (%.1f s, the "
                    + "drain included), per job completed meanwhile (%d)", (drained - windowStart) / 1e9,
                    completedByDrain));
            double seconds = (windowEnd - windowStart) / 1e9;
            table.figure("completed jobs/s in the measured window (results read)",
                    String.format("%,.0f", times.completedBetween(windowStart, windowEnd) / seconds), "≥ 5,000")
                    .figure("CPU ms per job, all llmq processes", String.format("%.3f",
                            table.llmqCpuSeconds() * 1000 / Math.max(1, completedByDrain)), "≤ 0.3");
            figure(table, "202 → provider received the call", times.acceptedToProvider(), "p50 ≤ 5 ms, p99 ≤ 25 ms "
                    + "(at 1,000 jobs/s)");
            figure(table, "provider answered → result readable (read_committed)", times.providerToResult(),
                    "p50 ≤ 10 ms, p99 ≤ 50 ms");
            figure(table, "submit (due time) → result readable", times.dueToResult(), "");
            figure(table, "202 → result readable", times.acceptedToResult(), "");
            table.figure("jobs accepted / with a result / lost (no result " + drainSeconds + " s after the load)",
                    times.acceptedCount() + " / " + (times.acceptedCount() - lost) + " / " + lost, "0 lost");
            BrokerMeters.figures(table, during, completedByDrain);
            table.figure("results transactions (workers), same span", workerDuring.describe((drained - windowStart)
                    / 1e9), "");
            ProducerMeters.figure(table, "ingest and workers", before, after, completedByDrain);
            LoadOptions.figures(table, "submissions: ", r, "", "");
            table.print(System.out);
            if (profiler != null) {
                profiler.print(System.out);
            }
            System.out.println("role logs: " + roles.logs());
            exit = lost == 0 && r.errors() == 0 ? 0 : 1;
            if (floor.enabled && completedByDrain > 0) {
                floors.add(floorPlan(spec, table, times.completedBetween(windowStart, windowEnd) / seconds,
                        FloorOptions.transactionInterval(workerDuring.committed(), (drained - windowStart) / 1e9)));
            }
        }
        return floor.compare(System.out, floors, load.durationSeconds) == 0 ? exit : 1;
    }

    /**
     * Kafka alone under this run's load: a job's records as llmq wrote them (its job, result, start offset commit and
     * changelog records; transactions as often as the workers' were), at the rate given or, closed loop, reached.
     */
    private FloorOptions.Plan floorPlan(LoadSpec spec, BenchTable table, double completedPerSecond,
                                        Duration transactionInterval) {
        KafkaFloor.Options records = FloorOptions.records(roleOptions.settings, load.jobBytes, transactionInterval,
                load.jobsPerRequest, true);
        return spec.loop() instanceof LoadSpec.Loop.Open o
                ? new FloorOptions.Plan("llmq bench e2e", records, o.rate() * load.jobsPerRequest,
                        FloorOptions.OPEN_LOOP_CAP, table)
                : new FloorOptions.Plan("llmq bench e2e", records, completedPerSecond,
                        spec.loop().connections(), table);
    }

    /** The closed loop's hold: the client's next submission waits for these jobs' results (30 s at most). */
    private static void awaitResults(JobTimes times, List<String> jobIds) {
        long deadline = System.nanoTime() + RESULT_WAIT.toNanos();
        for (String id : jobIds) {
            times.awaitResult(id, deadline);
        }
    }

    private static void figure(BenchTable table, String name, Histogram h, String target) {
        table.figure(name + ", p50 / p90 / p99 / max", LoadResult.percentiles(h), target);
    }
}
