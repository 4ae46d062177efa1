package dev.llmq.usage.internal;

import dev.llmq.router.Budget;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.CloudEventHeaders;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.LlmqHeaders;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sums each budget's spend in its current period and announces its state on the control topic. Input: one record per
 * (priced result, budget it falls under), keyed by the budget's key, the cost as a plain decimal string, timestamped
 * with the result's completion time. Store ({@code budget-spend}): one {@link BudgetSpend} per budget.
 *
 * <p>A charge of a later period than the stored one starts that period at zero, and when the stored period had been
 * exceeded, first announces the lift ({@code exceeded: false}) for the new period. A charge of an earlier period (a
 * late result) no longer counts: that period is over. When the spend reaches the limit, one {@code exceeded: true}
 * message goes out, once per period.
 *
 * <p>The budgets are those configured now ({@code budgets}, which a config reload replaces). A stored state counted
 * against another version of its budget, or of a budget no longer configured, is brought in line: at the task's
 * start (by one wall-clock punctuation, only when some state needs it: an idle task does not punctuate, which would
 * make it commit), at the next charge of the budget, and when a record without a value arrives on its key (a
 * <em>recheck</em>, which the aggregator writes on the charges' topic for each budget a reload changed or removed).
 * A higher limit lifts a reached budget, a lower one reaches it at once, and any change to a reached budget is
 * announced again, since the message carries the limit and what the budget does to jobs. The spend counted so far
 * stays when its period starts within the budget's current one (a {@code 1d} budget made {@code 1mo} keeps today's
 * spend), else the budget starts again at zero. A budget no longer configured has its state deleted and a tombstone
 * written on its key, so readers forget it. A budget added to a running aggregator counts the results completed
 * from then on.
 */
public final class BudgetWatch implements Processor<String, String, String, BudgetMessage> {

    private static final Logger LOG = LoggerFactory.getLogger(BudgetWatch.class);
    /** How soon after the task's start its stored states are brought in line, when some need it. */
    private static final Duration AT_START = Duration.ofMillis(1);

    private final String storeName;
    private final Supplier<Map<String, Budget>> budgets;
    private final String source;
    private ProcessorContext<String, BudgetMessage> context;
    private KeyValueStore<String, BudgetSpend> store;
    private Cancellable atStart;

    /**
     * @param budgets the budgets configured now, by key ({@link Budget#key()}); a new map after each change
     */
    public BudgetWatch(String storeName, Supplier<Map<String, Budget>> budgets, String source) {
        this.storeName = Objects.requireNonNull(storeName, "storeName");
        this.budgets = Objects.requireNonNull(budgets, "budgets");
        this.source = Objects.requireNonNull(source, "source");
    }

    /** The budgets a result falls under: its tenant's, each of its tags', its deployment's. */
    public static List<Budget> budgetsOf(JobResult r, Map<String, Budget> budgets) {
        List<Budget> out = new ArrayList<>(2);
        add(out, budgets, BudgetMessage.SCOPE_TENANT, r.tenant());
        r.tags().stream().distinct().forEach(t -> add(out, budgets, BudgetMessage.SCOPE_TAG, t));
        add(out, budgets, BudgetMessage.SCOPE_DEPLOYMENT, r.deployment());
        return out;
    }

    private static void add(List<Budget> out, Map<String, Budget> budgets, String scope, String subject) {
        if (subject != null) {
            Budget b = budgets.get(BudgetMessage.key(scope, subject));
            if (b != null) {
                out.add(b);
            }
        }
    }

    @Override
    public void init(ProcessorContext<String, BudgetMessage> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        if (!outOfLine(budgets.get()).isEmpty()) {
            atStart = context.schedule(AT_START, PunctuationType.WALL_CLOCK_TIME, this::reconcileAtStart);
        }
    }

