package dev.llmq.bench;

import dev.llmq.bench.load.ConnectionPool;
import dev.llmq.bench.load.JobBodies;
import dev.llmq.bench.load.LoadGenerator;
import dev.llmq.bench.load.LoadResult;
import dev.llmq.bench.load.LoadSpec;
import dev.llmq.bench.load.ResponseListener;
import dev.llmq.bench.load.Target;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./llmq bench ingest}: what the ingest API accepts. The broker and the ingest API run as processes of their
 * own ({@link LlmqRoles}, no worker: the jobs stay queued), the load generator in this JVM. Two phases, each a
 * warm-up then {@code --duration} seconds measured, each printing a table with the CPU of broker and ingest and
 * what the accepted jobs cost the broker in requests and records (its own meters, as in {@code bench e2e}), and
 * with {@code --profile DIR} where each process's CPU went (the phase's letter a directory under DIR):
 * <ol>
 *   <li>A: NDJSON submissions of {@code --ndjson-jobs} (100) jobs of {@code --job-bytes} (1 KB), closed loop at
 *       {@code --ndjson-concurrency} (4) — target ≥ 30,000 jobs/s;</li>
 *   <li>B: single-job POSTs, closed loop from {@code --single-connections} (64) connections — target ≥ 10,000
 *       jobs/s with p99 ≤ 20 ms.</li>
 * </ol>
 * With {@code --idempotency-keys} every submission carries a key of its own, as a client that retries safely sends.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "The ingest API alone (broker and ingest as processes): NDJSON submissions of 100 jobs, then "
                + "single-job POSTs from 64 connections; jobs/s accepted, latency, CPU per job.")
final class IngestBench implements Callable<Integer> {

    @Option(names = "--duration", defaultValue = "20", description = "measured seconds per phase (default: ${DEFAULT-VALUE})")
    int durationSeconds;

    @Option(names = "--warmup", defaultValue = "60", description = "warm-up seconds per phase (default: ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--ndjson-jobs", defaultValue = "100", description = "jobs per NDJSON submission (default: ${DEFAULT-VALUE})")
    int ndjsonJobs;

    @Option(names = "--ndjson-concurrency", defaultValue = "4",
            description = "phase A: submissions outstanding at once (default: ${DEFAULT-VALUE})")
    int ndjsonConcurrency;

    @Option(names = "--single-connections", defaultValue = "64",
            description = "phase B: connections posting single jobs (default: ${DEFAULT-VALUE})")
    int singleConnections;

    @Option(names = "--job-bytes", defaultValue = "1024", description = "each job's JSON size (default: ${DEFAULT-VALUE})")
    int jobBytes;

    @Option(names = "--phases", defaultValue = "A,B", split = ",", description = "which phases to run (default: A,B)")
    List<String> phases = new ArrayList<>();

    @Option(names = "--idempotency-keys", description = "every submission carries an Idempotency-Key of its own, as "
            + "a client that retries safely sends (the status store then indexes each job under its key); --floor "
            + "still models submissions without one")
    boolean idempotencyKeys;

    @Mixin
    RoleOptions roleOptions = new RoleOptions();

    @Mixin
    ProfileOptions profile = new ProfileOptions();

    @Mixin
    FloorOptions floor = new FloorOptions();

    private final HttpClient http = HttpClient.newHttpClient();

    @Override
    public Integer call() throws Exception {
        Path dir = LlmqRoles.workDir("ingest");
        int failed = 0;
        List<FloorOptions.Plan> floors = new ArrayList<>();
        try (LlmqRoles roles = roleOptions.start(dir, "http://127.0.0.1:9/v1", 0);
             ConnectionPool connections = new ConnectionPool(roles.ingestUrl(), LoadSpec.DEFAULT_TIMEOUT)) {
            profile.check(roles);
            JobBodies bodies = new JobBodies(LlmqRoles.GROUP, jobBytes, 1);
            long offset = 0;
            if (phases.contains("A")) {
                failed += phase(roles, connections, "A", "NDJSON submissions of " + ndjsonJobs + " jobs",
                        new Target.LlmqIngest(roles.ingestUrl(), bodies, ndjsonJobs, null, offset, keys()),
                        LoadSpec.closed(ndjsonConcurrency, Duration.ofSeconds(durationSeconds), Long.MAX_VALUE),
                        "≥ 30,000", "", floors);
                offset += 10_000_000_000L;
            }
            if (phases.contains("B")) {
                failed += phase(roles, connections, "B", "single-job POSTs",
                        new Target.LlmqIngest(roles.ingestUrl(), bodies, 1, null, offset, keys()),
                        LoadSpec.closed(singleConnections, Duration.ofSeconds(durationSeconds), Long.MAX_VALUE),
                        "≥ 10,000", "p99 ≤ 20 ms", floors);
            }
            System.out.println("role logs: " + roles.logs());
        }
        failed += floor.compare(System.out, floors, durationSeconds);
        return failed == 0 ? 0 : 1;
    }

