package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code llmq.worker.await_first_start}: read from the worker section, true unset (the trade is opt-in). */
class AwaitFirstStartConfigTest {

    private static LlmqConfig with(String value) {
        return WorkerSection.with("await_first_start", value);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void itIsReadFromTheWorkerSection(boolean value) {
        assertThat(with(Boolean.toString(value)).llmq().worker().awaitFirstStart()).isEqualTo(value);
    }

    @Test
    void unsetEveryFirstDeliveryWaitsForItsStart() {
        assertThat(with(null).llmq().worker().awaitFirstStart()).isTrue();
        assertThat(LlmqSettings.Worker.DEFAULTS.awaitFirstStart()).isTrue();
    }

    @Test
    void aValueThatIsNotABooleanIsRefused() {
        assertThatThrownBy(() -> with("sometimes")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("await_first_start");
    }
}
