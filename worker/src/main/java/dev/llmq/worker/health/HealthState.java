package dev.llmq.worker.health;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A deployment's shared health. {@link #UNKNOWN} is what an older reader sees for a newer state. */
public enum HealthState {
    /** Takes traffic (a cooldown ended, or a breaker closed again). */
    HEALTHY,
    /** Cooled down until {@link DeploymentHealthEvent#until()}: no traffic before then. */
    COOLED_DOWN,
    /** Circuit breaker open until {@link DeploymentHealthEvent#until()}, then half-open probes. */
    CIRCUIT_OPEN,
    UNKNOWN;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static HealthState fromWire(String value) {
        if (value == null) {
            return UNKNOWN;
        }
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return UNKNOWN;
        }
    }

    /** Whether a deployment in this state must not be sent traffic. */
    public boolean blocksTraffic() {
        return this == COOLED_DOWN || this == CIRCUIT_OPEN;
    }
}
