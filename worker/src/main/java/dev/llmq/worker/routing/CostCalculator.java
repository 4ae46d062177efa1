package dev.llmq.worker.routing;

import dev.llmq.router.Deployment;
import dev.llmq.schemas.TokenUsage;

/** The cost of one answered call: exact, or unpriced with a reason (never silently 0). */
@FunctionalInterface
public interface CostCalculator {

    /**
     * @param batch whether the job came in as a batch (a multi-job submission, so it has a batch id); batch jobs are
     *              priced at the provider's batch rates
     */
    Cost cost(Deployment deployment, TokenUsage usage, boolean batch);
}
