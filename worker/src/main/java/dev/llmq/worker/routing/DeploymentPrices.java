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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A deployment's price: its own {@code input_cost_per_token} / {@code output_cost_per_token} (from
 * {@code litellm_params} or {@code model_info}) over the price table's entry for its model
 * ({@code model_info.base_model} when set; one with its own provider prefix, {@code anthropic/claude-sonnet-4-5},
 * under that provider). Serves both cost accounting (exact, {@link ModelPrice#cost}) and cost-based routing (a
 * double, only to rank deployments).
 *
 * <p>Each deployment's price is worked out once and kept, by what it depends on (provider, model, id and the two
 * overrides), so the job path neither looks the table up nor copies the entry per job; the cache holds one entry per
 * distinct deployment configuration seen, so a reloaded config adds at most its changed deployments.
 */
public final class DeploymentPrices implements CostCalculator, PriceLookup {

    private final PriceTable table;
    private final ConcurrentMap<PriceKey, Priced> cache = new ConcurrentHashMap<>();

    public DeploymentPrices(PriceTable table) {
        this.table = Objects.requireNonNull(table, "table");
    }

    public Optional<ModelPrice> price(Deployment deployment) {
        return priced(deployment).price();
    }

    private Priced priced(Deployment deployment) {
        PriceKey key = new PriceKey(deployment.provider(), model(deployment), deployment.id(),
                deployment.inputCostPerToken(), deployment.outputCostPerToken());
        Priced known = cache.get(key);
        return known != null ? known : cache.computeIfAbsent(key, k -> Priced.of(lookUp(deployment)));
    }

    private Optional<ModelPrice> lookUp(Deployment deployment) {
        Optional<ModelPrice> listed = table.lookup(deployment.provider(), model(deployment));
        if (listed.isEmpty() && deployment.baseModel() != null) {
            listed = underItsOwnProvider(deployment.baseModel());
        }
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
    public Cost cost(Deployment deployment, TokenUsage usage) {
        Optional<ModelPrice> price = priced(deployment).usable();
        if (price.isPresent()) {
            return Cost.priced(price.get().cost(usage, false));
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
        return priced(deployment).perToken();
    }

    /** The price table's {@code max_input_tokens} for the deployment's model ({@code base_model} when set). */
    @Override
    public Integer maxInputTokens(Deployment deployment) {
        return priced(deployment).contextWindow();
    }

    /**
     * A {@code base_model} that names its own provider ({@code anthropic/claude-sonnet-4-5} for an OpenAI-compatible
     * deployment that is a LiteLLM proxy in front of Claude) priced as that provider's model: the table keys
     * Anthropic's models without the prefix, and the deployment's own provider does not own them.
     */
    private Optional<ModelPrice> underItsOwnProvider(String baseModel) {
        int slash = baseModel.indexOf('/');
        return slash <= 0 || slash == baseModel.length() - 1 ? Optional.empty()
                : table.lookup(baseModel.substring(0, slash), baseModel.substring(slash + 1));
    }

    private static String model(Deployment deployment) {
        return deployment.baseModel() != null ? deployment.baseModel() : deployment.model();
    }

    /** A configured override as the user wrote it ({@link BigDecimal#valueOf(double)} is the shortest decimal). */
    private static BigDecimal decimal(Double price) {
        return price == null ? null : BigDecimal.valueOf(price);
    }

    /** What a deployment's price depends on. */
    private record PriceKey(String provider, String model, String id, Double in, Double out) {
    }

    /** A deployment's price as worked out once: the entry, the entry when it prices tokens, and its sum per token. */
    private record Priced(Optional<ModelPrice> price, Optional<ModelPrice> usable, OptionalDouble perToken,
                          Integer contextWindow) {

        static Priced of(Optional<ModelPrice> price) {
            Optional<ModelPrice> usable = price.filter(ModelPrice::priced);
            return new Priced(price, usable, usable
                    .map(p -> OptionalDouble.of(p.inputCostPerToken().add(p.outputCostPerToken()).doubleValue()))
                    .orElse(OptionalDouble.empty()), price.map(ModelPrice::maxInputTokens).filter(n -> n > 0)
                    .map(n -> (int) Math.min(Integer.MAX_VALUE, n)).orElse(null));
        }
    }
}
