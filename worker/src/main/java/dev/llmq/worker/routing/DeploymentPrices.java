package dev.llmq.worker.routing;

import dev.llmq.provider.pricing.ModelPrice;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.Deployment;
import dev.llmq.router.PriceLookup;
import dev.llmq.schemas.TokenUsage;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A deployment's price: its own {@code input_cost_per_token} / {@code output_cost_per_token} over the price table's
 * entry for its model ({@code model_info.base_model} when set). Serves both cost accounting and cost-based routing.
 */
public final class DeploymentPrices implements CostCalculator, PriceLookup {

    private final PriceTable table;

    public DeploymentPrices(PriceTable table) {
        this.table = Objects.requireNonNull(table, "table");
    }

    public Optional<ModelPrice> price(Deployment deployment) {
        String model = deployment.baseModel() != null ? deployment.baseModel() : deployment.model();
        Optional<ModelPrice> listed = table.lookup(deployment.provider(), model);
        if (listed.isPresent()) {
            return listed.map(p -> p.withOverrides(deployment.inputCostPerToken(), deployment.outputCostPerToken()));
        }
        if (deployment.inputCostPerToken() != null && deployment.outputCostPerToken() != null) {
            return Optional.of(ModelPrice.of(deployment.id(), deployment.inputCostPerToken(),
                    deployment.outputCostPerToken()));
        }
        return Optional.empty();
    }

    @Override
    public Double cost(Deployment deployment, TokenUsage usage) {
        return price(deployment).filter(ModelPrice::priced).map(p -> p.cost(usage)).orElse(null);
    }

    @Override
    public OptionalDouble costPerToken(Deployment deployment) {
        return price(deployment).filter(ModelPrice::priced)
                .map(p -> OptionalDouble.of(p.inputCostPerToken() + p.outputCostPerToken()))
                .orElse(OptionalDouble.empty());
    }
}
