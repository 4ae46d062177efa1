package dev.llmq.worker.health;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.Objects;

/**
 * One deployment's health as one worker decided it, shared with every worker on the compacted control topic (key: the
 * deployment id), so the latest event per deployment is its current shared state.
 *
 * @param type always {@value #TYPE}; other control messages on the topic carry other types
 * @param deploymentId the deployment ({@code model_info.id}, or the router's generated id)
 * @param state the new state
 * @param until when a cooldown or an open breaker ends; null for healthy
 * @param reason short human-readable cause (no prompt text, no secrets)
 * @param errorKind the provider error kind that caused it, or null
 * @param httpStatus the provider's HTTP status that caused it, or null
 * @param workerId the worker that decided it
 * @param at when it was decided
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeploymentHealthEvent(int schemaVersion, String type, String deploymentId, HealthState state,
                                    Instant until, String reason, String errorKind, Integer httpStatus,
                                    String workerId, Instant at) {

    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "deployment_health";

    public DeploymentHealthEvent {
        if (deploymentId == null || deploymentId.isBlank()) {
            throw new IllegalArgumentException("deployment_id is required");
        }
        Objects.requireNonNull(at, "at");
        state = state == null ? HealthState.UNKNOWN : state;
        type = type == null ? TYPE : type;
        if (state.blocksTraffic() && until == null) {
            throw new IllegalArgumentException(state.wire() + " needs 'until'");
        }
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
    }

    public static DeploymentHealthEvent cooledDown(String deploymentId, Instant until, String reason, String errorKind,
                                                   Integer httpStatus, String workerId, Instant at) {
        return new DeploymentHealthEvent(SCHEMA_VERSION, TYPE, deploymentId, HealthState.COOLED_DOWN, until, reason,
                errorKind, httpStatus, workerId, at);
    }

    public static DeploymentHealthEvent circuitOpen(String deploymentId, Instant until, String reason,
                                                    String workerId, Instant at) {
        return new DeploymentHealthEvent(SCHEMA_VERSION, TYPE, deploymentId, HealthState.CIRCUIT_OPEN, until, reason,
                null, null, workerId, at);
    }

    public static DeploymentHealthEvent healthy(String deploymentId, String workerId, Instant at) {
        return new DeploymentHealthEvent(SCHEMA_VERSION, TYPE, deploymentId, HealthState.HEALTHY, null, null, null,
                null, workerId, at);
    }

    /** Whether this event still blocks traffic at {@code now} (a cooldown or open breaker not yet over). */
    public boolean blocksTrafficAt(Instant now) {
        return state.blocksTraffic() && now.isBefore(until);
    }
}
