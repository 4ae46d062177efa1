package dev.llmq.provider.pricing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Model prices keyed as LiteLLM spells them, read from LiteLLM's {@code model_prices_and_context_window.json}
 * (bundled copy: see the README next to it; provenance: LiteLLM's community table, MIT, mirrored 2026-07-24).
 * Skips {@code sample_spec} and {@code last_updated}; tolerates unknown and missing fields, and entries that are not
 * objects. Immutable; load once and share.
 */
public final class PriceTable {

    /** Classpath location of the bundled table. */
    public static final String BUNDLED = "/dev/llmq/provider/pricing/model_prices_and_context_window.json";
    private static final Set<String> NOT_MODELS = Set.of("sample_spec", "last_updated");
    /** An above-tier input price's key; its group the tier ({@code 200k}). Tiers of 0 tokens are no tier. */
    private static final Pattern TIER_KEY = Pattern.compile("input_cost_per_token_above_([1-9][0-9]{0,8}k?)_tokens");
    /** llmq's mapper reading floating-point numbers as {@link BigDecimal}, so a price is the decimal the file has. */
    private static final ObjectMapper EXACT = Json.newMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final Map<String, ModelPrice> byKey;

    private PriceTable(Map<String, ModelPrice> byKey) {
        this.byKey = Map.copyOf(byKey);
    }

    /** The table bundled with llmq, parsed once per process on first use (it is immutable, so it is shared). */
    public static PriceTable bundled() {
        return Bundled.TABLE;
    }

    /** Holder: the bundled table is read on first use only. */
    private static final class Bundled {
        static final PriceTable TABLE = readBundled();
    }

    private static PriceTable readBundled() {
        try (InputStream in = PriceTable.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("bundled price table missing: " + BUNDLED);
            }
            return load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A user-provided table file (e.g. a newer LiteLLM copy). */
    public static PriceTable load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return load(in);
        }
    }

    public static PriceTable load(InputStream in) throws IOException {
        Map<String, ModelPrice> m = new HashMap<>(4096);
        try (JsonParser p = EXACT.getFactory().createParser(in)) {
            p.setCodec(EXACT);
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("price table must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                if (t != JsonToken.START_OBJECT || NOT_MODELS.contains(key)) {
                    p.skipChildren();
                    continue;
                }
                JsonNode entry = p.readValueAsTree();
                try {
                    m.put(key, parse(key, entry));
                } catch (IllegalArgumentException badEntry) {
                    // a malformed entry (negative price) is skipped, not fatal for the whole table
                }
            }
        }
        return new PriceTable(m);
    }

    /** This table with {@code newer}'s entries added, replacing same-named ones. */
    public PriceTable mergedWith(PriceTable newer) {
        Map<String, ModelPrice> m = new HashMap<>(byKey);
        m.putAll(newer.byKey);
        return new PriceTable(m);
    }

    public int size() {
        return byKey.size();
    }

    /** The entry under exactly this key. */
    public Optional<ModelPrice> get(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    /**
     * The price of a provider's model: {@code provider/model} first, then {@code model} alone when that entry belongs
     * to the same provider (so a self-hosted {@code hosted_vllm/gpt-4o} is not priced as OpenAI's).
     */
    public Optional<ModelPrice> lookup(String provider, String model) {
        if (provider != null) {
            ModelPrice prefixed = byKey.get(provider + "/" + model);
            if (prefixed != null) {
                return Optional.of(prefixed);
            }
        }
        ModelPrice bare = byKey.get(model);
        if (bare == null) {
            return Optional.empty();
        }
        if (provider == null || bare.provider() == null || sameProvider(provider, bare.provider())) {
            return Optional.of(bare);
        }
        return Optional.empty();
    }

    private static boolean sameProvider(String asked, String entry) {
        String a = asked.toLowerCase(Locale.ROOT);
        String e = entry.toLowerCase(Locale.ROOT);
        return a.equals(e) || "openai".equals(a) && e.equals("text-completion-openai");
    }

    static ModelPrice parse(String key, JsonNode e) {
        Set<String> caps = new TreeSet<>();
        e.properties().forEach(f -> {
            if (f.getKey().startsWith("supports_") && f.getValue().isBoolean() && f.getValue().asBoolean()) {
                caps.add(f.getKey().substring("supports_".length()));
            }
        });
        String tier = tier(e);
        Map<Rate, BigDecimal> rates = new EnumMap<>(Rate.class);
        for (Rate rate : Rate.values()) {
            BigDecimal price = decimal(e, rate.key(tier));
            if (price != null) {
                rates.put(rate, price);
            }
        }
        return new ModelPrice(key, text(e, "litellm_provider"), text(e, "mode"), lng(e, "max_input_tokens"),
                lng(e, "max_output_tokens"), rates, caps, tierTokens(tier));
    }

    /**
     * The entry's token tier as its keys spell it ({@code 200k}, {@code 272k}, {@code 128k}): the one of its
     * {@code input_cost_per_token_above_<tier>_tokens} price, as LiteLLM ({@code _get_token_base_cost}) decides
     * the tier by that key alone; {@code 200k} when it has none. An entry with several (none in the bundled table)
     * gets its lowest.
     */
    private static String tier(JsonNode e) {
        String tier = null;
        for (var f : e.properties()) {
            Matcher m = TIER_KEY.matcher(f.getKey());
            if (m.matches() && decimal(e, f.getKey()) != null
                    && (tier == null || tierTokens(m.group(1)) < tierTokens(tier))) {
                tier = m.group(1);
            }
        }
        return tier == null ? "200k" : tier;
    }

    private static long tierTokens(String tier) {
        return tier.endsWith("k") ? Long.parseLong(tier.substring(0, tier.length() - 1)) * 1000 : Long.parseLong(tier);
    }

    private static String text(JsonNode e, String f) {
        JsonNode v = e.get(f);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /**
     * A price exactly as the file writes it: numbers are read as decimals ({@link #EXACT}), never through a binary
     * float, and a price written as a string ({@code "1e-6"}) is read the same way; anything else is "not given".
     */
    private static BigDecimal decimal(JsonNode e, String f) {
        JsonNode v = e.get(f);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isNumber()) {
            return v.decimalValue();
        }
        if (v.isTextual()) {
            try {
                return new BigDecimal(v.asText().strip());
            } catch (NumberFormatException notANumber) {
                return null;
            }
        }
        return null;
    }

    private static Long lng(JsonNode e, String f) {
        JsonNode v = e.get(f);
        return v != null && v.isNumber() ? v.asLong() : null;
    }
}
