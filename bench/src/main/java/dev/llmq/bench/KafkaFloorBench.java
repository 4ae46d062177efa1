package dev.llmq.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./llmq bench kafka}: what Kafka alone costs for llmq's records. The broker runs as a process of its own
 * ({@code llmq broker}, as in {@code bench e2e}); plain Kafka clients in this JVM move the records of llmq's
 * non-streaming jobs through it with llmq's settings ({@link KafkaFloor}): a job record, a result in a transaction
 * with its offsets, a start offset commit per poll, a changelog record per job and per result. The table gives the
 * broker's and the clients' CPU per job, the requests and records per job, to set beside {@code bench e2e}'s run in
 * the same sitting: the difference is llmq's own code (HTTP, JSON, routing, the provider call, the status store's
 * RocksDB, the threads between them).
 */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = "Kafka alone: llmq's records per non-streaming job moved by plain Kafka clients (this JVM) "
                + "through the broker (a process); CPU per job of each, requests and records per job.")
final class KafkaFloorBench implements Callable<Integer> {

    /**
     * The measured run's submission numbers start here (its jobs' at this × jobs per submission); the warm-up's at 0.
     */
    static final long MEASURED_SUBMISSIONS = 1_000_000_000L;
    /** The processes of the table, by name. */
    static final String BROKER = "broker";
    static final String CLIENTS = "Kafka clients (this JVM)";

    @Option(names = "--concurrency", defaultValue = "2048",
            description = "jobs between sending and completion at once (default: ${DEFAULT-VALUE}, as bench e2e's "
                    + "saturation runs)")
    int concurrency;

    @Option(names = "--rate", defaultValue = "0",
            description = "open loop: jobs per second, at most --concurrency open at once (default: closed loop)")
    double rate;

    @Option(names = "--transaction-ms", defaultValue = "0",
            description = "the worker loop begins a results transaction at most this often (default: ${DEFAULT-VALUE}"
                    + ", at once after the last one, with every job polled meanwhile)")
    int transactionMs;

    @Option(names = "--status-changelog", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "whether the status loop writes its changelog records (default: ${DEFAULT-VALUE}; "
                    + "--no-status-changelog measures what they cost)")
    boolean statusChangelog;

    @Option(names = "--jobs-per-submission", defaultValue = "1",
            description = "jobs written per submission (default: ${DEFAULT-VALUE}, a single-job POST; more: that many "
                    + "and their batch's list of ids in one transaction, as an NDJSON submission)")
    int jobsPerSubmission;

    @Option(names = "--worker", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "whether the worker loop answers the jobs (default: ${DEFAULT-VALUE}; --no-worker: a job is "
                    + "complete once written, the ingest's traffic alone)")
    boolean worker;

    @Option(names = "--duration", defaultValue = "60", description = "measured seconds (default: ${DEFAULT-VALUE})")
    int durationSeconds;

    @Option(names = "--warmup", defaultValue = "60",
            description = "seconds of the same load before measuring (default: ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--partitions", defaultValue = "6",
            description = "partitions of each topic (default: ${DEFAULT-VALUE}, llmq.topics.partitions' default)")
    int partitions;

    @Option(names = "--job-bytes", defaultValue = "1024", description = "a job record's value (default: "
            + "${DEFAULT-VALUE})")
    int jobBytes;

    @Option(names = "--result-bytes", defaultValue = "1536",
            description = "a result record's value (default: ${DEFAULT-VALUE}); the status changelog's record of a "
                    + "result holds it and a job's 512-byte snapshot")
    int resultBytes;

    @Override
    public Integer call() throws Exception {
        if (rate < 0 || Double.isNaN(rate) || transactionMs < 0 || concurrency < 1 || durationSeconds < 1
                || warmupSeconds < 0 || partitions < 1 || jobBytes < 1 || resultBytes < 1 || jobsPerSubmission < 1) {
            throw new IllegalArgumentException("--rate must be 0 (closed loop) or more; --concurrency, --duration, "
                    + "--partitions, --job-bytes, --result-bytes and --jobs-per-submission positive; --warmup and "
                    + "--transaction-ms at least 0");
        }
        KafkaFloor.Sizes sizes = new KafkaFloor.Sizes(jobBytes, resultBytes, KafkaFloor.Sizes.DEFAULTS
                .jobSnapshotBytes());
        KafkaFloor.Options options = new KafkaFloor.Options(partitions, sizes, Duration.ofMillis(transactionMs),
                statusChangelog, jobsPerSubmission, worker);
        Measured measured = measure(options, concurrency, rate, warmupSeconds, durationSeconds);
        measured.table().print(System.out);
        return measured.complete() ? 0 : 1;
    }

    /** A measured run of the floor: its table (not printed yet), the jobs it sent and those it completed. */
    record Measured(BenchTable table, long sent, long completed) {

