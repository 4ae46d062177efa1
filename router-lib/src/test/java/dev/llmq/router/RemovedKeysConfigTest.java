package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A config that still sets a key llmq removed is refused with the reason, in every scope, where a key llmq never had
 * is only reported as unsupported.
 */
class RemovedKeysConfigTest {

    private static final String BASE = """
            model_list:
              - model_name: g
                litellm_params: { model: openai/gpt-4o, api_key: k }
            """;

    private static LlmqConfig withWorkerKey(String key, String value, ConfigScope scope) {
        return ConfigLoader.parse(BASE + "llmq: { worker: { max_in_flight: 8, " + key + ": " + value + " } }\n",
                Map.of(), scope);
    }

    @Test
    void aRemovedKeyIsRefusedSayingWhyItWentAndWhatToDo() {
        assertThatThrownBy(() -> withWorkerKey("state_dir", "/var/lib/llmq/worker-1", ConfigScope.ROUTING))
                .isInstanceOf(ConfigException.class)
                .hasMessage("llmq.worker.state_dir was removed: results are now written exactly once by the workers' "
                        + "Kafka transactions, together with their consumer offsets, so there is no result "
                        + "de-duplication (and no de-duplication store) to configure any more. Delete it from the "
                        + "config file.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"results_dedupe_retention: 86400", "results_commit_interval_ms: 50",
            "state_dir: /var/lib/llmq/worker-1", "results_commit_interval_ms: 5", "state_dir: ''"})
    void eachResultDeduplicationKeyIsRefusedWhateverItsValue(String setting) {
        String key = setting.substring(0, setting.indexOf(':'));
        String value = setting.substring(setting.indexOf(':') + 1).trim();
        assertThatThrownBy(() -> withWorkerKey(key, value, ConfigScope.ROUTING)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("llmq.worker." + key + " was removed: results are now written exactly once "
                        + "by the workers' Kafka transactions");
    }

    @ParameterizedTest
    @EnumSource(ConfigScope.class)
    void everyScopeRefusesIt(ConfigScope scope) {
        assertThatThrownBy(() -> withWorkerKey("results_dedupe_retention", "604800", scope))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("llmq.worker.results_dedupe_retention was removed");
    }

    @Test
    void aKeyLlmqNeverHadIsStillOnlyReportedAsUnsupported() {
        LlmqConfig config = withWorkerKey("no_such_key", "1", ConfigScope.ROUTING);

        assertThat(config.unsupportedKeys()).containsExactly("llmq.worker.no_such_key");
        assertThat(config.llmq().worker().maxInFlight()).isEqualTo(8);
    }
}
