package dev.llmq.usage;

import dev.llmq.router.Budget;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.Topics;
import dev.llmq.schemas.UsageRecord;
import dev.llmq.usage.internal.BudgetSpend;
import dev.llmq.usage.internal.BudgetWatch;
import dev.llmq.usage.internal.FirstResultPerJob;
import dev.llmq.usage.internal.GroupDeltas;
import dev.llmq.usage.internal.PendingSums;
import dev.llmq.usage.internal.UsageMath;
import dev.llmq.usage.internal.UsageRecordSerde;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The usage aggregator's topology, built by a pure function (TopologyTestDriver tests run it without a broker).
 *
 * <ol>
 *   <li>{@code results.v1} (job id keys, bytes) → {@link FirstResultPerJob}: parse once, skip and count what does not
 *       parse, count each job id once ({@value #DEDUPE_STORE}, kept {@code llmq.usage.dedupe_retention}), timestamp =
 *       {@code completed_at}.</li>
 *   <li>Each counted result → one delta {@link UsageRecord} per group key {@code <group_by>:<key>} (model group,
 *       deployment, provider, tenant, each tag; {@link UsageRecord#NONE} when missing) → summed per group and minute
 *       until the task commits ({@link GroupDeltas}, {@value #DELTAS_STORE}) → repartitioned by group key
 *       ({@value #USAGE_REPARTITION}) → summed exactly into {@code usage-1m}, {@code usage-1h}, {@code usage-1d}
 *       (tumbling windows of {@code TimeWindows.ofSizeAndGrace(size, grace)}) and {@code usage-total}, each written
 *       on to its {@code usage.*.v1} topic. A result later than a window's grace counts in the total only.</li>
 *   <li>Each counted, priced result → one charge per budget it falls under → repartitioned by budget key
 *       ({@value #BUDGET_REPARTITION}) → {@link BudgetWatch} ({@value #BUDGET_STORE}) → {@link BudgetMessage}s on the
 *       control topic.</li>
 * </ol>
 */
public final class UsageTopology {

    public static final String DEDUPE_STORE = "usage-results-seen";
    public static final String BUDGET_STORE = "budget-spend";
    /**
     * The group deltas since the task's last commit, summed per group and minute and repartitioned at its next (its
     * changelog holds only what an earlier version left waiting).
     */
    public static final String DELTAS_STORE = "usage-group-deltas";
    /** Repartition topic of the group deltas: {@code <application id>-usage-by-group-repartition}. */
    public static final String USAGE_REPARTITION = "usage-by-group";
    public static final String BUDGET_REPARTITION = "budget-charges";

    private static final Serde<String> KEYS = Serdes.String();
    /** The usage topics' (and the API's) form, as {@code schemas} defines it. */
    private static final JsonSerde<UsageRecord> USAGE = JsonSerde.usageRecord();
    /** The aggregator's own state: the repartitioned deltas and the stores. */
    private static final UsageRecordSerde STATE = new UsageRecordSerde();

    private UsageTopology() {
    }

    /**
     * The topology over {@code topics}.
     *
     * @param source the instance id written as budget messages' {@code source}
     * @param outcomes told what became of each results record (counted, duplicate, invalid)
     */
    public static Topology topology(TopicNames topics, Duration grace, Duration dedupeRetention,
                                    List<Budget> budgets, String source,
                                    Consumer<ResultOutcome> outcomes) {
        Map<String, Budget> fixed = byKey(budgets);
        return topology(topics, grace, dedupeRetention, () -> fixed, source, outcomes);
    }

    /**
     * The topology over {@code topics}, with the budgets configured at each moment: {@code budgets} gives them by
     * key ({@link #byKey}), a new map after each change (a config reload); the budget branch is built even while
     * there is none, so that budgets added later are counted.
     *
     * @param source the instance id written as budget messages' {@code source}
     * @param outcomes told what became of each results record (counted, duplicate, invalid)
     */
    public static Topology topology(TopicNames topics, Duration grace, Duration dedupeRetention,
                                    Supplier<Map<String, Budget>> budgets, String source,
                                    Consumer<ResultOutcome> outcomes) {
        Objects.requireNonNull(budgets, "budgets");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(dedupeRetention, "dedupeRetention");
        Objects.requireNonNull(outcomes, "outcomes");
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(DEDUPE_STORE, dedupeRetention, dedupeRetention, false),
                KEYS, Serdes.Long()));
        KStream<String, JobResult> counted = builder
                .stream(topics.results(), Consumed.with(KEYS, Serdes.ByteArray()).withName("results"))
                .process(() -> new FirstResultPerJob(DEDUPE_STORE, dedupeRetention.toMillis(), outcomes),
                        Named.as("first-result-per-job"), DEDUPE_STORE);

        builder.addStateStore(PendingSums.builder(DELTAS_STORE));
        KGroupedStream<String, UsageRecord> groups = counted
                .process(() -> new GroupDeltas(DELTAS_STORE), Named.as("result-to-groups"), DELTAS_STORE)
                .repartition(Repartitioned.with(KEYS, STATE).withName(USAGE_REPARTITION))
                .groupByKey(Grouped.with(KEYS, STATE));

        groups.reduce(UsageMath::plus, Materialized.<String, UsageRecord, KeyValueStore<Bytes, byte[]>>as(
                        UsageWindow.TOTAL.storeName()).withKeySerde(KEYS).withValueSerde(STATE))
                .toStream(Named.as("usage-total-updates"))
                .to(topics.name(Topics.USAGE_TOTAL), Produced.with(KEYS, USAGE).withName("usage-total-topic"));

        for (UsageWindow w : UsageWindow.values()) {
            if (!w.windowed()) {
                continue;
            }
            groups.windowedBy(TimeWindows.ofSizeAndGrace(w.size(), grace))
                    .reduce(UsageMath::plus, Named.as(w.storeName() + "-sum"),
                            Materialized.<String, UsageRecord, WindowStore<Bytes, byte[]>>as(w.storeName())
                                    .withKeySerde(KEYS).withValueSerde(STATE).withRetention(w.retention(grace)))
                    .toStream(Named.as(w.storeName() + "-updates"))
                    .map((window, r) -> KeyValue.pair(window.key() + ":" + window.window().start(),
                                    UsageMath.inWindow(r, w.wire(), window.window().startTime(),
                                            window.window().endTime())),
                            Named.as(w.storeName() + "-keys"))
                    .to(topics.name(w.topic()), Produced.with(KEYS, USAGE).withName(w.storeName() + "-topic"));
        }

        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BUDGET_STORE), KEYS,
                new JsonSerde<>(BudgetSpend.class)));
        counted.filter((jobId, r) -> r.costUsd() != null, Named.as("priced-results"))
                .flatMap((jobId, r) -> BudgetWatch.budgetsOf(r, budgets.get()).stream()
                        .map(b -> KeyValue.pair(b.key(), r.costUsd().toPlainString())).toList(),
                        Named.as("result-to-budgets"))
                .repartition(Repartitioned.with(KEYS, KEYS).withName(BUDGET_REPARTITION))
                .process(() -> new BudgetWatch(BUDGET_STORE, budgets, source), Named.as("budget-watch"),
                        BUDGET_STORE)
                .to(topics.control(), Produced.with(KEYS, JsonSerde.budget()).withName("budget-states"));
        return builder.build();
    }

    /** Budgets by key ({@link Budget#key()}), as the topology takes them. */
    public static Map<String, Budget> byKey(List<Budget> budgets) {
        Map<String, Budget> byKey = new LinkedHashMap<>();
        budgets.forEach(b -> byKey.put(b.key(), b));
        return java.util.Collections.unmodifiableMap(byKey);
    }
}
