package dev.llmq.bench;

import dev.llmq.config.LlmqKeys;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --floor} (a picocli mixin of {@code bench e2e} and {@code bench ingest}): after llmq's measured run, Kafka
 * alone in the same sitting ({@link KafkaFloorBench#measure}: a broker of its own, plain Kafka clients) moving the
 * records llmq writes per job, at the rate llmq reached, for as long; then a table of llmq's CPU per job beside the
 * floor's and the split of llmq's CPU into Kafka's work and its own code. Both runs see the same hour of this noisy
 * host, so the split says where that sitting's CPU went; it moves between sittings as the totals do.
 */
final class FloorOptions {

    /** An open loop's most submissions open at once (as {@code bench kafka}'s default concurrency). */
    static final int OPEN_LOOP_CAP = 2048;

    @Option(names = "--floor", description = "after the measured run, Kafka alone (bench kafka: a broker of its own, "
            + "plain Kafka clients) moving llmq's records per job at the rate llmq reached, for as long; then "
            + "llmq's CPU per job beside it and the difference, llmq's own code")
    boolean enabled;

    @Option(names = "--floor-warmup", defaultValue = "60",
            description = "with --floor: the floor's warm-up seconds (default: ${DEFAULT-VALUE})")
    int warmupSeconds;

    /**
     * The floor's run matched to one of llmq's.
     *
     * @param name        what llmq ran (the comparison's title)
     * @param options     the records per job
     * @param rate        jobs per second: the rate llmq reached in its window (or was given)
     * @param concurrency at most this many submissions open at once (llmq's closed loop's, or a cap)
     * @param llmq        llmq's table, its CPU window ended
     */
    record Plan(String name, KafkaFloor.Options options, double rate, int concurrency, BenchTable llmq) {

        Plan {
            if (!(rate > 0) || concurrency < 1 || llmq.jobs() < 0) {
                throw new IllegalArgumentException("the floor needs llmq's rate, a concurrency and llmq's ended "
                        + "CPU window");
            }
        }
    }

    /** A run's CPU per job: the broker's and the rest's (llmq's roles, or the floor's Kafka clients). */
    record Cost(double jobsPerSecond, double brokerMs, double othersMs) {

        double allMs() {
            return brokerMs + othersMs;
        }

        /** From a table whose CPU window ended: the process named {@code broker} apart from the rest. */
        static Cost of(BenchTable table, double jobsPerSecond) {
            double jobs = Math.max(1, table.jobs());
            double broker = table.cpuSeconds(KafkaFloorBench.BROKER);
            return new Cost(jobsPerSecond, broker * 1000 / jobs, (table.llmqCpuSeconds() - broker) * 1000 / jobs);
        }
    }

    /**
     * The records llmq's roles wrote per job, for the floor: jobs of {@code jobBytes}, the default result and snapshot
     * sizes, as many partitions as the roles' topics ({@code settings}: their {@code --set}), a status changelog.
     */
    static KafkaFloor.Options records(List<String> settings, int jobBytes, Duration transactionInterval,
                                      int jobsPerSubmission, boolean worker) {
        return new KafkaFloor.Options(partitions(settings), new KafkaFloor.Sizes(jobBytes,
                KafkaFloor.Sizes.DEFAULTS.resultBytes(), KafkaFloor.Sizes.DEFAULTS.jobSnapshotBytes()),
                transactionInterval, true, jobsPerSubmission, worker);
    }

    /** The topics' partitions the roles were given ({@code --set llmq.topics.partitions=N}, else the default). */
    static int partitions(List<String> settings) {
        String prefix = LlmqKeys.TOPICS_PARTITIONS.name() + "=";
        int partitions = LlmqKeys.TOPICS_PARTITIONS.defaultValue();
        for (String s : settings) {
            if (s.startsWith(prefix)) {
                partitions = Integer.parseInt(s.substring(prefix.length()).trim());
            }
        }
        return partitions;
    }

    /**
     * The floor's results transactions as llmq's were: begun at most every {@code windowSeconds /
     * transactions} (zero when none were counted: one after another).
     */
    static Duration transactionInterval(double transactions, double windowSeconds) {
        return transactions < 1 ? Duration.ZERO : Duration.ofMillis((long) (windowSeconds * 1000 / transactions));
    }

    /**
     * Runs the floor for each plan (llmq's roles stopped by then), printing its table and the comparison; without
     * {@code --floor} nothing. Returns the floor runs that did not complete every job they sent.
     */
    int compare(PrintStream out, List<Plan> plans, int durationSeconds) throws Exception {
        if (!enabled) {
            return 0;
        }
        int incomplete = 0;
        for (Plan plan : plans) {
            KafkaFloorBench.Measured floor = KafkaFloorBench.measure(plan.options(), plan.concurrency(), plan.rate(),
                    warmupSeconds, durationSeconds);
            floor.table().print(out);
            double floorRate = floor.completed() / (double) durationSeconds;
            out.println(comparison(plan.name(), plan.rate(), Cost.of(plan.llmq(), plan.rate()),
                    Cost.of(floor.table(), floorRate)));
            incomplete += floor.complete() ? 0 : 1;
        }
        return incomplete;
    }

    /**
     * The comparison's table (Markdown): each CPU figure per job of llmq, of Kafka alone and their difference; then
     * llmq's split into Kafka's work (its broker, where none of llmq's code runs, and its roles' Kafka clients, taken
     * as Kafka alone's clients at the same rate) and llmq's own code (its roles' CPU less those clients). The brokers
     * are not subtracted: at saturation llmq's backlog fills its requests, so its broker can work less per job than
     * Kafka alone's at the same rate.
     */
    static String comparison(String name, double rate, Cost llmq, Cost kafka) {
        StringBuilder out = new StringBuilder()
                .append("### ").append(name).append(": llmq against Kafka alone, same sitting\n\n")
                .append(String.format("Kafka alone ran at llmq's %,.0f jobs/s (it completed %,.0f/s); CPU ms per job:"
                        + "%n%n", rate, kafka.jobsPerSecond()))
                .append("| CPU ms per job | llmq | Kafka alone | llmq above Kafka |\n|---|---|---|---|\n");
        row(out, "broker", llmq.brokerMs(), kafka.brokerMs());
        row(out, "llmq's roles / Kafka's clients", llmq.othersMs(), kafka.othersMs());
        row(out, "**all**", llmq.allMs(), kafka.allMs());
        double kafkasWork = llmq.brokerMs() + kafka.othersMs();
        double own = llmq.othersMs() - kafka.othersMs();
        return out.append(String.format("%nOf llmq's %.3f CPU-ms per job, Kafka's work is about %.3f (%.0f%%: llmq's "
                + "broker, and its roles' Kafka clients taken as Kafka alone's), llmq's own code about %.3f (%.0f%%: "
                + "its roles less those clients; HTTP, JSON, the status store's RocksDB, the threads between them, on "
                + "a worker the routing and the provider call).%n", llmq.allMs(), kafkasWork,
                100 * kafkasWork / llmq.allMs(), own, 100 * own / llmq.allMs())).toString();
    }

    private static void row(StringBuilder out, String name, double llmq, double kafka) {
        out.append(String.format("| %s | %.3f | %.3f | %+.3f |%n", name, llmq, kafka, llmq - kafka));
    }
}
