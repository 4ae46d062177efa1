package dev.llmq.router;

import java.time.Instant;
import java.util.Objects;

/**
 * A deployment's health changed. The worker publishes these so that other worker processes
 * {@linkplain DeploymentHealth#apply apply} them.
 *
 * @param until end of the cooldown or open period (COOLED, OPEN); null otherwise
 * @param reason short text, e.g. {@code rate_limited (429)}
 */
public record DeploymentHealthEvent(String deploymentId, State state, Instant until, String reason) {

    public enum State { COOLED, RECOVERED, OPEN, CLOSED }

    public DeploymentHealthEvent {
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(state, "state");
        if ((state == State.COOLED || state == State.OPEN) && until == null) {
            throw new IllegalArgumentException(state + " needs an until instant");
        }
    }
}
