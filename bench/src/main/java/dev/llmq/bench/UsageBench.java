package dev.llmq.bench;

import dev.llmq.router.ConfigLoader;
import dev.llmq.router.LlmqSettings;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.Topics;
import dev.llmq.usage.internal.UsageMath;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./llmq bench usage}: the usage aggregator alone. The broker ({@code llmq broker}) and one aggregator
 * ({@code llmq usage-aggregator}) are processes of their own; this JVM writes results to the results topic and reads
 * what the aggregator writes to the totals' topic ({@link UsageWatch}, {@code read_committed}), so no query to the
 * aggregator's API costs it CPU during a measured window. Two phases:
 * <ol>
 *   <li>A, a backlog: {@code --backlog} results written before the aggregator starts, completed over the last
 *       {@code --span} minutes; measured from the aggregator's ready to its total counting them all;</li>
 *   <li>B, live: {@code --rate} results a second for {@code --duration} seconds, each completed as it is sent; a
 *       result's lag is from its planned send (so a late send counts against the lag: coordinated omission corrected)
 *       to the first update of the totals' topic whose count reaches its number in sending order. Phase A warms the
 *       aggregator up for it.</li>
 * </ol>
 * The groups a result counts under (each kept over all tenants and within the result's tenant) come from its tenant,
 * model group, deployment, one provider per phase and two tags, drawn from {@code --tenants}, {@code --models},
 * {@code --deployments} and {@code --tags}: the defaults make 12 group updates per result among 82 groups, and
 * {@code --tenants 1000 --models 20 --deployments 60 --tags 150} about 208,000 groups for 150,000 results.
 * Each phase prints a table with the results a second, the groups, the aggregator's memory, what the broker did per
 * result and the CPU per result of each process; {@code --profile DIR} adds where the broker's and the aggregator's
 * CPU went.
 */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = "The usage aggregator alone (broker and aggregator as processes): a backlog of results counted "
                + "from the aggregator's start, then results at a rate; results/s, lag to the totals' topic, CPU and "
                + "memory per result.")
final class UsageBench implements Callable<Integer> {

    /** How long a phase may take to be counted before the run fails. */
    private static final Duration LIMIT = Duration.ofMinutes(15);
    /** The provider of each phase's results: its total over all tenants counts that phase's results alone. */
    static final String BACKLOG_PROVIDER = "bench-backlog";
    static final String LIVE_PROVIDER = "bench-live";

    @Option(names = "--backlog", defaultValue = "200000",
            description = "phase A: results written before the aggregator starts (default: ${DEFAULT-VALUE})")
    int backlog;

    @Option(names = "--span", defaultValue = "30",
            description = "phase A: the results' completion times spread over this many minutes up to now "
                    + "(default: ${DEFAULT-VALUE})")
    int spanMinutes;

    @Option(names = "--rate", defaultValue = "500", description = "phase B: results sent a second (default: "
            + "${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--duration", defaultValue = "60", description = "phase B: seconds of sending (default: "
            + "${DEFAULT-VALUE})")
    int durationSeconds;

    @Option(names = "--tenants", defaultValue = "5", description = "tenants the results are spread over (default: "
            + "${DEFAULT-VALUE})")
    int tenants;

    @Option(names = "--models", defaultValue = "1", description = "model groups (default: ${DEFAULT-VALUE})")
    int models;

    @Option(names = "--deployments", defaultValue = "3", description = "deployments (default: ${DEFAULT-VALUE})")
    int deployments;

    @Option(names = "--tags", defaultValue = "7", description = "tags two of which each result carries; 0 for none "
            + "(default: ${DEFAULT-VALUE})")
    int tags;

    @Option(names = "--phases", defaultValue = "A,B", split = ",", description = "which phases to run (default: A,B)")
    List<String> phases = new ArrayList<>();

    @Mixin
    RoleOptions roleOptions = new RoleOptions();

    @Mixin
    ProfileOptions profile = new ProfileOptions();

