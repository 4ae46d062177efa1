package dev.llmq.worker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.provider.anthropic.AnthropicWire;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.provider.spi.Usages;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.Deployment;
import dev.llmq.router.LlmqConfig;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TokenUsage;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A deployment's cost from its config as LiteLLM spells it: overrides ({@code input_cost_per_token},
 * {@code output_cost_per_token} in {@code litellm_params} or {@code model_info}) over the bundled table, and the
 * reason instead of a cost when neither prices the model. Expectations are computed by hand; the bundled
 * {@code gpt-4o} entry is input_cost_per_token 2.5e-06, output_cost_per_token 1e-05, cache_read_input_token_cost
 * 1.25e-06.
 */
class DeploymentPricesTest {

    private static final String YAML = """
            model_list:
              - model_name: g
                litellm_params: { model: openai/gpt-4o, api_key: k }
                model_info: { id: table }
              - model_name: g
                litellm_params: { model: openai/gpt-4o, api_key: k, input_cost_per_token: 0.000001,
                                  output_cost_per_token: 0.000003 }
                model_info: { id: params }
              - model_name: g
                litellm_params: { model: openai/gpt-4o, api_key: k }
                model_info: { id: info, input_cost_per_token: 0.0000007 }
              - model_name: g
                litellm_params: { model: openai/my-finetune, api_key: k, input_cost_per_token: 0.1,
                                  output_cost_per_token: 0.2 }
                model_info: { id: unknown-overridden }
              - model_name: g
                litellm_params: { model: openai/my-finetune, api_key: k }
                model_info: { id: unknown }
              - model_name: g
                litellm_params: { model: openai/my-finetune, api_key: k, input_cost_per_token: 0.000001 }
                model_info: { id: unknown-input-only }
              - model_name: g
                litellm_params: { model: azure/prod-gpt4o, api_base: "https://x.openai.azure.com", api_key: k }
                model_info: { id: azure-base, base_model: azure/gpt-4o }
              - model_name: c
                litellm_params: { model: anthropic/claude-sonnet-4-5, api_key: k }
                model_info: { id: claude }
              - model_name: c
                litellm_params: { model: openai/claude-sonnet-4-5, api_base: "http://litellm:4000/v1", api_key: k }
                model_info: { id: claude-via-litellm, base_model: anthropic/claude-sonnet-4-5 }
            """;
    private static final LlmqConfig CONFIG = ConfigLoader.parse(YAML, Map.of());
    private final DeploymentPrices prices = new DeploymentPrices(PriceTable.bundled());

