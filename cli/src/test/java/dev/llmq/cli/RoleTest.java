package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.router.ConfigScope;
import java.util.List;
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