    @Override
    public Integer call() throws Exception {
        if (backlog < 0 || rate < 1 || durationSeconds < 1 || tenants < 1 || models < 1 || deployments < 1
                || tags < 0 || spanMinutes < 1) {
            throw new IllegalArgumentException("--rate, --duration, --span, --tenants, --models and --deployments "
                    + "must be at least 1, --backlog and --tags at least 0");
        }
        Path dir = LlmqRoles.workDir("usage");
        Path jar = BenchMain.llmqJar();
        Path config = LlmqRoles.config(dir, "http://127.0.0.1:9/v1", roleOptions.settings);
        LlmqSettings settings = ConfigLoader.parse(Files.readString(config), Map.of()).llmq();
        TopicNames topics = new TopicNames(settings.topics().prefix());
        List<String> jvm = Args.list(roleOptions.jvmArgs);
        int failed = 0;
        try (BrokerRole broker = BrokerRole.start(jar, jvm, config, dir.resolve("kafka"), dir.resolve("broker.log"));
             KafkaProducer<String, byte[]> producer = producer(broker.bootstrapServers());
             UsageWatch watch = UsageWatch.start(broker.bootstrapServers(), topics.name(Topics.USAGE_TOTAL),
                     total(BACKLOG_PROVIDER), total(LIVE_PROVIDER))) {
            Set<String> backlogGroups = new HashSet<>();
            if (phases.contains("A")) {
                Instant from = Instant.now().minus(Duration.ofMinutes(spanMinutes));
                double step = spanMinutes * 60_000.0 / Math.max(1, backlog);
                for (int i = 0; i < backlog; i++) {
                    JobResult r = result(i, BACKLOG_PROVIDER, from.plusMillis((long) (i * step)));
                    backlogGroups.addAll(UsageMath.groupKeys(r));
                    send(producer, topics, r);
                }
                producer.flush();
            }
            int port = FreePort.find();
            try (RoleProcess aggregator = LlmqRoles.startUsageAggregator(jar, jvm, config, broker.bootstrapServers(),
                    port, "bench-usage-1", dir.resolve("usage-aggregator.log"))) {
                double readyAfter = aggregator.awaitReady(URI.create("http://127.0.0.1:" + port + "/health/ready"),
                        Duration.ofMinutes(2));
                Map<String, Long> pids = Map.of("broker", broker.pid(), "usage-aggregator", aggregator.pid());
                profile.check(pids);
                if (phases.contains("A")) {
                    failed += backlog(broker, aggregator, watch, pids, backlogGroups.size(), readyAfter, settings);
                }
                if (phases.contains("B")) {
                    failed += live(broker, aggregator, watch, producer, topics, pids, settings);
                }
            }
            System.out.println("role logs: " + dir);
        } finally {
            if (Files.isDirectory(dir.resolve("kafka"))) {
                StatusStoreBench.deleteTree(dir.resolve("kafka"));
            }
        }
        return failed == 0 ? 0 : 1;
    }

    private int backlog(BrokerRole broker, RoleProcess aggregator, UsageWatch watch, Map<String, Long> pids,
                        int groups, double readyAfter, LlmqSettings settings) throws Exception {
        BenchTable table = table("A: a backlog of " + backlog + " results, counted from the aggregator's start",
                settings, groups)
                .setting("results", String.format("%,d on the results topic before the aggregator starts, completed "
                        + "over the last %d minutes", backlog, spanMinutes));
        table.process("broker", broker.pid(), true).process("usage-aggregator", aggregator.pid(), true)
                .process("this JVM (reads the totals' topic)", ProcessHandle.current().pid(), false);
        BrokerMeters.Span brokerSpan = BrokerMeters.begin(broker.pid());
        RoleProfiler profiler = profile.start(pids, "A");
        long atReady = watch.count(total(BACKLOG_PROVIDER));
        long t0 = System.nanoTime();
        boolean all = watch.await(total(BACKLOG_PROVIDER), backlog, LIMIT);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (profiler != null) {
            profiler.stop();
        }
        BrokerMeters.Counts during = brokerSpan.finish();
        long counted = watch.count(total(BACKLOG_PROVIDER)) - atReady;
        table.cpuWindowEnds(counted);
        table.figure("results counted a second, from the aggregator's ready to its total counting the last",
                String.format("**%,.0f** (%,d in %.1f s; %,d counted before ready, %.1f s after the process "
                        + "started)%s", counted / seconds, counted, seconds, atReady, readyAfter,
                        all ? "" : "; NOT ALL COUNTED within " + LIMIT), "");
        print(table, aggregator, during, counted, profiler);
        return all ? 0 : 1;
    }

    private int live(BrokerRole broker, RoleProcess aggregator, UsageWatch watch,
                     KafkaProducer<String, byte[]> producer, TopicNames topics, Map<String, Long> pids,
                     LlmqSettings settings) throws Exception {
        int n = Math.multiplyExact(rate, durationSeconds);
        Set<String> groups = new HashSet<>();
        for (int i = 0; i < n; i++) {
            groups.addAll(UsageMath.groupKeys(result(i, LIVE_PROVIDER, Instant.EPOCH)));
        }
        BenchTable table = table("B: " + rate + " results a second for " + durationSeconds + " s", settings,
                groups.size())
                .setting("results", String.format("%,d, completed as they are sent, evenly (open loop)", n));
        table.process("broker", broker.pid(), true).process("usage-aggregator", aggregator.pid(), true)
                .process("this JVM (writes the results, reads the totals' topic)", ProcessHandle.current().pid(),
                        false);
        long[] planned = new long[n];
        long t0 = System.nanoTime() + 10_000_000L;
        for (int i = 0; i < n; i++) {
            planned[i] = t0 + (long) (i * (1e9 / rate));
        }
        watch.timeLags(total(LIVE_PROVIDER), planned);
        BrokerMeters.Span brokerSpan = BrokerMeters.begin(broker.pid());
        RoleProfiler profiler = profile.start(pids, "B");
        long lateSends = 0;
        for (int i = 0; i < n; i++) {
            long wait = planned[i] - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (wait < -1_000_000L) {
                lateSends++;
            }
            send(producer, topics, result(i, LIVE_PROVIDER, Instant.now()));
        }
        producer.flush();
        boolean all = watch.await(total(LIVE_PROVIDER), n, LIMIT);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (profiler != null) {
            profiler.stop();
        }
        BrokerMeters.Counts during = brokerSpan.finish();
        table.cpuWindowEnds(n);
        Histogram lag = watch.lags();
        table.figure("results counted", String.format("%,d of %,d in %.1f s from the first send%s (sent more than "
                                + "1 ms late: %,d)", watch.count(total(LIVE_PROVIDER)), n, seconds,
                        all ? "" : ", NOT ALL within " + LIMIT, lateSends), "")
                .figure("lag, planned send → the totals' topic counts it (read_committed): p50 / p90 / p99 / max",
                        String.format("**%.1f / %.1f / %.1f / %.1f ms**", lag.getValueAtPercentile(50) / 1e3,
                                lag.getValueAtPercentile(90) / 1e3, lag.getValueAtPercentile(99) / 1e3,
                                lag.getMaxValue() / 1e3), "");
        print(table, aggregator, during, n, profiler);
        return all ? 0 : 1;
    }

