package dev.llmq.provider.openai;

import dev.llmq.provider.spi.ParameterSupport;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI-compatible providers llmq knows by LiteLLM prefix: default base URL (null: {@code api_base} required),
 * auth style, and the OpenAI parameters each is documented to reject.
 *
 * <p>Sources: each provider's OpenAI-compatibility page (Groq: console.groq.com/docs/openai lists {@code logprobs},
 * {@code logit_bias}, {@code top_logprobs} as 400 errors and {@code n} must be 1). Unknown parameters pass through,
 * so server-specific extras (vLLM's {@code top_k}, {@code guided_json}) keep working.
 */
public final class OpenAiCompatibleProviders {

    private OpenAiCompatibleProviders() {
    }

    /** The built-in table, {@code openai} first. */
    public static List<CompatibleProvider> defaults() {
        ParameterSupport groq = ParameterSupport.denying("logprobs", "logit_bias", "top_logprobs")
                .denyingValues("n", v -> v.asInt(1) != 1);
        return List.of(
                p("openai", "https://api.openai.com/v1", ParameterSupport.ALL, null, true),
                p("hosted_vllm", null, ParameterSupport.ALL, null, true),
                p("ollama_chat", "http://localhost:11434/v1", ParameterSupport.ALL, "/v1", true),
                p("ollama", "http://localhost:11434/v1", ParameterSupport.ALL, "/v1", true),
                p("lm_studio", "http://localhost:1234/v1", ParameterSupport.ALL, null, true),
                p("groq", "https://api.groq.com/openai/v1", groq, null, true),
                p("deepseek", "https://api.deepseek.com/v1", ParameterSupport.ALL, null, true),
                p("mistral", "https://api.mistral.ai/v1", ParameterSupport.ALL, null, true),
                p("together_ai", "https://api.together.xyz/v1", ParameterSupport.ALL, null, true),
                p("openrouter", "https://openrouter.ai/api/v1", ParameterSupport.ALL, null, true),
                p("fireworks_ai", "https://api.fireworks.ai/inference/v1", ParameterSupport.ALL, null, true),
                p("deepinfra", "https://api.deepinfra.com/v1/openai", ParameterSupport.ALL, null, true),
                p("perplexity", "https://api.perplexity.ai", ParameterSupport.ALL, null, true),
                p("xai", "https://api.x.ai/v1", ParameterSupport.ALL, null, true),
                p("cerebras", "https://api.cerebras.ai/v1", ParameterSupport.ALL, null, true),
                p("nvidia_nim", "https://integrate.api.nvidia.com/v1", ParameterSupport.ALL, null, true),
                p("llamafile", "http://127.0.0.1:8080/v1", ParameterSupport.ALL, null, true),
                p("vllm", null, ParameterSupport.ALL, null, true),
                p("openai_like", null, ParameterSupport.ALL, null, true),
                p("openai_compatible", null, ParameterSupport.ALL, null, true),
                p("custom_openai", null, ParameterSupport.ALL, null, true),
                // a LiteLLM proxy (LiteLLM's own prefix for one): whatever model it fronts, it takes the fields
                // llmq's answers carry back (a Claude tool loop's thinking_blocks), which openai/ leaves out
                p("litellm_proxy", null, ParameterSupport.ALL, null, true),
                // llmq's own mock LLM server (testkit) speaking OpenAI's protocol; api_base names it
                p("mock", null, ParameterSupport.ALL, null, true));
    }

    /** The built-in table by name. */
    public static Map<String, CompatibleProvider> byName() {
        Map<String, CompatibleProvider> m = new LinkedHashMap<>();
        defaults().forEach(p -> m.put(p.name(), p));
        return Map.copyOf(m);
    }

    private static CompatibleProvider p(String name, String base, ParameterSupport params, String suffix,
                                        boolean streamUsage) {
        return new CompatibleProvider(name, base == null ? null : URI.create(base), AuthStyle.BEARER, params, suffix,
                streamUsage);
    }
}