    private static Deployment deployment(String id) {
        return CONFIG.deployments().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // deployment      | prompt | cached | completion | reasoning | expected
            // the table: 600 × 0.0000025 + 400 × 0.00000125 + 500 × 0.00001 = 0.0015 + 0.0005 + 0.005
            "table             |   1000 |    400 |        500 |         0 | 0.007",
            // litellm_params override both; the table's cache read stays: 600 × 0.000001 + 400 × 0.00000125
            // + 500 × 0.000003 = 0.0006 + 0.0005 + 0.0015
            "params            |   1000 |    400 |        500 |         0 | 0.0026",
            // model_info overrides input only: 1000 × 0.0000007 + 500 × 0.00001 = 0.0007 + 0.005
            "info              |   1000 |      0 |        500 |         0 | 0.0057",
            // not in the table, priced by its two overrides: 1 × 0.1 + 1 × 0.2, exact (a double sum: 0.30000000000000004)
            "unknown-overridden|      1 |      0 |          1 |         0 | 0.3",
            // base_model azure/gpt-4o's entry prices the Azure deployment: azure/gpt-4o is input 2.5e-06, output 1e-05
            "azure-base        |   1000 |      0 |        500 |         0 | 0.0075",
    })
    void overridesWinOverTheTable(String id, long prompt, long cached, long completion, long reasoning,
                                  String expected) {
        Cost cost = prices.cost(deployment(id), new TokenUsage(prompt, completion, prompt + completion, cached,
                reasoning));
        assertThat(cost.reason()).isNull();
        assertThat(cost.usd()).isEqualByComparingTo(expected);
        assertThat(cost.usd().toPlainString()).isEqualTo(expected);
    }

    /**
     * A job that wrote to Anthropic's 1-hour cache ({@code cache_control} with {@code "ttl": "1h"}), from the usage
     * as Anthropic answers it to the cost: the bundled {@code claude-sonnet-4-5} entry is input 3e-06, output 1.5e-05,
     * cache_creation_input_token_cost 3.75e-06 (5-minute writes), cache_creation_input_token_cost_above_1hr 6e-06.
     */
    @Test
    void oneHourCacheWritesOfAnAnthropicJobPayTheOneHourPrice() throws Exception {
        JsonNode anthropic = Json.mapper().readTree("""
                {"input_tokens":14,"cache_creation_input_tokens":2100,"cache_read_input_tokens":0,
                 "cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":2000},
                 "output_tokens":9}""");
        TokenUsage usage = Usages.fromOpenAi(AnthropicWire.Usage.fromJson(anthropic).toOpenAi());

        Cost cost = prices.cost(deployment("claude"), usage);

        // 14 × 0.000003 + 100 × 0.00000375 + 2000 × 0.000006 + 9 × 0.000015
        // = 0.000042 + 0.000375 + 0.012 + 0.000135 (every write at the 5-minute price would be 0.008052)
        assertThat(cost.usd().toPlainString()).isEqualTo("0.012552");
    }

    /**
     * The same call through a LiteLLM proxy used as an OpenAI-compatible upstream: LiteLLM reports the writes in its
     * OpenAI-shaped usage, the 1-hour part in {@code prompt_tokens_details.cache_creation_token_details}, and the job
     * pays the same as called directly.
     */
    @Test
    void oneHourCacheWritesReportedByALiteLlmProxyPayTheOneHourPrice() throws Exception {
        JsonNode liteLlm = Json.mapper().readTree("""
                {"completion_tokens":9,"prompt_tokens":2114,"total_tokens":2123,
                 "completion_tokens_details":{"reasoning_tokens":0,"text_tokens":9},
                 "prompt_tokens_details":{"cached_tokens":0,"text_tokens":14,"cache_creation_tokens":2100,
                   "cache_creation_token_details":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":2000}},
                 "cache_creation_input_tokens":2100,"cache_read_input_tokens":0}""");

        Cost cost = prices.cost(deployment("claude-via-litellm"), Usages.fromOpenAi(liteLlm));

        // as above: 0.000042 + 0.000375 + 0.012 + 0.000135
        assertThat(cost.usd().toPlainString()).isEqualTo("0.012552");
    }

    @Test
    void anUnknownModelIsNeverFreeItHasNoCostAndAReasonThatSaysHowToPriceIt() {
        TokenUsage usage = new TokenUsage(10, 5, 15, 0, 0);
        for (String id : new String[] {"unknown", "unknown-input-only"}) {
            Cost cost = prices.cost(deployment(id), usage);
            assertThat(cost.usd()).as(id).isNull();
            assertThat(cost.reason()).as(id).contains("openai/my-finetune", "'" + id + "'", "input_cost_per_token",
                    "output_cost_per_token", "llmq.pricing.table");
        }
    }

    @Test
    void aCallWithoutTokensCostsExactlyNothingEvenUnpriced() {
        assertThat(prices.cost(deployment("unknown"), TokenUsage.ZERO)).isEqualTo(Cost.ZERO);
        assertThat(prices.cost(deployment("table"), TokenUsage.ZERO).usd()).isZero();
    }

    @Test
    void costBasedRoutingStillRanksByInputPlusOutput() {
        assertThat(prices.costPerToken(deployment("params")).orElseThrow()).isEqualTo(0.000004);
        assertThat(prices.costPerToken(deployment("unknown"))).isEmpty();
    }

    /** The pre-call check's window where a deployment sets none: the table's, of its model or its base_model. */
    @Test
    void theContextWindowIsTheTablesMaxInputTokens() {
        assertThat(prices.maxInputTokens(deployment("table"))).isEqualTo(128_000);
        assertThat(prices.maxInputTokens(deployment("azure-base"))).as("base_model azure/gpt-4o").isEqualTo(128_000);
        assertThat(prices.maxInputTokens(deployment("unknown"))).isNull();
        assertThat(prices.maxInputTokens(deployment("unknown-overridden"))).as("priced, no window").isNull();
    }

    @Test
    void aReloadedDeploymentWithOtherOverridesIsPricedAnewNotFromTheFirstConfigsPrice() {
        Deployment first = deployment("params");
        Deployment reloaded = ConfigLoader.parse(YAML.replace("input_cost_per_token: 0.000001,\n",
                "input_cost_per_token: 0.000002,\n"), Map.of()).deployments().stream()
                .filter(d -> d.id().equals("params")).findFirst().orElseThrow();

        assertThat(prices.costPerToken(first).orElseThrow()).isEqualTo(0.000004);
        assertThat(prices.costPerToken(reloaded).orElseThrow()).isEqualTo(0.000005);
        assertThat(prices.price(reloaded).orElseThrow().inputCostPerToken()).isEqualByComparingTo("0.000002");
        assertThat(prices.price(first).orElseThrow().inputCostPerToken()).isEqualByComparingTo("0.000001");
    }
}
