package dev.llmq.router;

import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderResponse;

/** One provider call on a chosen deployment, supplied by the worker (it calls provider-lib). */
@FunctionalInterface
public interface AttemptCall {

    /**
     * @param attemptNumber 1 for the first attempt of the job, counting across retries and fallbacks
     * @throws ProviderException when the call failed, classified
     */
    ProviderResponse call(Deployment deployment, int attemptNumber) throws ProviderException;
}
