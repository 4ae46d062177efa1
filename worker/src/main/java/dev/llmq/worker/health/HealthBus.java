package dev.llmq.worker.health;

import java.util.Map;

/**
 * Shares deployment health between worker processes: when one worker cools a deployment down or opens its breaker,
 * the others learn it (within a poll, well under a second), and a worker that starts late learns the current state.
 *
 * <p>Listeners run on the bus's consumer thread and must not block; they also receive this worker's own events
 * (check {@link DeploymentHealthEvent#workerId()} to skip them).
 */
public interface HealthBus extends AutoCloseable {

    /** Publishes an event (asynchronously; a failure is logged). */
    void publish(DeploymentHealthEvent event);

    /** The latest event per deployment id seen so far. */
    Map<String, DeploymentHealthEvent> snapshot();

    /** True once the bus has read the control topic up to where it ended at start. */
    boolean ready();

    @Override
    void close();

    /** Receives every health event read from the topic, in topic order per deployment. */
    @FunctionalInterface
    interface Listener {
        void onHealth(DeploymentHealthEvent event);
    }
}
