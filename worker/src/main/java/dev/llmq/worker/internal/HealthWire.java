package dev.llmq.worker.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.llmq.router.DeploymentHealthEvent;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The control-topic form of the router's {@link DeploymentHealthEvent}: snake_case JSON with a type, a schema
 * version, the publishing worker instance and the publishing time. Unknown fields are tolerated (the shared mapper
 * ignores them) and an unknown state maps to nothing, so an older worker skips a newer kind of event.
 *
 * @param type always {@value #TYPE}; other control messages carry other types
 * @param state {@code cooled}, {@code recovered}, {@code open} or {@code closed}
 * @param source the publishing worker instance ({@code <worker id>/<random>}), so a worker skips its own events
 * @param at when the publishing worker decided it
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthWire(int schemaVersion, String type, String deploymentId, String state, Instant until,
                         String reason, String source, Instant at) {

    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "deployment_health";
    /** Record keys start with this, so that other kinds of control messages never share a key with health. */
    public static final String KEY_PREFIX = "deployment-health:";

    public static HealthWire of(DeploymentHealthEvent event, String source, Instant at) {
        return new HealthWire(SCHEMA_VERSION, TYPE, event.deploymentId(), event.state().name().toLowerCase(Locale.ROOT),
                event.until(), event.reason(), source, at);
    }

    /**
     * The compaction key: one per deployment and facet (cooldown, breaker), so that the latest record of each facet
     * survives compaction — a breaker that closes must not erase a cooldown still in force, and vice versa.
     */
    public static String key(DeploymentHealthEvent event) {
        String facet = switch (event.state()) {
            case COOLED, RECOVERED -> "cooldown";
            case OPEN, CLOSED -> "breaker";
        };
        return KEY_PREFIX + event.deploymentId() + ":" + facet;
    }

    /** The router event, or empty when the state is unknown to this version or the record is incomplete. */
    public Optional<DeploymentHealthEvent> toEvent() {
        if (!TYPE.equals(type) || deploymentId == null || deploymentId.isBlank() || state == null) {
            return Optional.empty();
        }
        DeploymentHealthEvent.State s;
        try {
            s = DeploymentHealthEvent.State.valueOf(state.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if ((s == DeploymentHealthEvent.State.COOLED || s == DeploymentHealthEvent.State.OPEN) && until == null) {
            return Optional.empty();
        }
        return Optional.of(new DeploymentHealthEvent(deploymentId, s, until, reason));
    }
}
