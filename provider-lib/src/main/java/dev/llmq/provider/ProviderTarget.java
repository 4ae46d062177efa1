package dev.llmq.provider;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where and how to call one deployment. Build one by name:
 *
 * <pre>{@code
 * ProviderTarget target = ProviderTarget.builder("azure", "my-gpt4o-deployment")
 *         .apiBase(URI.create("https://my-resource.openai.azure.com")).apiKey(key).apiVersion("2024-10-21")
 *         .timeout(Duration.ofMinutes(2))
 *         .build();
 * }</pre>
 *
 * Whatever is not set takes its default: the provider's own base URL, no key, no API version,
 * {@link #DEFAULT_TIMEOUT}, {@link #DEFAULT_STREAM_IDLE_TIMEOUT}, {@link #DEFAULT_DROP_PARAMS}, no extra headers.
 *
 * @param provider the adapter: {@code openai}, {@code azure}, {@code anthropic}, {@code gemini}, or an
 *                 OpenAI-compatible provider name ({@code hosted_vllm}, {@code ollama}, {@code groq} ...)
 * @param model the provider's model (or Azure deployment) name, without the provider prefix
 * @param apiBase base URL, or null for the provider's default
 * @param apiKey secret, or null; never logged
 * @param apiVersion the API version ({@code api-version} for Azure, {@code anthropic-version} for Anthropic,
 *                   Gemini's path version), or null for the adapter's default
 * @param timeout whole-call timeout: the response must be complete within it (for a stream: the longest it may run)
 * @param streamIdleTimeout longest gap between stream events (SSE comments do not count)
 * @param dropParams drop unsupported parameters (recorded as adjustments) instead of failing
 * @param extraHeaders headers added to every call
 * @param reasoningModel whether the model is one of OpenAI's reasoning models whatever its name says: LiteLLM's
 *                       {@code azure/o_series/<deployment>}, an Azure deployment named otherwise, given as the model
 *                       {@code o_series/<deployment>}, becomes the deployment {@code <deployment>} with this set, so
 *                       that the deployment's name is what is called and the reasoning models' rules apply to it
 * @param additionalDropParams LiteLLM's {@code additional_drop_params}: request fields taken out before every call
 *                             (top-level names, or paths such as {@code tools[*].input_examples}), each one taken
 *                             recorded as {@code dropped:<path>}; see {@link dev.llmq.provider.spi.ParameterOverrides}
 * @param allowedOpenAiParams LiteLLM's {@code allowed_openai_params}: top-level request parameters sent to the
 *                            provider as they are where the adapter would refuse (or, with {@code dropParams}, drop)
 *                            them
 */
public record ProviderTarget(String provider, String model, URI apiBase, String apiKey, String apiVersion,
                             Duration timeout, Duration streamIdleTimeout, boolean dropParams,
                             Map<String, String> extraHeaders, boolean reasoningModel,
                             List<String> additionalDropParams, Set<String> allowedOpenAiParams) {

    /** LiteLLM's prefix of an Azure deployment that serves a reasoning model ({@code azure/o_series/<name>}). */
    public static final String AZURE_O_SERIES = "o_series/";

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = Duration.ofMinutes(2);
    /** Unsupported parameters fail the call unless a deployment asks for them to be dropped. */
    public static final boolean DEFAULT_DROP_PARAMS = false;

    public ProviderTarget {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        if (provider.isBlank() || model.isBlank()) {
            throw new IllegalArgumentException("provider and model must not be blank");
        }
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        streamIdleTimeout = streamIdleTimeout == null ? DEFAULT_STREAM_IDLE_TIMEOUT : streamIdleTimeout;
        extraHeaders = extraHeaders == null ? Map.of() : Map.copyOf(extraHeaders);
        additionalDropParams = additionalDropParams == null ? List.of() : List.copyOf(additionalDropParams);
        allowedOpenAiParams = allowedOpenAiParams == null ? Set.of() : Set.copyOf(allowedOpenAiParams);
        if (provider.equals("azure") && model.startsWith(AZURE_O_SERIES)) {
            model = model.substring(AZURE_O_SERIES.length());
            reasoningModel = true;
            if (model.isBlank()) {
                throw new IllegalArgumentException("azure model '" + AZURE_O_SERIES + "' names no deployment");
            }
        }
    }

    /** A target for {@code model} at {@code provider}, everything else at its default until set. */
    public static Builder builder(String provider, String model) {
        return new Builder(provider, model);
    }

    /** A builder starting from {@code base}'s values, to change some of them. */
    public static Builder from(ProviderTarget base) {
        return new Builder(base.provider, base.model).apiBase(base.apiBase).apiKey(base.apiKey)
                .apiVersion(base.apiVersion).timeout(base.timeout).streamIdleTimeout(base.streamIdleTimeout)
                .dropParams(base.dropParams).extraHeaders(base.extraHeaders).reasoningModel(base.reasoningModel)
                .additionalDropParams(base.additionalDropParams).allowedOpenAiParams(base.allowedOpenAiParams);
    }

    @Override
    public String toString() {
        return "ProviderTarget[" + provider + "/" + model + " @ " + apiBase + "]";
    }

    /** Builds a {@link ProviderTarget}; a null value means the default. */
    public static final class Builder {

        private final String provider;
        private final String model;
        private URI apiBase;
        private String apiKey;
        private String apiVersion;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration streamIdleTimeout = DEFAULT_STREAM_IDLE_TIMEOUT;
        private boolean dropParams = DEFAULT_DROP_PARAMS;
        private Map<String, String> extraHeaders = Map.of();
        private boolean reasoningModel;
        private List<String> additionalDropParams = List.of();
        private Set<String> allowedOpenAiParams = Set.of();

        private Builder(String provider, String model) {
            this.provider = provider;
            this.model = model;
        }

        public Builder apiBase(URI apiBase) {
            this.apiBase = apiBase;
            return this;
        }

        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        public Builder apiVersion(String apiVersion) {
            this.apiVersion = apiVersion;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder streamIdleTimeout(Duration streamIdleTimeout) {
            this.streamIdleTimeout = streamIdleTimeout;
            return this;
        }

        public Builder dropParams(boolean dropParams) {
            this.dropParams = dropParams;
            return this;
        }

        public Builder extraHeaders(Map<String, String> extraHeaders) {
            this.extraHeaders = extraHeaders;
            return this;
        }

        /** Whether the model is a reasoning model whatever its name says ({@link ProviderTarget#reasoningModel}). */
        public Builder reasoningModel(boolean reasoningModel) {
            this.reasoningModel = reasoningModel;
            return this;
        }

        /** Request fields taken out before every call ({@link ProviderTarget#additionalDropParams}). */
        public Builder additionalDropParams(List<String> additionalDropParams) {
            this.additionalDropParams = additionalDropParams;
            return this;
        }

        /** Parameters sent as they are where the adapter would refuse them (see {@link ProviderTarget}). */
        public Builder allowedOpenAiParams(Set<String> allowedOpenAiParams) {
            this.allowedOpenAiParams = allowedOpenAiParams;
            return this;
        }

        /**
         * @throws NullPointerException when provider or model is null
         * @throws IllegalArgumentException when provider or model is blank
         */
        public ProviderTarget build() {
            return new ProviderTarget(provider, model, apiBase, apiKey, apiVersion, timeout, streamIdleTimeout,
                    dropParams, extraHeaders, reasoningModel, additionalDropParams, allowedOpenAiParams);
        }
    }
}
