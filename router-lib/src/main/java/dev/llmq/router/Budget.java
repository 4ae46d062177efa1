package dev.llmq.router;

import dev.llmq.schemas.BudgetMessage;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * One spend budget from the config: a tenant's or tag's ({@code llmq.budgets}) or a deployment's
 * ({@code litellm_params.max_budget}).
 *
 * @param scope {@link BudgetMessage#SCOPE_TENANT}, {@link BudgetMessage#SCOPE_TAG} or
 *              {@link BudgetMessage#SCOPE_DEPLOYMENT}
 * @param subject the tenant, tag or deployment id
 * @param maxBudgetUsd the limit per period
 * @param onExceeded {@link BudgetMessage#ON_EXCEEDED_WAIT} or {@link BudgetMessage#ON_EXCEEDED_FAIL}
 */
public record Budget(String scope, String subject, BigDecimal maxBudgetUsd, BudgetPeriod period, String onExceeded) {

    public Budget {
        if (!BudgetMessage.SCOPES.contains(scope)) {
            throw new IllegalArgumentException("budget scope must be tenant, tag or deployment, got " + scope);
        }
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("a budget needs a " + scope);
        }
        Objects.requireNonNull(maxBudgetUsd, "max_budget");
        if (maxBudgetUsd.signum() <= 0) {
            throw new IllegalArgumentException("max_budget must be > 0, got " + maxBudgetUsd.toPlainString());
        }
        Objects.requireNonNull(period, "budget_duration");
        onExceeded = onExceeded == null ? BudgetMessage.ON_EXCEEDED_WAIT : onExceeded;
        if (!BudgetMessage.ON_EXCEEDED_WAIT.equals(onExceeded) && !BudgetMessage.ON_EXCEEDED_FAIL.equals(onExceeded)) {
            throw new IllegalArgumentException("on_exceeded must be wait or fail, got " + onExceeded);
        }
    }

    /** The control-topic key of this budget's state ({@link BudgetMessage#key(String, String)}). */
    public String key() {
        return BudgetMessage.key(scope, subject);
    }
}
