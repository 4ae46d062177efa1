package dev.llmq.usage.internal;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.llmq.router.Budget;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One budget's state in the {@code budget-spend} store: the spend counted in its latest period, whether that
 * period's limit was reached (and announced), and the budget as configured when this state was counted, so that a
 * changed budget is noticed after a reload and after a restart alike.
 *
 * @param maxBudgetUsd the limit this state was counted against; null in states written before llmq kept it
 * @param budgetDuration the period as configured ({@code 1d}, {@code 1mo}...); null likewise
 * @param onExceeded what the budget does to jobs once reached ({@code wait}, {@code fail}); null likewise
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BudgetSpend(Instant periodStart, BigDecimal spentUsd, boolean exceeded, BigDecimal maxBudgetUsd,
                          String budgetDuration, String onExceeded) {
    public BudgetSpend {
        Objects.requireNonNull(periodStart, "periodStart");
        Objects.requireNonNull(spentUsd, "spentUsd");
    }

    /** A state of {@code budget}, counted against it as configured now. */
    static BudgetSpend of(Budget budget, Instant periodStart, BigDecimal spentUsd, boolean exceeded) {
        return new BudgetSpend(periodStart, spentUsd, exceeded, budget.maxBudgetUsd(), budget.period().text(),
                budget.onExceeded());
    }

    /** Whether this state was counted against {@code budget} as it is configured now. */
    boolean countedFor(Budget budget) {
        return maxBudgetUsd != null && maxBudgetUsd.compareTo(budget.maxBudgetUsd()) == 0
                && budget.period().text().equals(budgetDuration) && Objects.equals(budget.onExceeded(), onExceeded);
    }
}
