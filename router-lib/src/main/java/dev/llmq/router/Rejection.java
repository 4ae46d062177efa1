package dev.llmq.router;

import java.util.Objects;

/** Why a deployment was not eligible for a job. */
public record Rejection(String deploymentId, Cause cause, String detail) {

    public enum Cause {
        /** The model group has no deployments at all. */
        UNKNOWN_MODEL_GROUP,
        /** The job's tags match none of the deployment's (and it has no {@code default} tag). */
        TAG_MISMATCH,
        /** The prompt exceeds the deployment's {@code max_input_tokens}. */
        CONTEXT_WINDOW,
        /** The deployment is cooling down. */
        COOLED_DOWN,
        /** The deployment's circuit breaker is open. */
        CIRCUIT_OPEN,
        /** This minute's requests reached the deployment's rpm (share). */
        RPM_LIMIT,
        /** This minute's tokens (plus the prompt) would pass the deployment's tpm (share). */
        TPM_LIMIT,
        /** {@code max_parallel_requests} calls are already in flight. */
        PARALLEL_LIMIT,
        /** A limit shared by every deployment of the provider ({@code llmq.providers}) is reached. */
        PROVIDER_LIMIT,
        /** A spend budget of the deployment is exhausted until its period resets ({@link DeploymentBudgets}). */
        BUDGET_EXHAUSTED,
        /** A weight of 0 takes the deployment out of simple-shuffle. */
        ZERO_WEIGHT,
        /** A lower order tier had an eligible deployment. */
        LOWER_TIER_AVAILABLE;

        /** Whether the deployment becomes eligible again by itself (time passes, calls finish). */
        public boolean clearsByItself() {
            return switch (this) {
                case COOLED_DOWN, CIRCUIT_OPEN, RPM_LIMIT, TPM_LIMIT, PARALLEL_LIMIT, PROVIDER_LIMIT, BUDGET_EXHAUSTED -> true;
                case UNKNOWN_MODEL_GROUP, TAG_MISMATCH, CONTEXT_WINDOW, ZERO_WEIGHT, LOWER_TIER_AVAILABLE -> false;
            };
        }
    }

    public Rejection {
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(cause, "cause");
    }

    @Override
    public String toString() {
        return deploymentId + ": " + cause.name().toLowerCase(java.util.Locale.ROOT)
                + (detail == null ? "" : " (" + detail + ")");
    }
}
