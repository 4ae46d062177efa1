package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Environment variables override the file's Kafka client properties; empty ones set nothing. */
class KafkaEnvironmentTest {

    private static final String YAML = """
            model_list:
              - model_name: g
                litellm_params: { model: openai/gpt-4o-mini, api_key: k }
            llmq:
              kafka: { bootstrap.servers: 'file:9092', linger.ms: 5 }
            """;

    @Test
    void variablesOverrideTheFile() {
        LlmqConfig c = ConfigLoader.parse(YAML, Map.of("KAFKA_BOOTSTRAP_SERVERS", "env:9092",
                "LLMQ_KAFKA_LINGER_MS", "20", "LLMQ_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"), ConfigScope.NAMES);
        assertThat(c.llmq().kafka()).containsEntry("bootstrap.servers", "env:9092").containsEntry("linger.ms", "20")
                .containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void kafkaBootstrapServersWinsOverItsLlmqKafkaSpelling() {
        Map<String, String> env = new java.util.TreeMap<>(java.util.Comparator.reverseOrder());
        env.putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", "plain:9092", "LLMQ_KAFKA_BOOTSTRAP_SERVERS", "llmq:9092"));
        for (Map<String, String> ordered : java.util.List.of(env, new java.util.TreeMap<>(env))) {
            LlmqConfig c = ConfigLoader.parse(YAML, ordered, ConfigScope.NAMES);
            assertThat(c.llmq().kafka()).containsEntry("bootstrap.servers", "plain:9092");
        }
    }

    @Test
    void emptyVariablesKeepTheFilesValues() {
        LlmqConfig c = ConfigLoader.parse(YAML, Map.of("KAFKA_BOOTSTRAP_SERVERS", " ", "LLMQ_KAFKA_LINGER_MS", ""),
                ConfigScope.NAMES);
        assertThat(c.llmq().kafka()).containsEntry("bootstrap.servers", "file:9092").containsEntry("linger.ms", "5");
    }
}