    /** The phase's last figures (memory, what the broker did per result), the table, and the profiles if taken. */
    private static void print(BenchTable table, RoleProcess aggregator, BrokerMeters.Counts during, long results,
                              RoleProfiler profiler) throws IOException {
        table.figure("aggregator resident memory at the end / at its peak", RoleProcess.mib(aggregator.rssBytes())
                + " / " + RoleProcess.mib(aggregator.peakRssBytes()), "");
        BrokerMeters.figures(table, during, results);
        table.print(System.out);
        if (profiler != null) {
            profiler.print(System.out);
        }
    }

    private BenchTable table(String title, LlmqSettings settings, int groups) {
        return new BenchTable("llmq bench usage, phase " + title).totalCalled("broker and aggregator")
                .setting("processes", "broker and one usage aggregator (java -jar llmq.jar); results written and "
                        + "totals read in this JVM")
                .setting("partitions", settings.topics().partitions())
                .setting("cardinality", String.format("%d tenants, %d model groups, %d deployments, one provider, "
                        + "%s", tenants, models, deployments, tags == 0 ? "no tags" : "2 of " + tags + " tags"))
                .setting("groups a result updates in each store", groupUpdates())
                .setting("distinct groups of the phase's results (per store; a window holds those of its results)",
                        String.format("%,d", groups))
                .setting("Kafka properties (llmq.kafka)", settings.kafka().isEmpty() ? "none" : settings.kafka())
                .setting("JVM options", roleOptions.describeJvmOptions())
                .setting("config keys set (--set)", roleOptions.describeSettings());
    }

    /** Group updates per result (the aggregator's own grouping of one of them). */
    int groupUpdates() {
        return UsageMath.groupKeys(result(0, LIVE_PROVIDER, Instant.EPOCH)).size();
    }

    /** The group key of a provider's total over all tenants. */
    static String total(String provider) {
        return UsageMath.groupKey("provider", null, provider);
    }

    /**
     * Result {@code i} of a phase: succeeded, priced, its dimensions drawn from the pools by a hash of {@code i} (so
     * that no two of them move together), two distinct tags.
     */
    JobResult result(int i, String provider, Instant completedAt) {
        String jobId = provider + "-" + i;
        List<String> resultTags = new ArrayList<>(2);
        if (tags > 0) {
            int first = pick(i, 4, tags);
            resultTags.add("tag-" + first);
            if (tags > 1) {
                int second = pick(i, 5, tags);
                resultTags.add("tag-" + (second == first ? (first + 1) % tags : second));
            }
        }
        String model = "model-" + pick(i, 2, models);
        return new JobResult(JobResult.SCHEMA_VERSION, jobId, null, null, "tenant-" + pick(i, 1, tenants), model,
                JobStatus.SUCCEEDED, Json.mapper().createObjectNode().put("object", "chat.completion"), null,
                new TokenUsage(120, 30, 150, 20, 0, 0), new BigDecimal("0.000123").add(BigDecimal.valueOf(i % 97, 9)),
                null, "deployment-" + pick(i, 3, deployments), provider, model, List.of(), 100L, null, completedAt,
                completedAt, completedAt, resultTags, null, null);
    }

    /** A value in [0, n) for {@code i} and {@code salt}: a 64-bit mix (SplitMix64's finalizer), so pools of sizes with
     * common factors do not move together. */
    static int pick(int i, int salt, int n) {
        long z = (i + 0x9E3779B97F4A7C15L * salt) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (int) Math.floorMod(z ^ (z >>> 31), (long) n);
    }

    private static void send(KafkaProducer<String, byte[]> producer, TopicNames topics, JobResult r) {
        producer.send(new ProducerRecord<>(topics.results(), null, r.completedAt().toEpochMilli(), r.jobId(),
                JsonSerde.jobResult().toBytes(r)));
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p);
    }
}
