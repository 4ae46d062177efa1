package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.config.LlmqKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code llmq.worker.running_event_delay_ms}: read from the worker section, 100 ms unset, 0 to 60,000 ms. */
class RunningEventDelayConfigTest {

    private static LlmqConfig withDelay(String value) {
        return WorkerSection.with("running_event_delay_ms", value);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 250, 60_000})
    void theDelayIsReadFromTheWorkerSection(int ms) {
        assertThat(withDelay(Integer.toString(ms)).llmq().worker().runningEventDelayMs()).isEqualTo(ms);
    }

    @Test
    void unsetItIsTheKeysDefault() {
        assertThat(withDelay(null).llmq().worker().runningEventDelayMs())
                .isEqualTo(LlmqKeys.WORKER_RUNNING_EVENT_DELAY_MS.defaultValue()).isEqualTo(100);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "60001", "soon"})
    void aDelayOutsideTheRangeIsRefused(String value) {
        assertThatThrownBy(() -> withDelay(value)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("running_event_delay_ms");
    }
}
