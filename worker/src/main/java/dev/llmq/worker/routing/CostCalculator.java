package dev.llmq.worker.routing;

import dev.llmq.router.Deployment;
import dev.llmq.schemas.TokenUsage;

/** The cost in USD of one answered call, or null when the deployment's price is unknown. */
@FunctionalInterface
public interface CostCalculator {

    CostCalculator UNKNOWN = (deployment, usage) -> null;

    Double cost(Deployment deployment, TokenUsage usage);
}