        /** Whether every job sent in the window was completed in it. */
        boolean complete() {
            return sent == completed;
        }
    }

    /**
     * Starts a broker process of its own, moves llmq's records with {@code options} through it for
     * {@code warmupSeconds}, then measures {@code durationSeconds}: closed loop at {@code concurrency}, or open loop
     * at {@code rate} jobs per second with at most {@code concurrency} submissions open. The broker and its data are
     * gone when this returns.
     */
    static Measured measure(KafkaFloor.Options options, int concurrency, double rate, int warmupSeconds,
                            int durationSeconds) throws Exception {
        Path dir = LlmqRoles.workDir("kafka");
        // the broker reads llmq's config for its topics (the floor's own are created by KafkaFloor); nothing calls
        // the deployment
        Path config = LlmqRoles.config(dir, "http://127.0.0.1:9/v1", List.of());
        try (BrokerRole broker = BrokerRole.start(BenchMain.llmqJar(), List.of(), config,
                dir.resolve("kafka"), dir.resolve("broker.log"));
             KafkaFloor floor = KafkaFloor.start(broker.bootstrapServers(), "", options)) {
            if (warmupSeconds > 0) {
                floor.run(concurrency, rate, Duration.ofSeconds(warmupSeconds), Long.MAX_VALUE, 0);
            }
            BenchTable table = new BenchTable("llmq bench kafka").totalCalled("broker and clients");
            table.setting("processes", "broker (java -jar llmq.jar broker); the Kafka clients in this JVM")
                    .setting("load", rate > 0 ? String.format("open loop, %,.0f jobs/s, at most %d submissions open "
                            + "at once", rate, concurrency) : "closed loop, " + concurrency + " submissions at once")
                    .setting("measured", durationSeconds + " s after " + warmupSeconds + " s of warm-up")
                    .setting("per job", perJob(options));
            table.process(BROKER, broker.pid(), true);
            table.process(CLIENTS, ProcessHandle.current().pid(), true);
            BrokerMeters.Span meters = BrokerMeters.begin(broker.pid());
            long before = floor.completed();
            long start = System.nanoTime();
            long sent = floor.run(concurrency, rate, Duration.ofSeconds(durationSeconds), Long.MAX_VALUE,
                    MEASURED_SUBMISSIONS);
            long end = System.nanoTime();
            long done = floor.completed() - before;
            BrokerMeters.Counts during = meters.finish();
            table.cpuWindowEnds(done);
            table.figure(options.worker() ? "completed jobs/s (each sender waits for its jobs' results to be read)"
                    : "written jobs/s (each sender waits for its submission's acknowledgement or commit)",
                    String.format("%,.0f", done / ((end - start) / 1e9)), "")
                    .figure("jobs sent / completed", sent + " / " + done, "")
                    .figure("CPU ms per job, broker and clients", String.format("%.3f",
                            table.llmqCpuSeconds() * 1000 / Math.max(1, done)), "llmq's target: ≤ 0.3 for all");
            BrokerMeters.figures(table, during, done);
            return new Measured(table, sent, done);
        } finally {
            Path data = dir.resolve("kafka");
            if (Files.isDirectory(data)) {
                StatusStoreBench.deleteTree(data);
            }
        }
    }

    /** What the floor writes for each job with {@code options}. */
    static String perJob(KafkaFloor.Options options) {
        KafkaFloor.Sizes sizes = options.sizes();
        int jobsPerSubmission = options.jobsPerSubmission();
        boolean worker = options.worker();
        long transactionMs = options.transactionInterval().toMillis();
        String job = jobsPerSubmission == 1 ? "a job record of " + sizes.jobBytes() + " B (idempotent, acks=all, "
                + "linger 2 ms, each send awaited)" : "submissions of " + jobsPerSubmission + " job records of "
                + sizes.jobBytes() + " B and their batch's list of ids in one transaction (lz4, linger 2 ms, each "
                + "commit awaited)";
        String transactions = transactionMs == 0 ? "one after another" : "at most one every " + transactionMs + " ms";
        String result = worker ? "a result of " + sizes.resultBytes() + " B in the worker loop's transaction with its "
                + "offsets (" + transactions + "), after a start offset commit per poll" : "no worker (a job is "
                + "complete once written)";
        String changelog = !options.statusChangelog() ? "no status changelog (the status loop only reads)"
                : "a status changelog record per job (" + sizes.jobSnapshotBytes() + " B)" + (worker ? " and per "
                + "result (" + (sizes.jobSnapshotBytes() + sizes.resultBytes()) + " B)" : "")
                + (jobsPerSubmission > 1 ? " and per batch list" : "");
        return job + "; " + result + "; " + changelog + "; " + options.partitions() + " partitions per topic";
    }
}
