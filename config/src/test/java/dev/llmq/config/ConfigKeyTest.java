package dev.llmq.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ConfigKeyTest {

    @Test
    void anAbsentKeyTakesItsDefault() {
        assertThat(LlmqKeys.WORKER_MAX_IN_FLIGHT.parse(null)).isEqualTo(1024);
        assertThat(LlmqKeys.PROVIDER_RPM.parse(null)).isNull();
        assertThat(RouterKeys.LATENCY_TTL.parse(null)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void scalarsAreConvertedFromWhatTheYamlReaderGives() {
        assertThat(LlmqKeys.WORKER_MAX_IN_FLIGHT.parse(512)).isEqualTo(512);
        assertThat(LlmqKeys.WORKER_MAX_IN_FLIGHT.parse("64")).isEqualTo(64);
        assertThat(LlmqKeys.INGEST_MAX_BODY_BYTES.parse(2048.0)).isEqualTo(2048L);
        assertThat(LlmqKeys.WORKER_LIMIT_SHARE.parse("0.5")).isEqualTo(0.5);
        assertThat(LlmqKeys.MOCK_LLM_ENABLED.parse("TRUE")).isTrue();
        assertThat(LlmqKeys.GROUP_TIMEOUT.parse(1.5)).isEqualTo(Duration.ofMillis(1500));
        assertThat(LlmqKeys.TOPICS_PREFIX.parse(42)).isEqualTo("42");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            llmq.worker.max_in_flight    | 0      | llmq.worker.max_in_flight must be >= 1, got 0
            llmq.worker.max_in_flight    | 1.5    | llmq.worker.max_in_flight: expected an int, got 1.5
            llmq.worker.max_in_flight    | lots   | llmq.worker.max_in_flight: expected an int, got 'lots'
            llmq.ingest.max_body_bytes   | 1023   | llmq.ingest.max_body_bytes must be >= 1024, got 1023
            llmq.worker.limit_share      | 0      | llmq.worker.limit_share must be in (0, 1], got 0.0
            llmq.worker.limit_share      | 1.01   | llmq.worker.limit_share must be in (0, 1], got 1.01
            llmq.topics.prefix           | a/b    | llmq.topics.prefix must use only letters, digits, '.', '_' and '-', got 'a/b'
            llmq.topics.replication_factor | 40000 | llmq.topics.replication_factor must be in [1, 32767], got 40000
            llmq.mock_llm.enabled        | yes    | llmq.mock_llm.enabled: expected a boolean, got 'yes'
            """)
    void badValuesAreRejectedNamingTheKey(String name, String raw, String message) {
        ConfigKey<?> key = LlmqKeys.DEF.find(name).orElseThrow();
        Object value = raw.matches("-?[0-9]+") ? Long.parseLong(raw)
                : raw.matches("-?[0-9.]+") ? Double.parseDouble(raw) : raw;
        assertThatThrownBy(() -> key.parse(value)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void aPatternKeyIsNamedAsTheUserWroteIt() {
        assertThatThrownBy(() -> LlmqKeys.PROVIDER_RPM.parse(0, "llmq.providers.openai.rpm"))
                .hasMessage("llmq.providers.openai.rpm must be >= 1, got 0");
        assertThatThrownBy(() -> DeploymentKeys.WEIGHT.validate(-1.0, "weight"))
                .hasMessage("weight must be >= 0, got -1.0");
    }

    @Test
    void definitionsAreCheckedWhenMade() {
        assertThatThrownBy(() -> new ConfigKey<>("llmq.Bad-Name", ConfigType.INT, 1, Validators.any(), "d", "1"))
                .hasMessageContaining("dotted snake_case");
        assertThatThrownBy(() -> new ConfigKey<>("llmq.x", ConfigType.INT, 0, Validators.atLeast(1), "d", "1"))
                .hasMessage("llmq.x: default must be >= 1, got 0");
        assertThatThrownBy(() -> new ConfigDef("s", "i", java.util.List.of(LlmqKeys.KAFKA, LlmqKeys.KAFKA)))
                .hasMessageContaining("defined twice");
    }

    @Test
    void everyExampleIsAValidValueOfItsKey() {
        for (ConfigDef def : ConfigReference.SECTIONS) {
            for (ConfigKey<?> key : def.keys()) {
                if (key.type() != ConfigType.STRUCTURE) {
                    String example = key.example().replaceAll("^'(.*)'$", "$1");
                    assertThat(key.parse(example)).as(key.name()).isNotNull();
                }
            }
        }
    }
}
