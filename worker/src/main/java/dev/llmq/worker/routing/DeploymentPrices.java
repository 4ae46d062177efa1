package dev.llmq.worker.routing;

import dev.llmq.provider.pricing.ModelPrice;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.Deployment;
import dev.llmq.router.PriceLookup;
import dev.llmq.schemas.TokenUsage;
import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A deployment's price: its own {@code input_cost_per_token} / {@code output_cost_per_token} (from
 * {@code litellm_params} or {@code model_info}) over the price table's entry for its model
 * ({@code model_info.base_model} when set). Serves both cost accounting (exact, {@link ModelPrice#cost}) and
 * cost-based routing (a double, only to rank deployments).
 */
public final class DeploymentPrices implements CostCalculator, PriceLookup {

    private final PriceTable table;

    public DeploymentPrices(PriceTable table) {
        this.table = Objects.requireNonNull(table, "table");
    }

    public Optional<ModelPrice> price(Deployment deployment) {
        Optional<ModelPrice> listed = table.lookup(deployment.provider(), model(deployment));
        BigDecimal in = decimal(deployment.inputCostPerToken());
        BigDecimal out = decimal(deployment.outputCostPerToken());
        if (listed.isPresent()) {
            return listed.map(p -> p.withOverrides(in, out));
        }
        if (in != null && out != null) {
            return Optional.of(ModelPrice.of(deployment.id(), in, out));
        }
        return Optional.empty();
    }

    /** The exact cost; a call without tokens costs 0 even when the deployment has no price. */
    @Override
    public Cost cost(Deployment deployment, TokenUsage usage, boolean batch) {
        Optional<ModelPrice> price = price(deployment).filter(ModelPrice::priced);
        if (price.isPresent()) {
            return Cost.priced(price.get().cost(usage, batch));
        }
        if (usage.promptTokens() == 0 && usage.completionTokens() == 0) {
            return Cost.ZERO;
        }
        return Cost.unpriced("no price for " + deployment.provider() + "/" + model(deployment) + " (deployment '"
                + deployment.id() + "'): set input_cost_per_token and output_cost_per_token in its litellm_params or"
                + " model_info, or point llmq.pricing.table at a price table that lists the model");
    }

    @Override
    public OptionalDouble costPerToken(Deployment deployment) {
        return price(deployment).filter(ModelPrice::priced)
                .map(p -> OptionalDouble.of(p.inputCostPerToken().add(p.outputCostPerToken()).doubleValue()))
                .orElse(OptionalDouble.empty());
    }

    private static String model(Deployment deployment) {
        return deployment.baseModel() != null ? deployment.baseModel() : deployment.model();
    }

    /** A configured override as the user wrote it ({@link BigDecimal#valueOf(double)} is the shortest decimal). */
    private static BigDecimal decimal(Double price) {
        return price == null ? null : BigDecimal.valueOf(price);
    }
}
