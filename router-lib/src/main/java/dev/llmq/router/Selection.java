package dev.llmq.router;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/** A routing decision: a pure function of the request and deployment snapshots. */
public sealed interface Selection {

    /** @param reason why this one, e.g. {@code weighted shuffle (weight 2 of 5)} */
    record Selected(Deployment deployment, String reason) implements Selection {
        public Selected {
            Objects.requireNonNull(deployment, "deployment");
            Objects.requireNonNull(reason, "reason");
        }
    }

    record NoneAvailable(List<Rejection> rejections) implements Selection {
        public NoneAvailable {
            rejections = List.copyOf(rejections);
        }

        /**
         * The error a job gets when nothing is available. The kind says what a client can do about it:
         * {@link ErrorKind#INVALID_REQUEST} (unknown group, tags that match nothing: the request must change),
         * {@link ErrorKind#CONTEXT_WINDOW_EXCEEDED} (the prompt fits no deployment),
         * {@link ErrorKind#RATE_LIMITED} (only rpm/tpm/parallel/provider limits stand in the way: retry later),
         * {@link ErrorKind#BUDGET_EXCEEDED} (only spend budgets stand in the way: retry after their reset),
         * {@link ErrorKind#OVERLOADED} otherwise (every deployment is cooling down or its breaker is open).
         */
        public ProviderError toError(String modelGroup) {
            ErrorKind kind;
            if (rejections.isEmpty() || rejections.stream().allMatch(r -> r.cause() == Rejection.Cause.UNKNOWN_MODEL_GROUP
                    || r.cause() == Rejection.Cause.TAG_MISMATCH || r.cause() == Rejection.Cause.ZERO_WEIGHT)) {
                kind = ErrorKind.INVALID_REQUEST;
            } else if (rejections.stream().allMatch(r -> r.cause() == Rejection.Cause.CONTEXT_WINDOW)) {
                kind = ErrorKind.CONTEXT_WINDOW_EXCEEDED;
            } else if (rejections.stream().filter(r -> r.cause().clearsByItself()).allMatch(r ->
                    r.cause() == Rejection.Cause.RPM_LIMIT || r.cause() == Rejection.Cause.TPM_LIMIT
                            || r.cause() == Rejection.Cause.PARALLEL_LIMIT
                            || r.cause() == Rejection.Cause.PROVIDER_LIMIT)) {
                kind = ErrorKind.RATE_LIMITED;
            } else if (rejections.stream().filter(r -> r.cause().clearsByItself())
                    .allMatch(r -> r.cause() == Rejection.Cause.BUDGET_EXHAUSTED)) {
                kind = ErrorKind.BUDGET_EXCEEDED;
            } else {
                kind = ErrorKind.OVERLOADED;
            }
            return ProviderError.builder(kind).providerCode("no_healthy_deployment").message(message(modelGroup))
                    .build();
        }

        /** Why nothing of {@code modelGroup} is available, one sentence: the error's message, a wait's reason. */
        public String message(String modelGroup) {
            String why = rejections.isEmpty() ? "no deployments"
                    : rejections.stream().map(Rejection::toString).collect(Collectors.joining("; "));
            return "no healthy deployment for model group '" + modelGroup + "': " + why;
        }
    }
}
