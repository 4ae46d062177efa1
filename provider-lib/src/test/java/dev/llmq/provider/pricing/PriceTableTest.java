package dev.llmq.provider.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmq.schemas.TokenUsage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
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
    void gpt4oCostUsesInputOutputAndCacheReadPrices() {
        ModelPrice p = bundled.lookup("openai", "gpt-4o").orElseThrow();
        // 1000 prompt (400 cached), 500 completion: 600*2.5e-6 + 400*1.25e-6 + 500*1e-5
        double cost = p.cost(new TokenUsage(1000, 500, 1500, 400, 0));
        assertThat(cost).isCloseTo(600 * 2.5e-6 + 400 * 1.25e-6 + 500 * 1e-5, within(1e-12));
        assertThat(p.maxInputTokens()).isEqualTo(128000L);
        assertThat(p.capabilities()).contains("function_calling");
        assertThat(p.supports("function_calling")).isTrue();
    }

    @Test
    void reasoningTokensUseTheirOwnPriceWhenGiven() {
        ModelPrice p = bundled.lookup("gemini", "gemini-2.5-flash").orElseThrow();
        double cost = p.cost(new TokenUsage(100, 50, 150, 0, 20));
        assertThat(cost).isCloseTo(100 * p.inputCostPerToken() + 30 * p.outputCostPerToken()
                + 20 * p.outputCostPerReasoningToken(), within(1e-12));
    }

    @Test
    void promptsAbove200kUseTheTieredPrices() {
        ModelPrice p = bundled.lookup("anthropic", "claude-sonnet-4-5").orElseThrow();
        assertThat(p.cost(new TokenUsage(200_001, 10, 200_011, 0, 0)))
                .isCloseTo(200_001 * 6e-6 + 10 * 2.25e-5, within(1e-9));
        assertThat(p.cost(new TokenUsage(1000, 10, 1010, 0, 0))).isCloseTo(1000 * 3e-6 + 10 * 1.5e-5, within(1e-12));
    }

    @Test
    void deploymentOverridesReplaceInputAndOutputPrices() {
        ModelPrice p = bundled.lookup("openai", "gpt-4o").orElseThrow().withOverrides(1e-6, null);
        assertThat(p.inputCostPerToken()).isEqualTo(1e-6);
        assertThat(p.outputCostPerToken()).isEqualTo(1e-5);
        assertThat(ModelPrice.of("my-dep", 1e-6, 2e-6).cost(new TokenUsage(10, 10, 20, 0, 0)))
                .isCloseTo(3e-5, within(1e-15));
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
        assertThat(t.get("m1").orElseThrow().inputCostPerToken()).isEqualTo(1e-6);
        assertThat(t.get("m1").orElseThrow()).as("no output price, so not priced")
                .extracting(ModelPrice::outputCostPerToken, ModelPrice::priced).containsExactly(null, false);
        assertThat(t.get("m2").orElseThrow().cost(new TokenUsage(5, 5, 10, 0, 0))).isZero();
    }

    @Test
    void aNewerUserFileWinsOverTheBundledOne(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prices.json");
        Files.writeString(file, """
                {"gpt-4o":{"input_cost_per_token":1e-9,"output_cost_per_token":2e-9,"litellm_provider":"openai"},
                 "brand-new-model":{"input_cost_per_token":3e-6,"output_cost_per_token":4e-6,"litellm_provider":"openai"}}""");
        PriceTable merged = bundled.mergedWith(PriceTable.load(file));
        assertThat(merged.lookup("openai", "gpt-4o").orElseThrow().inputCostPerToken()).isEqualTo(1e-9);
        assertThat(merged.lookup("openai", "brand-new-model")).isPresent();
        assertThat(merged.lookup("openai", "gpt-4o-mini")).isPresent();
        assertThat(merged.size()).isEqualTo(bundled.size() + 1);
    }
}
