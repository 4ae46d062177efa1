package dev.llmq.worker.routing;

import dev.llmq.router.Deployment;
import dev.llmq.schemas.TokenUsage;

/** The cost of one answered call: exact, or unpriced with a reason (never silently 0). */
@FunctionalInterface
public interface CostCalculator {

    /**
     * The cost of a call to {@code deployment} at its real-time prices: every call goes to the provider's real-time
     * endpoint (chat completions), whether its job was submitted alone or in a batch, and is billed as such; the
     * providers' batch prices are for their own batch APIs, which llmq does not call.
     */
    Cost cost(Deployment deployment, TokenUsage usage);
}