    /** The prefix of the submissions' Idempotency-Keys (a key names its first job), or null for none. */
    private String keys() {
        return idempotencyKeys ? "llmq-bench" : null;
    }

    /**
     * A phase's warm-up and measured run, on the connections the phases share (each opens the ones it lacks); with
     * {@code --floor} the plan of Kafka alone under the same load goes into {@code floors}.
     */
    private int phase(LlmqRoles roles, ConnectionPool connections, String phase, String name, Target target,
                      LoadSpec spec, String jobsTarget, String latencyTarget, List<FloorOptions.Plan> floors)
            throws Exception {
        // the warm-up's jobs are numbered after the measured run's, which cannot reach 10^9 jobs
        Target warm = target instanceof Target.LlmqIngest t ? t.from(t.jobOffset() + 5_000_000_000L) : target;
        if (warmupSeconds > 0) {
            LoadGenerator.run(warm, spec.bounded(Duration.ofSeconds(warmupSeconds), Long.MAX_VALUE),
                    ResponseListener.NONE, connections);
        }
        BenchTable table = new BenchTable("llmq bench ingest, phase " + phase + ": " + name);
        table.setting("processes", "broker and ingest API (java -jar llmq.jar), no worker; load generator in this JVM")
                .setting("role JVM options", roleOptions.describeJvmOptions())
                .setting("config keys set (--set)", roleOptions.describeSettings())
                .setting("load", spec.loop() instanceof LoadSpec.Loop.Closed c ? "closed loop, " + c.concurrency()
                        + " concurrent" : spec.loop().toString())
                .setting("jobs per request", target.jobsPerRequest())
                .setting("job body", jobBytes + " bytes")
                .setting("Idempotency-Key", idempotencyKeys ? "a new one per submission" : "none")
                .setting("measured", durationSeconds + " s after " + warmupSeconds + " s of warm-up");
        // the ingest's /metrics, scraped outside the CPU window
        List<URI> ingestMetrics = List.of(roles.ingestMetrics());
        List<MetricsScrape> before = MetricsScrape.getAll(http, ingestMetrics);
        roles.countCpu(table);
        table.process("load generator (this JVM)", ProcessHandle.current().pid(), false);
        BrokerMeters.Span broker = BrokerMeters.begin(roles.brokerPid());
        RoleProfiler profiler = profile.start(roles, phase);
        LoadResult r = LoadGenerator.run(target, spec, ResponseListener.NONE, connections);
        if (profiler != null) {
            profiler.stop();
        }
        BrokerMeters.Counts during = broker.finish();
        table.cpuWindowEnds(r.jobs());
        List<MetricsScrape> after = MetricsScrape.getAll(http, ingestMetrics);
        LoadOptions.figures(table, "", r, jobsTarget, latencyTarget);
        BrokerMeters.figures(table, during, r.jobs());
        ProducerMeters.figure(table, "the ingest", before, after, r.jobs());
        table.print(System.out);
        if (profiler != null) {
            profiler.print(System.out);
        }
        if (floor.enabled && r.jobs() > 0) {
            // the ingest's records alone: each job, its batch's list, the status store's changelog; no worker
            floors.add(new FloorOptions.Plan("llmq bench ingest, phase " + phase, FloorOptions.records(
                    roleOptions.settings, jobBytes, Duration.ZERO, target.jobsPerRequest(), false),
                    r.jobsPerSecond(), spec.loop().connections(), table));
        }
        return r.errors() == 0 ? 0 : 1;
    }
}
