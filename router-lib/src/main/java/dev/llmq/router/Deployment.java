package dev.llmq.router;

import dev.llmq.provider.ProviderTarget;
import dev.llmq.config.DeploymentKeys;
import java.util.List;
import java.util.Objects;

/**
 * One deployment of a model group: an entry of {@code model_list}.
 *
 * <p>Optional limits and hints are {@code null} when the config does not set them.
 *
 * @param id stable id: {@code model_info.id}, else derived from the entry's content (survives reloads)
 * @param modelGroup the {@code model_name} clients ask for
 * @param target where and how to call it (timeouts already resolved deployment → group → global)
 * @param weight simple-shuffle weight, or null
 * @param rpm requests-per-minute limit, or null
 * @param tpm tokens-per-minute limit, or null
 * @param order tier, lower first; a deployment without order comes after every ordered tier
 * @param tags routing tags: a job with tags goes to deployments sharing one of them, else to {@code default}-tagged ones
 * @param maxParallelRequests concurrent calls allowed (bulkhead), or null for unbounded
 * @param maxInputTokens context window for the pre-call check, or null
 * @param inputCostPerToken price override in USD, or null to use the price table
 * @param outputCostPerToken price override in USD, or null to use the price table
 * @param mockResponse when set, the worker answers with this text instead of calling the provider
 * @param baseModel {@code model_info.base_model} for price lookups (e.g. an Azure deployment's real model), or null
 */
public record Deployment(String id, String modelGroup, ProviderTarget target, Double weight, Long rpm, Long tpm,
                         Integer order, List<String> tags, Integer maxParallelRequests, Integer maxInputTokens,
                         Double inputCostPerToken, Double outputCostPerToken, String mockResponse, String baseModel) {

    /** The tag that makes a deployment serve jobs whose tags match no other deployment. */
    public static final String DEFAULT_TAG = "default";

    public Deployment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(modelGroup, "modelGroup");
        Objects.requireNonNull(target, "target");
        if (id.isBlank() || modelGroup.isBlank()) {
            throw new IllegalArgumentException("id and modelGroup must not be blank");
        }
        requireNumber("weight", weight);
        requireNumber("input_cost_per_token", inputCostPerToken);
        requireNumber("output_cost_per_token", outputCostPerToken);
        DeploymentKeys.WEIGHT.validate(weight, "weight");
        DeploymentKeys.RPM.validate(rpm, "rpm");
        DeploymentKeys.TPM.validate(tpm, "tpm");
        DeploymentKeys.MAX_PARALLEL_REQUESTS.validate(maxParallelRequests, "max_parallel_requests");
        DeploymentKeys.MAX_INPUT_TOKENS.validate(maxInputTokens, "max_input_tokens");
        DeploymentKeys.INPUT_COST_PER_TOKEN.validate(inputCostPerToken, "input_cost_per_token");
        DeploymentKeys.OUTPUT_COST_PER_TOKEN.validate(outputCostPerToken, "output_cost_per_token");
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    /** A deployment with only the essentials; everything optional unset. */
    public static Deployment of(String id, String modelGroup, ProviderTarget target) {
        return builder(id, modelGroup, target).build();
    }

    /** A builder: the essentials now, each optional limit or hint by name (unset ones stay null). */
    public static Builder builder(String id, String modelGroup, ProviderTarget target) {
        return new Builder(id, modelGroup, target);
    }

    /** Builds a {@link Deployment}; validation happens in {@link #build()}. */
    public static final class Builder {
        private final String id;
        private final String modelGroup;
        private final ProviderTarget target;
        private Double weight;
        private Long rpm;
        private Long tpm;
        private Integer order;
        private List<String> tags = List.of();
        private Integer maxParallelRequests;
        private Integer maxInputTokens;
        private Double inputCostPerToken;
        private Double outputCostPerToken;
        private String mockResponse;
        private String baseModel;

        private Builder(String id, String modelGroup, ProviderTarget target) {
            this.id = id;
            this.modelGroup = modelGroup;
            this.target = target;
        }

        public Builder weight(Double value) {
            this.weight = value;
            return this;
        }

        public Builder rpm(Long value) {
            this.rpm = value;
            return this;
        }

        public Builder tpm(Long value) {
            this.tpm = value;
            return this;
        }

        public Builder order(Integer value) {
            this.order = value;
            return this;
        }

        public Builder tags(List<String> value) {
            this.tags = value;
            return this;
        }

        public Builder maxParallelRequests(Integer value) {
            this.maxParallelRequests = value;
            return this;
        }

        public Builder maxInputTokens(Integer value) {
            this.maxInputTokens = value;
            return this;
        }

        public Builder inputCostPerToken(Double value) {
            this.inputCostPerToken = value;
            return this;
        }

        public Builder outputCostPerToken(Double value) {
            this.outputCostPerToken = value;
            return this;
        }

        public Builder mockResponse(String value) {
            this.mockResponse = value;
            return this;
        }

        public Builder baseModel(String value) {
            this.baseModel = value;
            return this;
        }

        public Deployment build() {
            return new Deployment(id, modelGroup, target, weight, rpm, tpm, order, tags, maxParallelRequests,
                    maxInputTokens, inputCostPerToken, outputCostPerToken, mockResponse, baseModel);
        }
    }

    /** The tier this deployment belongs to; lower tiers are tried first, unordered deployments last. */
    public int tier() {
        return order == null ? Integer.MAX_VALUE : order;
    }

    public String provider() {
        return target.provider();
    }

    public String model() {
        return target.model();
    }

    private static void requireNumber(String name, Double value) {
        if (value != null && (value.isNaN() || value.isInfinite())) {
            throw new IllegalArgumentException(name + " must be a finite number, got " + value);
        }
    }

    /** Never prints the API key. */
    @Override
    public String toString() {
        return "Deployment[" + id + " group=" + modelGroup + " " + target.provider() + "/" + target.model()
                + (target.apiBase() == null ? "" : " @ " + target.apiBase()) + "]";
    }
}
