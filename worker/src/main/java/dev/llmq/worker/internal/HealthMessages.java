package dev.llmq.worker.internal;

import dev.llmq.router.DeploymentHealthEvent;
import dev.llmq.schemas.DeploymentHealthMessage;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The router's {@link DeploymentHealthEvent} to and from its control-topic record ({@link DeploymentHealthMessage},
 * defined in schemas). An unknown state or an incomplete record maps to nothing, so an older worker skips a newer
 * kind of event.
 */
public final class HealthMessages {

    private HealthMessages() {
    }

    public static DeploymentHealthMessage of(DeploymentHealthEvent event, String source, Instant at) {
        return new DeploymentHealthMessage(DeploymentHealthMessage.SCHEMA_VERSION, DeploymentHealthMessage.TYPE,
                event.deploymentId(), event.state().name().toLowerCase(Locale.ROOT), event.until(), event.reason(),
                source, at);
    }

    /** The compaction key: the event's deployment and facet (cooldown for cooled/recovered, breaker for open/closed). */
    public static String key(DeploymentHealthEvent event) {
        String facet = switch (event.state()) {
            case COOLED, RECOVERED -> DeploymentHealthMessage.FACET_COOLDOWN;
            case OPEN, CLOSED -> DeploymentHealthMessage.FACET_BREAKER;
        };
        return DeploymentHealthMessage.key(event.deploymentId(), facet);
    }

    /** The router event, or empty when the state is unknown to this version or the record is incomplete. */
    public static Optional<DeploymentHealthEvent> toEvent(DeploymentHealthMessage message) {
        if (!DeploymentHealthMessage.TYPE.equals(message.type()) || message.deploymentId() == null
                || message.deploymentId().isBlank() || message.state() == null) {
            return Optional.empty();
        }
        DeploymentHealthEvent.State s;
        try {
            s = DeploymentHealthEvent.State.valueOf(message.state().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if ((s == DeploymentHealthEvent.State.COOLED || s == DeploymentHealthEvent.State.OPEN)
                && message.until() == null) {
            return Optional.empty();
        }
        return Optional.of(new DeploymentHealthEvent(message.deploymentId(), s, message.until(), message.reason()));
    }
}