    @Override
    public void process(Record<String, String> record) {
        Budget budget = budgets.get().get(record.key());
        if (record.value() == null) {
            BudgetSpend state = store.get(record.key());
            if (state != null && (budget == null || !state.countedFor(budget))) {
                reconcile(record.key(), state, budget, context.currentSystemTimeMs());
            }
            return;
        }
        if (budget == null) {
            return;
        }
        BigDecimal cost = new BigDecimal(record.value());
        Instant periodStart = budget.period().start(Instant.ofEpochMilli(record.timestamp()));
        BudgetSpend before = store.get(record.key());
        if (before != null && !before.countedFor(budget)) {
            before = reconcile(record.key(), before, budget, context.currentSystemTimeMs());
        }
        if (before != null && periodStart.isBefore(before.periodStart())) {
            return;
        }
        BudgetSpend now;
        if (before == null || periodStart.isAfter(before.periodStart())) {
            if (before != null && before.exceeded()) {
                announce(record.timestamp(), budget, periodStart, BigDecimal.ZERO, false);
            }
            now = BudgetSpend.of(budget, periodStart, cost, false);
        } else {
            now = BudgetSpend.of(budget, periodStart, before.spentUsd().add(cost), before.exceeded());
        }
        if (!now.exceeded() && now.spentUsd().compareTo(budget.maxBudgetUsd()) >= 0) {
            now = BudgetSpend.of(budget, periodStart, now.spentUsd(), true);
            announce(record.timestamp(), budget, periodStart, now.spentUsd(), true);
            LOG.info("budget {} reached: USD {} of {} in the period from {}", budget.key(),
                    now.spentUsd().toPlainString(), budget.maxBudgetUsd().toPlainString(), periodStart);
        }
        store.put(record.key(), now);
    }

    /** The stored states counted against another version of their budget, or of one no longer configured. */
    private List<KeyValue<String, BudgetSpend>> outOfLine(Map<String, Budget> current) {
        List<KeyValue<String, BudgetSpend>> out = new ArrayList<>();
        try (KeyValueIterator<String, BudgetSpend> all = store.all()) {
            all.forEachRemaining(state -> {
                Budget budget = current.get(state.key);
                if (budget == null || !state.value.countedFor(budget)) {
                    out.add(state);
                }
            });
        }
        return out;
    }

    /** The punctuation at the task's start: every state out of line brought in line, once. */
    private void reconcileAtStart(long nowMs) {
        atStart.cancel();
        Map<String, Budget> current = budgets.get();
        for (KeyValue<String, BudgetSpend> state : outOfLine(current)) {
            reconcile(state.key, state.value, current.get(state.key), nowMs);
        }
    }

    /**
     * Brings one stored state in line with its budget as configured now ({@code budget}; null when it was removed),
     * announcing what changed; returns the state now stored, or null when it was deleted.
     */
    private BudgetSpend reconcile(String key, BudgetSpend state, Budget budget, long nowMs) {
        if (budget == null) {
            store.delete(key);
            context.forward(new Record<String, BudgetMessage>(key, null, nowMs));
            LOG.info("budget {} is no longer configured: its state is deleted (a tombstone on the control topic)",
                    key);
            return null;
        }
        Instant current = budget.period().start(Instant.ofEpochMilli(nowMs));
        BigDecimal spent = budget.period().start(state.periodStart()).equals(current) ? state.spentUsd()
                : BigDecimal.ZERO;
        boolean exceeded = spent.compareTo(budget.maxBudgetUsd()) >= 0;
        BudgetSpend next = BudgetSpend.of(budget, current, spent, exceeded);
        if (exceeded || state.exceeded()) {
            announce(nowMs, budget, current, spent, exceeded);
        }
        LOG.info("budget {} changed to USD {} per {} ({}): USD {} counted in the period from {}, {}", key,
                budget.maxBudgetUsd().toPlainString(), budget.period().text(), budget.onExceeded(),
                spent.toPlainString(), current, exceeded ? "reached" : "not reached");
        store.put(key, next);
        return next;
    }

    private void announce(long timestamp, Budget budget, Instant periodStart, BigDecimal spent, boolean exceeded) {
        Instant at = Instant.ofEpochMilli(context.currentSystemTimeMs());
        BudgetMessage message = new BudgetMessage(BudgetMessage.SCHEMA_VERSION, BudgetMessage.TYPE, budget.scope(),
                budget.subject(), budget.maxBudgetUsd(), spent, budget.period().text(), periodStart,
                budget.period().end(periodStart), exceeded, budget.onExceeded(), source, at);
        Headers headers = CloudEventHeaders.builder().source("llmq/usage-aggregator/" + source)
                .type(LlmqHeaders.TYPE_CONTROL)
                .id(budget.key() + ":" + periodStart.toEpochMilli() + ":" + exceeded + ":"
                        + budget.maxBudgetUsd().toPlainString())
                .time(at).build();
        headers.add(LlmqHeaders.CONTROL_TYPE, BudgetMessage.TYPE.getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<>(budget.key(), message, timestamp, headers));
    }
}
