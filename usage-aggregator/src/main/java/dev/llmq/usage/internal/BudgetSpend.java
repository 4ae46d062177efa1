package dev.llmq.usage.internal;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One budget's state in the {@code budget-spend} store: the spend counted in its latest period, and whether that
 * period's limit was reached (and announced).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BudgetSpend(Instant periodStart, BigDecimal spentUsd, boolean exceeded) {
    public BudgetSpend {
        Objects.requireNonNull(periodStart, "periodStart");
        Objects.requireNonNull(spentUsd, "spentUsd");
    }
}
