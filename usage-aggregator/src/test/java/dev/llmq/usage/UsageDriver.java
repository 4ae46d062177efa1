package dev.llmq.usage;

import dev.llmq.router.Budget;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.Topics;
import dev.llmq.schemas.UsageRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import dev.llmq.usage.internal.UsageRecordSerde;
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
    /** The driver's Kafka Streams application id (the prefix of its internal topics). */
    static final String APPLICATION_ID = "usage-test";
    /** The driver's wall clock: after every completion time of the tests. */
    static final Instant WALL_CLOCK = Instant.parse("2026-12-01T12:00:00Z");
    /** The driver's commit interval: how often the summed group deltas are passed on (wall clock). */
    static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);

    final Map<ResultOutcome, Long> outcomes = new EnumMap<>(ResultOutcome.class);
    private final TopologyTestDriver driver;
    private final TestInputTopic<String, byte[]> results;

    UsageDriver(Path stateDir, Duration grace, List<Budget> budgets) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(COMMIT_INTERVAL.toMillis()));
        driver = new TopologyTestDriver(UsageTopology.topology(TOPICS, grace, Duration.ofDays(7), budgets, "agg-1",
                o -> outcomes.merge(o, 1L, Long::sum)), props, WALL_CLOCK);
        results = driver.createInputTopic(TOPICS.results(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
    }

    /** Sends {@code r}, then lets one commit interval pass (its group deltas reach the stores and topics). */
    void send(JobResult r) {
        sendInInterval(r);
        endInterval();
    }

    /** Sends {@code r} within the current commit interval: its group deltas wait for {@link #endInterval}. */
    void sendInInterval(JobResult r) {
        results.pipeInput(r.jobId(), JsonSerde.jobResult().toBytes(r), r.completedAt());
    }

    /** Lets one commit interval pass on the wall clock: the group deltas summed in it are passed on. */
    void endInterval() {
        driver.advanceWallClockTime(COMMIT_INTERVAL);
    }

    void sendRaw(String key, byte[] value, Instant at) {
        results.pipeInput(key, value, at);
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
     * The records written to the waiting group sums' changelog (read since the last call), in order: the sum (its
     * timestamp is the record's), or null for a deletion.
     */
    List<KeyValue<String, UsageRecord>> pendingSumsChangelog() {
        UsageRecordSerde serde = new UsageRecordSerde();
        return driver.createOutputTopic(APPLICATION_ID + "-" + UsageTopology.DELTAS_STORE + "-changelog",
                        Serdes.String().deserializer(), Serdes.ByteArray().deserializer()).readKeyValuesToList()
                .stream().map(kv -> KeyValue.pair(kv.key, kv.value == null ? null
                        : serde.deserialize("", kv.value)))
                .toList();
    }

    TestOutputTopic<String, BudgetMessage> control() {
        return driver.createOutputTopic(TOPICS.name(Topics.CONTROL), Serdes.String().deserializer(),
                JsonSerde.budget().deserializer());
    }

    void advanceWallClock(Duration d) {
        driver.advanceWallClockTime(d);
    }

    @Override
    public void close() {
        driver.close();
    }
}
