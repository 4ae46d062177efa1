package dev.llmq.provider.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.TokenUsage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PriceTableTest {

    static PriceTable bundled;

    @BeforeAll
    static void load() {
        bundled = PriceTable.bundled();
    }

    static PriceTable table(String json) throws IOException {
        return PriceTable.load(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void bundledTableSkipsTheNonModelKeys() {
        assertThat(bundled.size()).isEqualTo(2983);
        assertThat(bundled.get("sample_spec")).isEmpty();
        assertThat(bundled.get("last_updated")).isEmpty();
    }

    @ParameterizedTest(name = "{0}/{1}")
    @CsvSource(nullValues = "-", value = {
            "openai, gpt-4o, gpt-4o",
            "openai, gpt-4o-mini, gpt-4o-mini",
            "azure, gpt-4o, azure/gpt-4o",
            "anthropic, claude-sonnet-4-5, claude-sonnet-4-5",
            "gemini, gemini-2.5-flash, gemini/gemini-2.5-flash",
            "groq, llama-3.3-70b-versatile, groq/llama-3.3-70b-versatile",
            "hosted_vllm, gpt-4o, -",
            "azure, my-private-deployment, -",
    })
    void lookupTriesProviderPrefixThenBareNameOfTheSameProvider(String provider, String model, String key) {
        assertThat(bundled.lookup(provider, model).map(ModelPrice::key).orElse(null)).isEqualTo(key);
    }

    @Test
    void entriesKeepTheirLimitsCapabilitiesAndEveryPricingRate() {
        ModelPrice p = bundled.lookup("openai", "gpt-4o").orElseThrow();
        assertThat(p.maxInputTokens()).isEqualTo(128000L);
        assertThat(p.capabilities()).contains("function_calling");
        assertThat(p.supports("function_calling")).isTrue();
        // "claude-sonnet-4-5": the bundled entry has every rate llmq applies except reasoning and batches
        ModelPrice claude = bundled.lookup("anthropic", "claude-sonnet-4-5").orElseThrow();
        assertThat(claude.rates()).containsOnlyKeys(Rate.INPUT, Rate.OUTPUT, Rate.CACHE_READ, Rate.CACHE_CREATION,
                Rate.CACHE_CREATION_1H, Rate.INPUT_ABOVE_TIER, Rate.OUTPUT_ABOVE_TIER, Rate.CACHE_READ_ABOVE_TIER,
                Rate.CACHE_CREATION_ABOVE_TIER, Rate.CACHE_CREATION_1H_ABOVE_TIER);
        assertThat(claude.rate(Rate.CACHE_CREATION_1H)).isEqualByComparingTo("0.000006");
        assertThat(claude.rate(Rate.CACHE_CREATION_1H_ABOVE_TIER)).isEqualByComparingTo("0.000012");
        assertThat(p.rate(Rate.INPUT_BATCHES)).isEqualByComparingTo("0.00000125");
        assertThat(bundled.lookup("gemini", "gemini-2.5-flash").orElseThrow().rate(Rate.REASONING))
                .isEqualByComparingTo("0.0000025");
    }

    @Test
    void pricesAreReadAsTheExactDecimalsTheFileWrites() throws IOException {
        PriceTable t = table("""
                {"m":{"input_cost_per_token":1.1e-7,"output_cost_per_token":0.1,"cache_read_input_token_cost":3,
                      "cache_creation_input_token_cost":"2.2E-7",
                      "output_cost_per_reasoning_token":0.1000000000000000000001}}""");
        ModelPrice m = t.get("m").orElseThrow();
        // read through a double, 1.1e-7 would become 1.1000000000000000561...e-7
        assertThat(m.inputCostPerToken()).isEqualByComparingTo("0.00000011");
        assertThat(m.outputCostPerToken()).isEqualByComparingTo("0.1");
        assertThat(m.rate(Rate.CACHE_READ)).isEqualByComparingTo("3");
        assertThat(m.rate(Rate.CACHE_CREATION)).isEqualByComparingTo("0.00000022");
        assertThat(m.rate(Rate.REASONING)).as("more digits than a double holds")
                .isEqualByComparingTo("0.1000000000000000000001");
    }

    @Test
    void deploymentOverridesReplaceInputAndOutputPricesAndTheirTiers() {
        ModelPrice p = bundled.lookup("anthropic", "claude-sonnet-4-5").orElseThrow()
                .withOverrides(new BigDecimal("0.000001"), null);
        assertThat(p.inputCostPerToken()).isEqualByComparingTo("0.000001");
        assertThat(p.rate(Rate.INPUT_ABOVE_TIER)).as("the override is the price, also above 200k").isNull();
        assertThat(p.outputCostPerToken()).isEqualByComparingTo("0.000015");
        assertThat(p.rate(Rate.OUTPUT_ABOVE_TIER)).isEqualByComparingTo("0.0000225");
        assertThat(p.rate(Rate.CACHE_READ)).isEqualByComparingTo("0.0000003");
    }

    @Test
    void toleratesUnknownMissingAndOddFields() throws IOException {
        PriceTable t = table("""
                {"sample_spec":{"input_cost_per_token":0.0},"last_updated":"2026-01-01",
                 "weird":"not an object",
                 "m1":{"input_cost_per_token":"1e-6","future_field":{"x":1},"litellm_provider":"openai"},
                 "m2":{},
                 "bad":{"input_cost_per_token":-1}}""");
        assertThat(t.size()).isEqualTo(2);
        assertThat(t.get("m1").orElseThrow().inputCostPerToken()).isEqualByComparingTo("0.000001");
        assertThat(t.get("m1").orElseThrow()).as("no output price, so not priced")
                .extracting(ModelPrice::outputCostPerToken, ModelPrice::priced).containsExactly(null, false);
        assertThat(t.get("m2").orElseThrow().cost(new TokenUsage(5, 5, 10, 0, 0))).isZero();
        assertThat(t.get("m2").orElseThrow().priced()).isFalse();
    }

    @Test
    void aNewerUserFileWinsOverTheBundledOne(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prices.json");
        Files.writeString(file, """
                {"gpt-4o":{"input_cost_per_token":1e-9,"output_cost_per_token":2e-9,"litellm_provider":"openai"},
                 "brand-new-model":{"input_cost_per_token":3e-6,"output_cost_per_token":4e-6,"litellm_provider":"openai"}}""");
        PriceTable merged = bundled.mergedWith(PriceTable.load(file));
        assertThat(merged.lookup("openai", "gpt-4o").orElseThrow().inputCostPerToken())
                .isEqualByComparingTo("0.000000001");
        assertThat(merged.lookup("openai", "brand-new-model")).isPresent();
        assertThat(merged.lookup("openai", "gpt-4o-mini")).isPresent();
        assertThat(merged.size()).isEqualTo(bundled.size() + 1);
    }
}
