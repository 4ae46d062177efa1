package dev.llmq.router;

import java.util.OptionalDouble;

/**
 * The price table behind cost-based routing: input + output price per token in USD for a deployment's model
 * (provider-lib's price table plugs in here). A deployment's own {@code input_cost_per_token} /
 * {@code output_cost_per_token} take precedence.
 */
@FunctionalInterface
public interface PriceLookup {

    PriceLookup NONE = d -> OptionalDouble.empty();

    OptionalDouble costPerToken(Deployment deployment);
}
