package dev.llmq.router;

import java.time.Instant;
import java.util.Objects;

/**
 * A deployment's state at one instant, as strategies and filters see it.
 *
 * @param cooledUntil end of the current cooldown, or null
 * @param circuitOpen the breaker rejects calls now
 * @param inFlight calls in flight from this process
 * @param rpmUsed requests started this minute (this process, plus shared usage when the worker feeds it)
 * @param tpmUsed tokens used this minute
 * @param rpmLimit effective limit (config × limit share), or null
 * @param tpmLimit effective limit (config × limit share), or null
 * @param latencyPerToken average seconds per output token over the rolling window, or NaN without samples
 * @param timeToFirstToken average seconds to first token of streams, or NaN without samples
 * @param costPerToken input + output price per token in USD, or NaN when unknown
 * @param provider usage of the limits shared by the deployment's provider ({@code llmq.providers}), or null when
 *                 the provider has none
 * @param contextWindow the prompt tokens the deployment takes, for the pre-call check: its {@code max_input_tokens},
 *                      else the price table's for its model or {@code base_model} ({@link PriceLookup}), as LiteLLM
 *                      checks; null when neither says
 */
public record DeploymentSnapshot(Deployment deployment, Instant cooledUntil, boolean circuitOpen, int inFlight,
                                 long rpmUsed, long tpmUsed, Long rpmLimit, Long tpmLimit, double latencyPerToken,
                                 double timeToFirstToken, double costPerToken, ProviderUsage provider,
                                 Integer contextWindow) {

    public DeploymentSnapshot {
        Objects.requireNonNull(deployment, "deployment");
    }

    /** A snapshot whose context window is the deployment's own {@code max_input_tokens}. */
    public DeploymentSnapshot(Deployment deployment, Instant cooledUntil, boolean circuitOpen, int inFlight,
                              long rpmUsed, long tpmUsed, Long rpmLimit, Long tpmLimit, double latencyPerToken,
                              double timeToFirstToken, double costPerToken, ProviderUsage provider) {
        this(deployment, cooledUntil, circuitOpen, inFlight, rpmUsed, tpmUsed, rpmLimit, tpmLimit, latencyPerToken,
                timeToFirstToken, costPerToken, provider, deployment.maxInputTokens());
    }

    /** A snapshot of a deployment whose provider has no shared limits. */
    public DeploymentSnapshot(Deployment deployment, Instant cooledUntil, boolean circuitOpen, int inFlight,
                              long rpmUsed, long tpmUsed, Long rpmLimit, Long tpmLimit, double latencyPerToken,
                              double timeToFirstToken, double costPerToken) {
        this(deployment, cooledUntil, circuitOpen, inFlight, rpmUsed, tpmUsed, rpmLimit, tpmLimit, latencyPerToken,
                timeToFirstToken, costPerToken, null);
    }

    /** A snapshot of an idle, healthy deployment with its configured limits and no samples. */
    public static DeploymentSnapshot idle(Deployment d) {
        return new DeploymentSnapshot(d, null, false, 0, 0, 0, d.rpm(), d.tpm(), Double.NaN, Double.NaN, Double.NaN);
    }

    public String id() {
        return deployment.id();
    }

    public boolean parallelLimitReached() {
        Integer max = deployment.maxParallelRequests();
        return max != null && inFlight >= max;
    }

    /** The latency the latency-based strategy compares: time to first token for streams, else per output token. */
    public double latencyFor(boolean stream) {
        return stream && !Double.isNaN(timeToFirstToken) ? timeToFirstToken : latencyPerToken;
    }
}
