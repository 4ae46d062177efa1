package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.router.ConfigException;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.Deployment;
import dev.llmq.router.LlmqConfig;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.worker.routing.DeploymentPrices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llmq.pricing.table}: a newer LiteLLM table over the bundled one, or a start-up error that says why. */
class ComponentsPricesTest {

    private static LlmqConfig config(String pricingTable) {
        String yaml = """
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, api_key: k }
                    model_info: { id: gpt4o }
                  - model_name: g
                    litellm_params: { model: openai/brand-new-model, api_key: k }
                    model_info: { id: new }
                """ + (pricingTable == null ? "" : "llmq: { pricing: { table: \"" + pricingTable + "\" } }\n");
        return ConfigLoader.parse(yaml, Map.of());
    }

    private static Deployment deployment(LlmqConfig config, String id) {
        return config.deployments().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void withoutATableTheBundledOnePrices() {
        LlmqConfig config = config(null);
        DeploymentPrices prices = Components.prices(config);
        TokenUsage usage = new TokenUsage(1000, 500, 1500, 0, 0);
        // bundled gpt-4o: 1000 × 0.0000025 + 500 × 0.00001
        assertThat(prices.cost(deployment(config, "gpt4o"), usage).usd()).isEqualByComparingTo("0.0075");
        assertThat(prices.cost(deployment(config, "new"), usage).usd()).isNull();
    }

    @Test
    void aUserTableReplacesAndAddsEntriesOverTheBundledOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prices.json");
        Files.writeString(file, """
                {"gpt-4o":{"input_cost_per_token":1e-6,"output_cost_per_token":2e-6,"litellm_provider":"openai"},
                 "brand-new-model":{"input_cost_per_token":3e-7,"output_cost_per_token":4e-7,
                                    "litellm_provider":"openai"}}""");
        LlmqConfig config = config(file.toString());
        DeploymentPrices prices = Components.prices(config);
        TokenUsage usage = new TokenUsage(1000, 500, 1500, 0, 0);
        // 1000 × 0.000001 + 500 × 0.000002 = 0.001 + 0.001
        assertThat(prices.cost(deployment(config, "gpt4o"), usage).usd()).isEqualByComparingTo("0.002");
        // 1000 × 0.0000003 + 500 × 0.0000004 = 0.0003 + 0.0002
        assertThat(prices.cost(deployment(config, "new"), usage).usd()).isEqualByComparingTo("0.0005");
    }

    @Test
    void aMissingOrUnreadableTableFailsStartUpNamingTheKeyAndTheFile(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.json");
        assertThatThrownBy(() -> Components.prices(config(missing.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("llmq.pricing.table").hasMessageContaining(missing.toString())
                .hasMessageContaining("NoSuchFileException");
        Path notATable = Files.writeString(dir.resolve("list.json"), "[1, 2]");
        assertThatThrownBy(() -> Components.prices(config(notATable.toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(notATable.toString()).hasMessageContaining("must be a JSON object");
    }
}
