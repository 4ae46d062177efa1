package dev.llmq.usage;

import dev.llmq.router.Budget;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.Topics;
import dev.llmq.schemas.UsageRecord;
import dev.llmq.usage.internal.PendingSums;
import dev.llmq.usage.internal.UsageRecordSerde;
import dev.llmq.usage.internal.UsageStreams;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/** {@link UsageTopology} in a TopologyTestDriver: results in, stores, topics and outcome counts out. */
final class UsageDriver implements AutoCloseable {

    static final TopicNames TOPICS = new TopicNames("t");
    /** The driver's wall clock: after every completion time of the tests. */
    static final Instant WALL_CLOCK = Instant.parse("2026-12-01T12:00:00Z");
    /** The driver's commit interval (it commits after every record anyway). */
    static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);

    final Map<ResultOutcome, Long> outcomes = new EnumMap<>(ResultOutcome.class);
    private final TopologyTestDriver driver;
    private final TestInputTopic<String, byte[]> results;
    private final TestInputTopic<String, String> budgetCharges;

    UsageDriver(Path stateDir, Duration grace, List<Budget> budgets) {
        this(stateDir, grace, fixed(budgets));
    }

    private static Supplier<Map<String, Budget>> fixed(List<Budget> budgets) {
        Map<String, Budget> byKey = UsageTopology.byKey(budgets);
        return () -> byKey;
    }

    /** With the budgets {@code budgets} gives at each moment, as a config reload changes them. */
    UsageDriver(Path stateDir, Duration grace, Supplier<Map<String, Budget>> budgets) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, UsageStreams.applicationId(TOPICS));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(COMMIT_INTERVAL.toMillis()));
        props.put(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "DEBUG"); // the tasks' punctuation counts
        driver = new TopologyTestDriver(UsageTopology.topology(TOPICS, grace, Duration.ofDays(7), budgets, "agg-1",
                o -> outcomes.merge(o, 1L, Long::sum)), props, WALL_CLOCK);
        results = driver.createInputTopic(TOPICS.results(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
        budgetCharges = driver.createInputTopic(UsageStreams.budgetChargesTopic(TOPICS),
                Serdes.String().serializer(), Serdes.String().serializer());
    }

    /** A recheck of a budget's state, as the aggregator writes one for each budget a reload changed or removed. */
    void recheck(String budgetKey) {
        budgetCharges.pipeInput(budgetKey, null, WALL_CLOCK);
    }

    /** Sends {@code r}; the driver commits after it, which passes its group sums on to the stores and topics. */
    void send(JobResult r) {
        results.pipeInput(r.jobId(), JsonSerde.jobResult().toBytes(r), r.completedAt());
    }

    void sendRaw(String key, byte[] value, Instant at) {
        results.pipeInput(key, value, at);
    }

    /** The task's waiting group sums, to add to them as if results had arrived between two commits. */
    PendingSums pendingSums() {
        return (PendingSums) driver.getStateStore(UsageTopology.DELTAS_STORE);
    }

    KeyValueStore<String, UsageRecord> total() {
        return driver.getKeyValueStore(UsageWindow.TOTAL.storeName());
    }

    WindowStore<String, UsageRecord> windows(UsageWindow w) {
        return driver.getWindowStore(w.storeName());
    }

    KeyValueStore<String, dev.llmq.usage.internal.BudgetSpend> budgetSpend() {
        return driver.getKeyValueStore(UsageTopology.BUDGET_STORE);
    }

    /**
     * The latest record per key on a usage topic (read since the last call). Only the latest value of each key is
     * parsed: the topics get an update per group per result, millions in the correctness test.
     */
    Map<String, UsageRecord> topic(UsageWindow w) {
        TestOutputTopic<String, byte[]> out = driver.createOutputTopic(TOPICS.name(w.topic()),
                Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
        Map<String, UsageRecord> latest = new HashMap<>();
        out.readKeyValuesToMap().forEach((key, bytes) -> latest.put(key, JsonSerde.usageRecord().fromBytes(bytes)));
        return latest;
    }

    /** Every record of {@code key} on a usage topic, in order (read since the last call of this or {@link #topic}). */
    List<UsageRecord> updates(UsageWindow w, String key) {
        return driver.createOutputTopic(TOPICS.name(w.topic()), Serdes.String().deserializer(),
                        Serdes.ByteArray().deserializer()).readKeyValuesToList().stream()
                .filter(kv -> kv.key.equals(key)).map(kv -> JsonSerde.usageRecord().fromBytes(kv.value)).toList();
    }

    /**
     * The records written to the waiting group sums' changelog (read since the last call), in order: the sum, or null
     * for a deletion.
     */
    List<KeyValue<String, UsageRecord>> pendingSumsChangelog() {
        UsageRecordSerde serde = new UsageRecordSerde();
        return driver.createOutputTopic(UsageStreams.changelogTopic(TOPICS, UsageTopology.DELTAS_STORE),
                        Serdes.String().deserializer(), Serdes.ByteArray().deserializer()).readKeyValuesToList()
                .stream().map(kv -> KeyValue.pair(kv.key, kv.value == null ? null
                        : serde.deserialize("", kv.value)))
                .toList();
    }

    TestOutputTopic<String, BudgetMessage> control() {
        return driver.createOutputTopic(TOPICS.name(Topics.CONTROL), Serdes.String().deserializer(),
                JsonSerde.budget().deserializer());
    }

    /** The punctuations of all tasks so far (a punctuation makes Kafka Streams commit its task). */
    double punctuations() {
        return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("punctuate-total")
                        && e.getKey().group().equals("stream-task-metrics"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }

    void advanceWallClock(Duration d) {
        driver.advanceWallClockTime(d);
    }

    @Override
    public void close() {
        driver.close();
    }
}
