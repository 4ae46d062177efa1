package dev.llmq.router;

import java.util.OptionalDouble;

/**
 * The price table behind cost-based routing and pre-call checks: input + output price per token in USD for a
 * deployment's model, and its context window (provider-lib's price table plugs in here). A deployment's own
 * {@code input_cost_per_token} / {@code output_cost_per_token} take precedence.
 */
@FunctionalInterface
public interface PriceLookup {

    PriceLookup NONE = d -> OptionalDouble.empty();

    OptionalDouble costPerToken(Deployment deployment);

    /**
     * The context window the price table gives the deployment's model ({@code max_input_tokens} of its entry, or of
     * its {@code base_model}'s), for the pre-call check of a deployment that sets none; null when unknown.
     */
    default Integer maxInputTokens(Deployment deployment) {
        return null;
    }
}
