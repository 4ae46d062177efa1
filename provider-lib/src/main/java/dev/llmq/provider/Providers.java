package dev.llmq.provider;

import dev.llmq.provider.anthropic.AnthropicAdapter;
import dev.llmq.provider.gemini.GeminiAdapter;
import dev.llmq.provider.internal.HttpEngine;
import dev.llmq.provider.openai.CompatibleProvider;
import dev.llmq.provider.openai.OpenAiAdapter;
import dev.llmq.provider.openai.OpenAiCompatibleProviders;
import dev.llmq.provider.pricing.ModelPrice;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.provider.spi.ProviderAdapter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the {@link ProviderClient} that dispatches each call on {@link ProviderTarget#provider()} to its adapter.
 *
 * <pre>{@code
 * ProviderClient client = Providers.client(Providers.defaultHttpClient(), Clock.systemUTC());
 * ProviderModel pm = ProviderModel.parse("openai/gpt-4o-mini");
 * ProviderTarget target = ProviderTarget.builder(pm.provider(), pm.model()).apiKey(key).build();
 * ProviderResponse r = client.complete(target, requestBody);
 * }</pre>
 */
public final class Providers {

    private Providers() {
    }

    /** A client over every built-in adapter. */
    public static ProviderClient client(ProviderHttp http, Clock clock) {
        return client(http, clock, Map.of());
    }

    /** A client over the built-in adapters plus (or replacing) the given ones, keyed by provider name. */
    public static ProviderClient client(ProviderHttp http, Clock clock, Map<String, ProviderAdapter> extra) {
        return client(http, clock, extra, ResponseLimits.DEFAULTS);
    }

    /** A client over every built-in adapter that reads no more of an answer than {@code limits} allow. */
    public static ProviderClient client(ProviderHttp http, Clock clock, ResponseLimits limits) {
        return client(http, clock, Map.of(), limits);
    }

    /** A client over the built-in adapters plus {@code extra}, reading no more of an answer than {@code limits}. */
    public static ProviderClient client(ProviderHttp http, Clock clock, Map<String, ProviderAdapter> extra,
                                        ResponseLimits limits) {
        Map<String, ProviderAdapter> adapters = new LinkedHashMap<>(adapters(clock));
        adapters.putAll(Objects.requireNonNull(extra, "extra"));
        Map<String, ProviderAdapter> frozen = Map.copyOf(adapters);
        return new HttpEngine(http, clock, name -> Optional.ofNullable(frozen.get(name)), limits);
    }

    /**
     * The built-in adapters by provider name ({@code openai} and the compatible servers, {@code azure},
     * {@code anthropic}, {@code gemini}); a new provider protocol is registered here. Anthropic's missing
     * {@code max_tokens} is filled from the bundled price table.
     */
    public static Map<String, ProviderAdapter> adapters(Clock clock) {
        return adapters(clock, PriceTable.bundled());
    }

    /**
     * The built-in adapters, with model limits (Anthropic's required {@code max_tokens} is filled from a model's
     * {@code max_output_tokens}) taken from {@code prices}.
     */
    public static Map<String, ProviderAdapter> adapters(Clock clock, PriceTable prices) {
        Objects.requireNonNull(prices, "prices");
        Map<String, ProviderAdapter> m = new LinkedHashMap<>();
        for (CompatibleProvider p : OpenAiCompatibleProviders.defaults()) {
            m.put(p.name(), OpenAiAdapter.compatible(p, clock));
        }
        m.put("azure", OpenAiAdapter.azure(clock));
        m.put("anthropic", new AnthropicAdapter(clock,
                model -> prices.lookup("anthropic", model).map(ModelPrice::maxOutputTokens)));
        m.put("gemini", new GeminiAdapter(clock));
        return Map.copyOf(m);
    }

    /** A started {@link ProviderHttp}, the HTTP client suited to provider calls (see there). */
    public static ProviderHttp defaultHttpClient() {
        return ProviderHttp.create();
    }
}
