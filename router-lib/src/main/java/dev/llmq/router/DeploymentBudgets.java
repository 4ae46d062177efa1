package dev.llmq.router;

import java.time.Instant;
import java.util.Objects;

/**
 * Which deployments a spend budget stops now. The router asks it next to health on every routing decision and leaves
 * a deployment whose budget is in force out ({@link Rejection.Cause#BUDGET_EXHAUSTED}); a job that finds every
 * deployment of its group (and fallbacks) out waits for the earliest reset like any job without capacity. The worker
 * feeds it from the budget states on the control topic; router-lib knows no Kafka. Implementations are thread-safe
 * and answer without blocking.
 */
@FunctionalInterface
public interface DeploymentBudgets {

    /** No budgets: nothing is ever stopped. */
    DeploymentBudgets NONE = (deploymentId, now) -> null;

    /** The budget that stops {@code deploymentId} at {@code now}, or null when none does. */
    Exhausted exhausted(String deploymentId, Instant now);

    /**
     * A budget in force.
     *
     * @param resetsAt when it lifts by itself (the end of its period)
     * @param description a sentence naming the budget, its spend and its reset, for rejections and errors
     */
    record Exhausted(Instant resetsAt, String description) {
        public Exhausted {
            Objects.requireNonNull(resetsAt, "resetsAt");
            Objects.requireNonNull(description, "description");
        }
    }
}
