package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.llmq.config.ConfigDef;
import dev.llmq.config.ConfigKey;
import dev.llmq.config.DeploymentKeys;
import dev.llmq.config.LlmqKeys;
import dev.llmq.config.RouterKeys;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The documented keys and the parser agree: a config that sets every defined key (to its documented example) parses,
 * and the parser reports none of them as unsupported. A key defined but never read, or read under another name,
 * fails here.
 */
class ConfigKeysCoverageTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void everyDefinedKeyIsReadByTheParser() throws Exception {
        ObjectNode root = YAML.createObjectNode();
        ObjectNode deployment = YAML.createObjectNode();
        setAll(deployment, DeploymentKeys.DEF, "");
        ArrayNode list = root.putArray("model_list");
        list.add(deployment);
        for (String group : new String[] {"claude-sonnet", "gpt-4o-mini"}) {
            list.addObject().put("model_name", group).putObject("litellm_params").put("model", "openai/" + group);
        }
        setAll(root, RouterKeys.DEF, "");
        setAll(root, LlmqKeys.DEF, "");
        // a budget names a tenant or a tag, not both: the list gets one of each
        ArrayNode budgets = (ArrayNode) root.get("llmq").get("budgets");
        ObjectNode tagBudget = ((ObjectNode) budgets.get(0)).deepCopy();
        ((ObjectNode) budgets.get(0)).remove("tag");
        tagBudget.remove("tenant");
        budgets.add(tagBudget);

        LlmqConfig config = ConfigLoader.parse(YAML.writeValueAsString(root), Map.of("OPENAI_API_KEY", "sk-x",
                "LLMQ_INTERNAL_KEY", "internal"));

        assertThat(config.unsupportedKeys()).isEmpty();
        assertThat(config.llmq().auth().keys().all()).singleElement()
                .satisfies(k -> assertThat(k.tenant()).isEqualTo("acme"))
                .satisfies(k -> assertThat(k.jobsPerMinute()).isEqualTo(10_000L));
        assertThat(config.llmq().ingest().limits().maxTags()).isEqualTo(8);
        assertThat(config.llmq().worker().responseLimits())
                .isEqualTo(new dev.llmq.provider.ResponseLimits(16_777_216L, 1_048_576, 67_108_864L));
        assertThat(config.llmq().worker().maxInFlight()).isEqualTo(4096);
        assertThat(config.llmq().providers()).containsKey("openai");
        assertThat(config.router().numRetries()).isEqualTo(3);
        assertThat(config.deployments().getFirst().rpm()).isEqualTo(600L);
        assertThat(config.deployments().getFirst().id()).isEqualTo("azure-eu-1");
        assertThat(config.llmq().budgets()).extracting(Budget::key)
                .containsExactly("budget:tenant:acme", "budget:tag:experiments", "budget:deployment:azure-eu-1");
        assertThat(config.llmq().usage().grace()).hasSeconds(60);
        assertThat(config.llmq().usage().rocksDbMemoryBytes()).isEqualTo(1_073_741_824L);
        assertThat(config.llmq().ingest().usageUrl()).isEqualTo("http://usage-1.internal:8090");
    }

    @Test
    void theDocumentedRoutingStrategiesAreTheImplementedOnes() {
        for (RoutingStrategy strategy : RoutingStrategy.values()) {
            assertThat(RouterKeys.ROUTING_STRATEGY.validator().problem(strategy.configName()))
                    .as("router_settings.routing_strategy accepts %s", strategy.configName()).isNull();
        }
        String described = RouterKeys.ROUTING_STRATEGY.validator().describe();
        for (String name : described.substring("one of ".length()).split(", ")) {
            assertThat(RoutingStrategy.fromConfig(name)).as(name).isNotNull();
        }
    }

    private static void setAll(ObjectNode root, ConfigDef def, String prefix) throws Exception {
        for (ConfigKey<?> key : def.keys()) {
            String name = key.name().replace("<provider>", "openai").replace("<group>", "gpt-4o");
            JsonNode value = YAML.readTree(key.example());
            if (name.endsWith(".*")) {
                name = name.substring(0, name.length() - 2);
            }
            String[] parts = (prefix + name).split("\\.");
            ObjectNode node = root;
            for (int i = 0; i < parts.length - 1; i++) {
                if (parts[i].endsWith("[]")) { // a list of maps: the keys go into its one entry
                    String list = parts[i].substring(0, parts[i].length() - 2);
                    ArrayNode array = node.has(list) ? (ArrayNode) node.get(list) : node.putArray(list);
                    node = array.isEmpty() ? array.addObject() : (ObjectNode) array.get(0);
                } else {
                    node = node.has(parts[i]) ? (ObjectNode) node.get(parts[i]) : node.putObject(parts[i]);
                }
            }
            node.set(parts[parts.length - 1], value);
        }
    }
}
