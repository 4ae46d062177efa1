package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Breaker and cooldown windows come from {@code llmq.health}, no longer hard-coded. */
class HealthSettingsTest {

    private static final String MODELS = """
            model_list:
              - model_name: g
                litellm_params: { model: openai/gpt-4o-mini, api_key: k }
            """;

    @Test
    void defaultsAreTheShippedRules() {
        HealthPolicy p = HealthPolicy.of(RouterSettings.DEFAULTS, ConfigLoader.parse(MODELS, Map.of()).llmq());
        assertThat(p.failureMinRequests()).isEqualTo(5);
        assertThat(p.failureThreshold()).isEqualTo(0.5);
        assertThat(p.breakerWindow()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.breakerMinCalls()).isEqualTo(10);
        assertThat(p.breakerFailureRate()).isEqualTo(50f);
        assertThat(p.breakerOpen()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.breakerHalfOpenCalls()).isEqualTo(1);
    }

    @Test
    void everyWindowIsConfigurable() {
        LlmqConfig c = ConfigLoader.parse(MODELS + """
                llmq:
                  worker: { limit_share: 0.5 }
                  health:
                    cooldown_min_requests: 8
                    cooldown_failure_threshold: 0.25
                    breaker_window: 20
                    breaker_min_calls: 4
                    breaker_failure_rate: 75
                    breaker_open: 5
                    breaker_half_open_calls: 2
                """, Map.of());
        HealthPolicy p = HealthPolicy.of(c.router(), c.llmq());
        assertThat(p.failureMinRequests()).isEqualTo(8);
        assertThat(p.failureThreshold()).isEqualTo(0.25);
        assertThat(p.breakerWindow()).isEqualTo(Duration.ofSeconds(20));
        assertThat(p.breakerMinCalls()).isEqualTo(4);
        assertThat(p.breakerFailureRate()).isEqualTo(75f);
        assertThat(p.breakerOpen()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.breakerHalfOpenCalls()).isEqualTo(2);
        assertThat(p.limitShare()).isEqualTo(0.5);
        assertThat(c.unsupportedKeys()).isEmpty();
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> ConfigLoader.parse(MODELS + "llmq: { health: { breaker_open: 0.5 } }\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("llmq.health.breaker_open must be >= 1 s");
        assertThatThrownBy(() -> ConfigLoader.parse(MODELS + "llmq: { health: { breaker_failure_rate: 0 } }\n",
                Map.of())).hasMessageContaining("llmq.health.breaker_failure_rate must be in [1, 100]");
    }
}
