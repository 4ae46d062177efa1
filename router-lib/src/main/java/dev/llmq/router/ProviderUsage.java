package dev.llmq.router;

import java.util.Objects;

/**
 * The shared limits of a deployment's provider ({@code llmq.providers}) at one instant, as filters see them.
 *
 * @param provider provider name, e.g. {@code anthropic}
 * @param inFlight calls in flight on every deployment of the provider in this process
 * @param maxParallelRequests the provider's cap on calls in flight, or null
 * @param rpmUsed requests started this minute on every deployment of the provider
 * @param rpmLimit effective limit (config × limit share × process fraction), or null
 * @param tpmUsed tokens used this minute on every deployment of the provider
 * @param tpmLimit effective limit (config × limit share × process fraction), or null
 */
public record ProviderUsage(String provider, int inFlight, Integer maxParallelRequests, long rpmUsed, Long rpmLimit,
                            long tpmUsed, Long tpmLimit) {

    public ProviderUsage {
        Objects.requireNonNull(provider, "provider");
    }

    /** Whether a call estimated at {@code tokens} would pass one of the provider's limits now. */
    public boolean blocks(long tokens) {
        return maxParallelRequests != null && inFlight >= maxParallelRequests
                || rpmLimit != null && rpmUsed + 1 > rpmLimit
                || tpmLimit != null && tpmUsed + tokens > tpmLimit;
    }

    /** Which limit blocks a call of {@code tokens}, for a rejection's detail; null when none does. */
    public String describe(long tokens) {
        if (maxParallelRequests != null && inFlight >= maxParallelRequests) {
            return provider + ": " + inFlight + " in flight, max_parallel_requests " + maxParallelRequests;
        }
        if (rpmLimit != null && rpmUsed + 1 > rpmLimit) {
            return provider + ": " + rpmUsed + "/" + rpmLimit + " rpm";
        }
        if (tpmLimit != null && tpmUsed + tokens > tpmLimit) {
            return provider + ": " + tpmUsed + "/" + tpmLimit + " tpm";
        }
        return null;
    }
}
