package dev.llmq.usage.internal;

import dev.llmq.router.Budget;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.CloudEventHeaders;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.LlmqHeaders;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
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
 */
public final class BudgetWatch implements Processor<String, String, String, BudgetMessage> {

    private static final Logger LOG = LoggerFactory.getLogger(BudgetWatch.class);

    private final String storeName;
    private final Map<String, Budget> budgets;
    private final String source;
    private ProcessorContext<String, BudgetMessage> context;
    private KeyValueStore<String, BudgetSpend> store;

    public BudgetWatch(String storeName, Map<String, Budget> budgets, String source) {
        this.storeName = Objects.requireNonNull(storeName, "storeName");
        this.budgets = Map.copyOf(budgets);
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
    }

    @Override
    public void process(Record<String, String> record) {
        Budget budget = budgets.get(record.key());
        if (budget == null || record.value() == null) {
            return;
        }
        BigDecimal cost = new BigDecimal(record.value());
        Instant periodStart = budget.period().start(Instant.ofEpochMilli(record.timestamp()));
        BudgetSpend before = store.get(record.key());
        if (before != null && periodStart.isBefore(before.periodStart())) {
            return;
        }
        BudgetSpend now;
        if (before == null || periodStart.isAfter(before.periodStart())) {
            if (before != null && before.exceeded()) {
                announce(record, budget, periodStart, BigDecimal.ZERO, false);
            }
            now = new BudgetSpend(periodStart, cost, false);
        } else {
            now = new BudgetSpend(periodStart, before.spentUsd().add(cost), before.exceeded());
        }
        if (!now.exceeded() && now.spentUsd().compareTo(budget.maxBudgetUsd()) >= 0) {
            now = new BudgetSpend(periodStart, now.spentUsd(), true);
            announce(record, budget, periodStart, now.spentUsd(), true);
            LOG.info("budget {} reached: USD {} of {} in the period from {}", budget.key(),
                    now.spentUsd().toPlainString(), budget.maxBudgetUsd().toPlainString(), periodStart);
        }
        store.put(record.key(), now);
    }

    private void announce(Record<String, String> cause, Budget budget, Instant periodStart, BigDecimal spent,
                          boolean exceeded) {
        Instant at = Instant.ofEpochMilli(context.currentSystemTimeMs());
        BudgetMessage message = new BudgetMessage(BudgetMessage.SCHEMA_VERSION, BudgetMessage.TYPE, budget.scope(),
                budget.subject(), budget.maxBudgetUsd(), spent, budget.period().text(), periodStart,
                budget.period().end(periodStart), exceeded, budget.onExceeded(), source, at);
        Headers headers = CloudEventHeaders.builder().source("llmq/usage-aggregator/" + source)
                .type(LlmqHeaders.TYPE_CONTROL).id(budget.key() + ":" + periodStart.toEpochMilli() + ":" + exceeded)
                .time(at).build();
        headers.add(LlmqHeaders.CONTROL_TYPE, BudgetMessage.TYPE.getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<>(budget.key(), message, cause.timestamp(), headers));
    }
}
