package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A role reads only the parts of {@code llmq:} it uses: an unset variable in another part takes that part as absent,
 * while the parts it reads, and every part's keys and types, are checked as before.
 */
class LlmqSectionTest {

    private static final String YAML = """
            model_list:
              - model_name: g
                litellm_params: { model: openai/gpt-4o, api_key: k, max_budget: os.environ/DEPLOYMENT_BUDGET }
            llmq:
              kafka: { bootstrap.servers: "127.0.0.1:9092" }
              topics: { prefix: p }
              ingest:
                state_dir: os.environ/INGEST_STATE
                max_body_bytes: 4096
                limits: { max_tags: 3, not_a_limit: 1 }
              usage: { state_dir: os.environ/USAGE_STATE }
              worker: { max_in_flight: 7 }
              budgets:
                - { tenant: os.environ/BUDGET_TENANT, max_budget: 5, budget_duration: 1d }
              auth:
                keys: []
                internal_key: os.environ/INTERNAL_KEY
            """;

    /** What a worker uses. */
    private static final Set<LlmqSection> WORKER = EnumSet.of(LlmqSection.KAFKA, LlmqSection.TOPICS,
            LlmqSection.WORKER, LlmqSection.PROVIDERS, LlmqSection.MODEL_GROUPS, LlmqSection.HEALTH,
            LlmqSection.PRICING, LlmqSection.AUTH);

    @Test
    void unsetVariablesInPartsTheRoleDoesNotReadLeaveThosePartsAbsent() {
        LlmqConfig config = ConfigLoader.parse(YAML, Map.of(), ConfigScope.ROUTING, WORKER);

        assertThat(config.llmq().worker().maxInFlight()).isEqualTo(7);
        assertThat(config.llmq().topics().prefix()).isEqualTo("p");
        assertThat(config.llmq().kafka()).containsEntry("bootstrap.servers", "127.0.0.1:9092");
        assertThat(config.llmq().ingest().stateDir()).isNull();
        assertThat(config.llmq().ingest().maxBodyBytes()).as("the whole part is absent, not only the variable")
                .isNotEqualTo(4096L);
        assertThat(config.llmq().usage().stateDir()).isNull();
        assertThat(config.llmq().budgets()).isEmpty();
        assertThat(config.llmq().auth().internalKey()).isNull();
        assertThat(config.unsupportedKeys()).as("the skipped part's unread keys are not reported").isEmpty();
    }

    @Test
    void aPartTheRoleReadsStillNamesTheUnsetVariable() {
        assertThatThrownBy(() -> ConfigLoader.parse(YAML, Map.of(), ConfigScope.NAMES,
                EnumSet.of(LlmqSection.INGEST)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("state_dir: environment variable INGEST_STATE is not set");
        assertThatThrownBy(() -> ConfigLoader.parse(YAML, Map.of(), ConfigScope.NAMES,
                EnumSet.of(LlmqSection.AUTH, LlmqSection.INTERNAL_KEY)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable INTERNAL_KEY is not set");
        assertThatThrownBy(() -> ConfigLoader.parse(YAML, Map.of(), ConfigScope.NAMES,
                EnumSet.of(LlmqSection.BUDGETS)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable BUDGET_TENANT is not set");
        assertThatThrownBy(() -> ConfigLoader.parse(YAML, Map.of("BUDGET_TENANT", "acme"), ConfigScope.NAMES,
                EnumSet.of(LlmqSection.BUDGETS)))
                .as("a deployment's max_budget is a budget")
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable DEPLOYMENT_BUDGET is not set");
        assertThatThrownBy(() -> ConfigLoader.parse(YAML, Map.of(), ConfigScope.NAMES))
                .as("a caller that does not say reads everything")
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not set");
    }

    @Test
    void setVariablesResolveInEveryPart() {
        Map<String, String> env = Map.of("INGEST_STATE", "/var/ingest", "USAGE_STATE", "/var/usage",
                "DEPLOYMENT_BUDGET", "10", "BUDGET_TENANT", "acme", "INTERNAL_KEY", "secret");

        LlmqConfig config = ConfigLoader.parse(YAML, env, ConfigScope.ROUTING, WORKER);

        assertThat(config.llmq().ingest().stateDir()).isEqualTo("/var/ingest");
        assertThat(config.llmq().ingest().maxBodyBytes()).isEqualTo(4096L);
        assertThat(config.llmq().usage().stateDir()).isEqualTo("/var/usage");
        assertThat(config.llmq().auth().internalKey()).isEqualTo("secret");
        assertThat(config.llmq().budgets()).extracting(Budget::subject).containsExactlyInAnyOrder("acme",
                config.deployments().getFirst().id());
        assertThat(config.llmq().budgets()).extracting(Budget::maxBudgetUsd)
                .containsExactlyInAnyOrder(new BigDecimal("5"), new BigDecimal("10"));
        assertThat(config.unsupportedKeys()).containsExactly("llmq.ingest.limits.not_a_limit");
    }

    @Test
    void aPartTheRoleDoesNotReadIsStillChecked() {
        String badType = YAML.replace("max_body_bytes: 4096", "max_body_bytes: lots");
        assertThatThrownBy(() -> ConfigLoader.parse(badType, Map.of("INGEST_STATE", "/x"), ConfigScope.NAMES,
                Set.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("max_body_bytes");
        String notAMap = YAML.replace("usage: { state_dir: os.environ/USAGE_STATE }", "usage: 3");
        assertThatThrownBy(() -> ConfigLoader.parse(notAMap, Map.of(), ConfigScope.NAMES, Set.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("usage");
    }
}
