package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.router.DeploymentHealthEvent;
import dev.llmq.router.DeploymentHealthEvent.State;
import dev.llmq.schemas.DeploymentHealthMessage;
import dev.llmq.schemas.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HealthMessagesTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void roundTripsTheRouterEventInSnakeCase() throws Exception {
        DeploymentHealthEvent event = new DeploymentHealthEvent("azure-eu", State.COOLED, T0.plusSeconds(10),
                "rate_limited (429)");
        String json = Json.mapper().writeValueAsString(HealthMessages.of(event, "w1/abcd", T0));
        assertThat(json).contains("\"deployment_id\":\"azure-eu\"", "\"state\":\"cooled\"",
                "\"type\":\"deployment_health\"", "\"schema_version\":1", "\"source\":\"w1/abcd\"");
        DeploymentHealthMessage back = Json.mapper().readValue(json, DeploymentHealthMessage.class);
        assertThat(HealthMessages.toEvent(back)).contains(event);
        assertThat(back.at()).isEqualTo(T0);
    }

    @Test
    void keysArePrefixedAndSplitByFacet() {
        assertThat(HealthMessages.key(new DeploymentHealthEvent("d", State.COOLED, T0, null)))
                .isEqualTo("deployment-health:d:cooldown");
        assertThat(HealthMessages.key(new DeploymentHealthEvent("d", State.RECOVERED, null, null)))
                .isEqualTo("deployment-health:d:cooldown");
        assertThat(HealthMessages.key(new DeploymentHealthEvent("d", State.OPEN, T0, null)))
                .isEqualTo("deployment-health:d:breaker");
        assertThat(HealthMessages.key(new DeploymentHealthEvent("d", State.CLOSED, null, null)))
                .isEqualTo("deployment-health:d:breaker");
    }

    @Test
    void newerStatesUnknownFieldsAndIncompleteRecordsMapToNothing() throws Exception {
        DeploymentHealthMessage newer = Json.mapper().readValue("""
                {"type":"deployment_health","deployment_id":"d","state":"draining","at":"2026-01-01T00:00:00Z","x":1}
                """, DeploymentHealthMessage.class);
        assertThat(HealthMessages.toEvent(newer)).isEmpty();
        DeploymentHealthMessage noUntil = Json.mapper().readValue("""
                {"type":"deployment_health","deployment_id":"d","state":"open"}
                """, DeploymentHealthMessage.class);
        assertThat(HealthMessages.toEvent(noUntil)).isEmpty();
        DeploymentHealthMessage otherType = Json.mapper().readValue("""
                {"type":"cancel","deployment_id":"d","state":"closed"}
                """, DeploymentHealthMessage.class);
        assertThat(HealthMessages.toEvent(otherType)).isEmpty();
        DeploymentHealthMessage closed = Json.mapper().readValue("""
                {"type":"deployment_health","deployment_id":"d","state":"closed","future_field":[1]}
                """, DeploymentHealthMessage.class);
        assertThat(HealthMessages.toEvent(closed)).contains(new DeploymentHealthEvent("d", State.CLOSED, null, null));
    }
}
