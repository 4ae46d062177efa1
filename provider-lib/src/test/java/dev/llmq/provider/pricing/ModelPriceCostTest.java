package dev.llmq.provider.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.TokenUsage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Every pricing rule of {@link ModelPrice#cost(TokenUsage, boolean)} against an expectation computed by hand from the
 * bundled table's entries, quoted here as the file writes them:
 * <ul>
 *   <li>{@code gpt-4o}: input_cost_per_token 2.5e-06, output_cost_per_token 1e-05, cache_read_input_token_cost
 *       1.25e-06, input_cost_per_token_batches 1.25e-06, output_cost_per_token_batches 5e-06;</li>
 *   <li>{@code claude-sonnet-4-5}: input 3e-06, output 1.5e-05, cache_read_input_token_cost 3e-07,
 *       cache_creation_input_token_cost 3.75e-06, input_cost_per_token_above_200k_tokens 6e-06,
 *       output_cost_per_token_above_200k_tokens 2.25e-05, cache_read_input_token_cost_above_200k_tokens 6e-07,
 *       cache_creation_input_token_cost_above_200k_tokens 7.5e-06, cache_creation_input_token_cost_above_1hr
 *       6e-06, cache_creation_input_token_cost_above_1hr_above_200k_tokens 1.2e-05 (no batch prices);</li>
 *   <li>{@code claude-sonnet-4-20250514}: input 3e-06, output 1.5e-05, cache_creation_input_token_cost 3.75e-06,
 *       cache_creation_input_token_cost_above_1hr 6e-06, input_cost_per_token_above_200k_tokens 6e-06,
 *       output_cost_per_token_above_200k_tokens 2.25e-05, cache_creation_input_token_cost_above_200k_tokens 7.5e-06
 *       (no 1-hour price above 200k);</li>
 *   <li>{@code dashscope/qwen-turbo}: input 5e-08, output 2e-07, output_cost_per_reasoning_token 5e-07;</li>
 *   <li>{@code o3}: input 2e-06, output 8e-06 (no reasoning price);</li>
 *   <li>{@code gpt-5.4}: input 2.5e-06, output 1.5e-05, cache_read_input_token_cost 2.5e-07,
 *       input_cost_per_token_above_272k_tokens 5e-06, output_cost_per_token_above_272k_tokens 2.25e-05,
 *       cache_read_input_token_cost_above_272k_tokens 5e-07 (its tier is 272k);</li>
 *   <li>{@code gemini/gemini-1.5-flash}: input 7.5e-08, input_cost_per_token_above_128k_tokens 1.5e-07;</li>
 *   <li>{@code xai/grok-4-0709}: input 3e-06, output 1.5e-05, input_cost_per_token_above_128k_tokens 6e-06,
 *       output_cost_per_token_above_128k_tokens 3e-05.</li>
 * </ul>
 * Usage is OpenAI's: prompt includes cache reads and writes, completion includes reasoning.
 */
class ModelPriceCostTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // rule                                | entry               | prompt | reads | writes | completion | reasoning | batch | expected
            // 1000 × 0.0000025 + 500 × 0.00001 = 0.0025 + 0.005
            "input and output                      | gpt-4o              |   1000 |     0 |      0 |        500 |         0 | false | 0.0075",
            // 600 × 0.0000025 + 400 × 0.00000125 + 500 × 0.00001 = 0.0015 + 0.0005 + 0.005
            "cache reads at the cache-read price   | gpt-4o              |   1000 |   400 |      0 |        500 |         0 | false | 0.007",
            // 700 × 0.000003 + 100 × 0.0000003 + 200 × 0.00000375 + 100 × 0.000015 = 0.0021 + 0.00003 + 0.00075 + 0.0015
            "cache writes at the cache-write price | claude-sonnet-4-5   |   1000 |   100 |    200 |        100 |         0 | false | 0.00438",
            // no cache_creation_input_token_cost: the 200 writes at input, 1000 × 0.0000025 + 500 × 0.00001
            "cache writes without a price at input | gpt-4o              |   1000 |     0 |    200 |        500 |         0 | false | 0.0075",
            // 1000 × 0.00000005 + 100 × 0.0000002 + 200 × 0.0000005 = 0.00005 + 0.00002 + 0.0001
            "reasoning at the reasoning price      | dashscope/qwen-turbo|   1000 |     0 |      0 |        300 |       200 | false | 0.00017",
            // no reasoning price: all 300 completion tokens at output, 1000 × 0.000002 + 300 × 0.000008 = 0.002 + 0.0024
            "reasoning without a price at output   | o3                  |   1000 |     0 |      0 |        300 |       200 | false | 0.0044",
            // exactly 200,000 is not above: 200000 × 0.000003 + 1000 × 0.000015 = 0.6 + 0.015
            "200,000 prompt tokens: base rates     | claude-sonnet-4-5   | 200000 |     0 |      0 |       1000 |         0 | false | 0.615",
            // 200001 × 0.000006 + 1000 × 0.0000225 = 1.200006 + 0.0225
            "200,001 prompt tokens: above-200k     | claude-sonnet-4-5   | 200001 |     0 |      0 |       1000 |         0 | false | 1.222506",
            // 198001 × 0.000006 + 1000 × 0.0000006 + 1000 × 0.0000075 + 1000 × 0.0000225 = 1.188006 + 0.0006 + 0.0075 + 0.0225
            "above-200k switches cache rates too   | claude-sonnet-4-5   | 200001 |  1000 |   1000 |       1000 |         0 | false | 1.218606",
            // gpt-4o has no above-200k prices: 200001 × 0.0000025
            "above 200k without tier prices        | gpt-4o              | 200001 |     0 |      0 |          0 |         0 | false | 0.5000025",
            // gpt-5.4's tier is 272k: 272000 × 0.0000025 + 1000 × 0.000015 = 0.68 + 0.015
            "272,000 prompt tokens: base rates     | gpt-5.4             | 272000 |     0 |      0 |       1000 |         0 | false | 0.695",
            // 271001 × 0.000005 + 1000 × 0.0000005 + 1000 × 0.0000225 = 1.355005 + 0.0005 + 0.0225
            "272,001 prompt tokens: above-272k     | gpt-5.4             | 272001 |  1000 |      0 |       1000 |         0 | false | 1.378005",
            // gemini-1.5-flash's tier is 128k: 128001 × 0.00000015
            "128,001 prompt tokens: above-128k     | gemini/gemini-1.5-flash | 128001 | 0 |      0 |          0 |         0 | false | 0.01920015",
            // xAI bills the tier from the threshold itself: 128000 × 0.000006 + 1000 × 0.00003 = 0.768 + 0.03
            "xai: 128,000 tokens are the tier      | xai/grok-4-0709     | 128000 |     0 |      0 |       1000 |         0 | false | 0.798",
            // one below: 127999 × 0.000003 + 1000 × 0.000015 = 0.383997 + 0.015
            "xai: 127,999 tokens are not           | xai/grok-4-0709     | 127999 |     0 |      0 |       1000 |         0 | false | 0.398997",
            // _batches rates for input and output, half the cache-read price:
            // 600 × 0.00000125 + 400 × 0.000000625 + 500 × 0.000005 = 0.00075 + 0.00025 + 0.0025
            "batch at the _batches prices          | gpt-4o              |   1000 |   400 |      0 |        500 |         0 | true  | 0.0035",
            // no _batches prices: half of every rate, 700 × 0.0000015 + 100 × 0.00000015 + 200 × 0.000001875
            // + 100 × 0.0000075 = 0.00105 + 0.000015 + 0.000375 + 0.00075 (half of 0.00438)
            "batch without _batches prices: half   | claude-sonnet-4-5   |   1000 |   100 |    200 |        100 |         0 | true  | 0.00219",
            // half of the above-200k rates: 200001 × 0.000003 + 1000 × 0.00001125 = 0.600003 + 0.01125
            "batch above 200k: half the tier       | claude-sonnet-4-5   | 200001 |     0 |      0 |       1000 |         0 | true  | 0.611253",
            // half of every rate, reasoning included: 1000 × 0.000000025 + 100 × 0.0000001 + 200 × 0.00000025
            "batch reasoning: half                 | dashscope/qwen-turbo|   1000 |     0 |      0 |        300 |       200 | true  | 0.000085",
            // reads clamped to the prompt (1000 × 0.00000125), reasoning to the completion (10 × 0.00001, output)
            "counts clamped                        | gpt-4o              |   1000 |  2000 |      0 |         10 |        50 | false | 0.00135",
            "no tokens                             | gpt-4o              |      0 |     0 |      0 |          0 |         0 | false | 0",
    })
    void eachRuleMatchesTheHandComputedCost(String rule, String entry, long prompt, long reads, long writes,
                                            long completion, long reasoning, boolean batch, String expected) {
        ModelPrice price = PriceTable.bundled().get(entry).orElseThrow();
        TokenUsage usage = new TokenUsage(prompt, completion, prompt + completion, reads, reasoning, writes);
        BigDecimal cost = price.cost(usage, batch);
        assertThat(cost).as(rule).isEqualByComparingTo(expected);
        assertThat(cost.toPlainString()).as("exact, no trailing zeros").isEqualTo(expected);
    }

    /** Anthropic's 1-hour cache writes ({@code "ttl": "1h"}), a part of the cache writes, at their own price. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // rule                          | entry                    | prompt | reads | writes |   1h | compl | batch | expected
            // 600 × 0.000003 + 100 × 0.0000003 + 100 × 0.00000375 + 200 × 0.000006 + 100 × 0.000015
            // = 0.0018 + 0.00003 + 0.000375 + 0.0012 + 0.0015 (all 300 writes at 0.00000375 would be 0.004455)
            "1-hour writes at their price    | claude-sonnet-4-5        |   1000 |   100 |    300 |  200 |   100 | false | 0.004905",
            // 700 × 0.000003 + 300 × 0.000006 + 100 × 0.000015 = 0.0021 + 0.0018 + 0.0015
            "only 1-hour writes              | claude-sonnet-4-5        |   1000 |     0 |    300 |  300 |   100 | false | 0.0054",
            // 1-hour writes clamped to the writes: as above
            "1-hour writes clamped           | claude-sonnet-4-5        |   1000 |     0 |    300 |  900 |   100 | false | 0.0054",
            // 198001 × 0.000006 + 1000 × 0.0000006 + 1000 × 0.000012 + 1000 × 0.0000225
            // = 1.188006 + 0.0006 + 0.012 + 0.0225
            "above 200k: tiered 1-hour price | claude-sonnet-4-5        | 200001 |  1000 |   1000 | 1000 |  1000 | false | 1.223106",
            // no tiered 1-hour price: 199001 × 0.000006 + 1000 × 0.000006 + 1000 × 0.0000225
            // = 1.194006 + 0.006 + 0.0225
            "above 200k, no tiered 1h price  | claude-sonnet-4-20250514 | 200001 |     0 |   1000 | 1000 |  1000 | false | 1.222506",
            // half of the first row: 0.004905 / 2
            "batch: half the 1-hour price    | claude-sonnet-4-5        |   1000 |   100 |    300 |  200 |   100 | true  | 0.0024525",
            // gpt-4o has no cache-creation price of either kind: the 200 writes at input,
            // 1000 × 0.0000025 + 500 × 0.00001
            "no write prices at all: input   | gpt-4o                   |   1000 |     0 |    200 |  200 |   500 | false | 0.0075",
    })
    void oneHourCacheWritesMatchTheHandComputedCost(String rule, String entry, long prompt, long reads, long writes,
                                                    long writes1h, long completion, boolean batch, String expected) {
        ModelPrice price = PriceTable.bundled().get(entry).orElseThrow();
        TokenUsage usage = new TokenUsage(prompt, completion, prompt + completion, reads, 0, writes, writes1h);
        BigDecimal cost = price.cost(usage, batch);
        assertThat(cost).as(rule).isEqualByComparingTo(expected);
        assertThat(cost.toPlainString()).as("exact, no trailing zeros").isEqualTo(expected);
    }

    /**
     * Audio tokens at the audio prices: {@code gpt-4o-audio-preview} (input 2.5e-06, output 1e-05,
     * input_cost_per_audio_token 4e-05, output_cost_per_audio_token 8e-05); {@code gpt-4o} has no audio price, so its
     * audio tokens pay the text ones.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // rule                       | entry                | prompt | audio in | completion | audio out | batch | expected
            // 400 × 0.0000025 + 600 × 0.00004 + 100 × 0.00001 + 400 × 0.00008 = 0.001 + 0.024 + 0.001 + 0.032
            "audio at the audio prices    | gpt-4o-audio-preview |   1000 |      600 |        500 |       400 | false | 0.058",
            // half of each: 0.029
            "batch: half the audio prices | gpt-4o-audio-preview |   1000 |      600 |        500 |       400 | true  | 0.029",
            // no audio prices: 1000 × 0.0000025 + 500 × 0.00001
            "no audio price: text prices  | gpt-4o               |   1000 |      600 |        500 |       400 | false | 0.0075",
    })
    void audioTokensMatchTheHandComputedCost(String rule, String entry, long prompt, long audioIn, long completion,
                                             long audioOut, boolean batch, String expected) {
        ModelPrice price = PriceTable.bundled().get(entry).orElseThrow();
        TokenUsage usage = new TokenUsage(prompt, completion, prompt + completion, 0, 0, 0, 0, audioIn, audioOut);
        BigDecimal cost = price.cost(usage, batch);
        assertThat(cost).as(rule).isEqualByComparingTo(expected);
        assertThat(cost.toPlainString()).as("exact, no trailing zeros").isEqualTo(expected);
    }

    @Test
    void aOneHourWriteWithoutItsOwnPriceIsPricedAsAFiveMinuteWrite() throws IOException {
        ModelPrice m = PriceTable.load(new ByteArrayInputStream("""
                {"m":{"input_cost_per_token":1,"cache_creation_input_token_cost":2,"output_cost_per_token":3}}"""
                .getBytes(StandardCharsets.UTF_8))).get("m").orElseThrow();
        // 1 uncached input + 3 writes (2 of them 1-hour), all at 2 + 1 output: 1 + 6 + 3
        assertThat(m.cost(new TokenUsage(4, 1, 5, 0, 0, 3, 2)).toPlainString()).isEqualTo("10");
    }

    @Test
    void tenthsAddUpExactlyWhereDoublesDoNot() throws IOException {
        ModelPrice tenths = PriceTable.load(new ByteArrayInputStream("""
                {"m":{"input_cost_per_token":0.1,"cache_read_input_token_cost":0.1,"output_cost_per_token":0.1}}"""
                .getBytes(StandardCharsets.UTF_8))).get("m").orElseThrow();
        // one uncached input, one cache read and one output token: 0.1 + 0.1 + 0.1
        BigDecimal cost = tenths.cost(new TokenUsage(2, 1, 3, 1, 0));
        assertThat(cost.toPlainString()).isEqualTo("0.3");
        assertThat(0.1 + 0.1 + 0.1).as("what a double sum would have said").isNotEqualTo(0.3);
    }

    @Test
    void aJobNotInABatchIsPricedAtTheNormalRates() {
        ModelPrice gpt4o = PriceTable.bundled().get("gpt-4o").orElseThrow();
        TokenUsage usage = new TokenUsage(1000, 500, 1500, 0, 0);
        assertThat(gpt4o.cost(usage)).isEqualByComparingTo(gpt4o.cost(usage, false)).isEqualByComparingTo("0.0075");
    }

    @Test
    void aDeploymentPriceOverrideAlsoTakesTheBatchDiscountByHalving() {
        // gpt-4o with input overridden to 0.000002: the table's input_cost_per_token_batches no longer applies, so
        // a batch pays half the override; output keeps its _batches price: 1000 × 0.000001 + 500 × 0.000005
        ModelPrice p = PriceTable.bundled().get("gpt-4o").orElseThrow().withOverrides(new BigDecimal("0.000002"), null);
        assertThat(p.cost(new TokenUsage(1000, 500, 1500, 0, 0), true).toPlainString()).isEqualTo("0.0035");
    }
}
