package dev.llmq.router;

import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderResponse;
import java.util.List;
import java.util.Objects;

/** How one job's attempts ended. */
public sealed interface RoutedOutcome {

    List<AttemptRecord> attempts();

    record Succeeded(ProviderResponse response, Deployment deployment, List<AttemptRecord> attempts)
            implements RoutedOutcome {
        public Succeeded {
            Objects.requireNonNull(response, "response");
            Objects.requireNonNull(deployment, "deployment");
            attempts = List.copyOf(attempts);
        }
    }

    /**
     * @param lastDeployment the deployment of the last attempt, or null when no attempt was made
     */
    record Failed(ProviderError error, Deployment lastDeployment, List<AttemptRecord> attempts)
            implements RoutedOutcome {
        public Failed {
            Objects.requireNonNull(error, "error");
            attempts = List.copyOf(attempts);
        }
    }
}
