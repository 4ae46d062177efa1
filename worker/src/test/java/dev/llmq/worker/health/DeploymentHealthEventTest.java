package dev.llmq.worker.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.schemas.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeploymentHealthEventTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void roundTripsInSnakeCase() throws Exception {
        DeploymentHealthEvent event = DeploymentHealthEvent.cooledDown("azure-eu", T0.plusSeconds(10), "429",
                "rate_limited", 429, "w1", T0);
        String json = Json.mapper().writeValueAsString(event);
        assertThat(json).contains("\"deployment_id\":\"azure-eu\"", "\"state\":\"cooled_down\"",
                "\"type\":\"deployment_health\"", "\"http_status\":429");
        assertThat(Json.mapper().readValue(json, DeploymentHealthEvent.class)).isEqualTo(event);
    }

    @Test
    void toleratesNewerStatesAndFields() throws Exception {
        DeploymentHealthEvent event = Json.mapper().readValue("""
                {"type":"deployment_health","deployment_id":"d","state":"draining","at":"2026-01-01T00:00:00Z","x":1}
                """, DeploymentHealthEvent.class);
        assertThat(event.state()).isEqualTo(HealthState.UNKNOWN);
        assertThat(event.blocksTrafficAt(T0)).isFalse();
    }

    @Test
    void blockingStatesNeedAnEnd() {
        assertThatThrownBy(() -> new DeploymentHealthEvent(1, null, "d", HealthState.CIRCUIT_OPEN, null, null, null,
                null, "w", T0)).hasMessageContaining("until");
        assertThatThrownBy(() -> DeploymentHealthEvent.healthy(" ", "w", T0)).hasMessageContaining("deployment_id");
        DeploymentHealthEvent open = DeploymentHealthEvent.circuitOpen("d", T0.plusSeconds(5), "failures", "w", T0);
        assertThat(open.blocksTrafficAt(T0.plusSeconds(4))).isTrue();
        assertThat(open.blocksTrafficAt(T0.plusSeconds(5))).isFalse();
        assertThat(DeploymentHealthEvent.healthy("d", "w", T0).blocksTrafficAt(T0)).isFalse();
    }
}
