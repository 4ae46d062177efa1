package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.router.ConfigScope;
import dev.llmq.router.LlmqSection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoleTest {

    @Test
    void onlyTheRolesWithAWorkerReadProviderEndpointsAndSecrets() {
        assertThat(Role.STANDALONE.scope()).isEqualTo(ConfigScope.ROUTING);
        assertThat(Role.WORKER.scope()).isEqualTo(ConfigScope.ROUTING);
        assertThat(Role.INGEST.scope()).isEqualTo(ConfigScope.NAMES);
        assertThat(Role.BROKER.scope()).isEqualTo(ConfigScope.NAMES);
        assertThat(Role.USAGE_AGGREGATOR.scope()).isEqualTo(ConfigScope.NAMES);
    }

    @Test
    void eachRoleReadsOnlyThePartsOfTheLlmqSectionItUses() {
        assertThat(Role.STANDALONE.reads()).containsExactlyInAnyOrder(LlmqSection.values());
        assertThat(Role.BROKER.reads()).containsExactlyInAnyOrder(LlmqSection.KAFKA, LlmqSection.TOPICS,
                LlmqSection.AUTH);
        assertThat(Role.WORKER.reads()).containsExactlyInAnyOrder(LlmqSection.KAFKA, LlmqSection.TOPICS,
                LlmqSection.AUTH, LlmqSection.MOCK_LLM, LlmqSection.WORKER, LlmqSection.PROVIDERS,
                LlmqSection.MODEL_GROUPS, LlmqSection.HEALTH, LlmqSection.PRICING);
        assertThat(Role.INGEST.reads()).containsExactlyInAnyOrder(LlmqSection.KAFKA, LlmqSection.TOPICS,
                LlmqSection.AUTH, LlmqSection.INTERNAL_KEY, LlmqSection.INGEST);
        assertThat(Role.USAGE_AGGREGATOR.reads()).containsExactlyInAnyOrder(LlmqSection.KAFKA, LlmqSection.TOPICS,
                LlmqSection.AUTH, LlmqSection.INTERNAL_KEY, LlmqSection.USAGE, LlmqSection.BUDGETS);
    }

    /**
     * Every setting a role's parts read is read from a part the role declares: each role's config, read with the
     * variables of every other part unset, fails on none of them and fails on each of its own.
     */
    @Test
    void aVariableOnlyAnotherRoleNeedsDoesNotStopARole() {
        Map<LlmqSection, String> perPart = new EnumMap<>(LlmqSection.class);
        perPart.put(LlmqSection.KAFKA, "kafka: { sasl.jaas.config: os.environ/V_KAFKA }");
        perPart.put(LlmqSection.TOPICS, "topics: { prefix: os.environ/V_TOPICS }");
        perPart.put(LlmqSection.INGEST, "ingest: { state_dir: os.environ/V_INGEST }");
        perPart.put(LlmqSection.WORKER, "worker: { max_in_flight: os.environ/V_WORKER }");
        perPart.put(LlmqSection.PROVIDERS, "providers: { openai: { rpm: os.environ/V_PROVIDERS } }");
        perPart.put(LlmqSection.MODEL_GROUPS, "model_groups: { g: { timeout: os.environ/V_MODEL_GROUPS } }");
        perPart.put(LlmqSection.HEALTH, "health: { breaker_min_calls: os.environ/V_HEALTH }");
        perPart.put(LlmqSection.MOCK_LLM, "mock_llm: { enabled: os.environ/V_MOCK_LLM }");
        perPart.put(LlmqSection.PRICING, "pricing: { table: os.environ/V_PRICING }");
        perPart.put(LlmqSection.USAGE, "usage: { state_dir: os.environ/V_USAGE }");
        perPart.put(LlmqSection.BUDGETS, "budgets: [{ tag: os.environ/V_BUDGETS, max_budget: 1 }]");
        perPart.put(LlmqSection.INTERNAL_KEY, "auth: { internal_key: os.environ/V_INTERNAL_KEY }");
        perPart.put(LlmqSection.AUTH, "auth: { keys: [{ name: os.environ/V_AUTH, key_hash: h, tenant: t }] }");
        for (Role role : Role.values()) {
            for (var part : perPart.entrySet()) {
                LoadedConfig config = new LoadedConfig(null, """
                        model_list:
                          - model_name: g
                            litellm_params: { model: openai/gpt-4o, api_key: k }
                        llmq:
                          %s
                        """.formatted(part.getValue()));
                String variable = "V_" + part.getKey().name();
                if (role.reads().contains(part.getKey())) {
                    assertThatThrownBy(() -> config.parse(Map.of(), role.scope(), role.reads()))
                            .as(role + " reads " + part.getKey())
                            .hasMessageContaining("environment variable " + variable + " is not set");
                } else {
                    assertThat(config.parse(Map.of(), role.scope(), role.reads()).llmq())
                            .as(role + " does not read " + part.getKey()).isNotNull();
                }
            }
        }
    }

    @Test
    void standaloneRunsTheUsageAggregatorBeforeTheIngestApiThatForwardsToIt() {
        List<Component> standalone = Role.STANDALONE.components();
        assertThat(standalone).contains(Component.USAGE_AGGREGATOR);
        assertThat(standalone.indexOf(Component.USAGE_AGGREGATOR)).isLessThan(standalone.indexOf(Component.INGEST));
        assertThat(Role.USAGE_AGGREGATOR.components()).containsExactly(Component.KAFKA_ACCESS,
                Component.USAGE_AGGREGATOR);
    }

    @Test
    void theMockLlmStartsOnlyInRolesThatCallProviders() {
        assertThat(Role.values()).filteredOn(role -> role.components().contains(Component.MOCK_LLM))
                .containsExactlyInAnyOrder(Role.STANDALONE, Role.WORKER);
    }

    @Test
    void aWorkersHealthServerAnswersBeforeTheWorkerStarts() {
        assertThat(Role.WORKER.components())
                .containsExactly(Component.MOCK_LLM, Component.HEALTH, Component.KAFKA_ACCESS, Component.WORKER);
    }

    @Test
    void everyRoleWithKafkaClientsChecksItsAccessBeforeItsFirstClient() {
        for (Role role : Role.values()) {
            List<Component> components = role.components();
            int first = components.stream().filter(c -> c == Component.TOPICS || c == Component.WORKER
                    || c == Component.INGEST || c == Component.USAGE_AGGREGATOR).mapToInt(components::indexOf)
                    .min().orElse(Integer.MAX_VALUE);
            if (role != Role.BROKER) {
                assertThat(components.indexOf(Component.KAFKA_ACCESS)).as(role.command()).isBetween(0, first - 1);
            }
        }
    }

    @Test
    void aComponentThatSetsTheEnvironmentMustComeFirst() {
        assertThatThrownBy(() -> Role.checked("x", List.of(Component.BROKER, Component.MOCK_LLM, Component.WORKER)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MOCK_LLM sets the environment");
    }

    @Test
    void theMockLlmWithoutAWorkerIsRejected() {
        assertThatThrownBy(() -> Role.checked("x", List.of(Component.MOCK_LLM, Component.INGEST)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("calls no provider");
    }

    @Test
    void aComponentListedTwiceIsRejected() {
        assertThatThrownBy(() -> Role.checked("x", List.of(Component.HEALTH, Component.HEALTH)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("twice");
    }

    @Test
    void aRoleWithoutComponentsIsRejected() {
        assertThatThrownBy(() -> Role.checked("x", List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no components");
    }
}
