package dev.llmq.worker.health;

import dev.llmq.router.DeploymentHealthEvent;

/**
 * Shares deployment health between worker processes: when one worker cools a deployment down or opens its breaker,
 * the others learn it (within a poll, well under a second), and a worker that starts late learns the current state
 * before it reports {@link #ready()}.
 */
public interface HealthBus extends AutoCloseable {

    /** Publishes a health change this process saw (asynchronously; a failure is logged). */
    void publish(DeploymentHealthEvent event);

    /** True once the bus has read the shared state up to where it ended at start. */
    boolean ready();

    @Override
    void close();

    /** Receives the health changes other worker processes published (never this process's own), in order. */
    @FunctionalInterface
    interface Listener {
        /**
         * @param source the publishing worker instance
         * @param publishedAt when it was published, by the publisher's clock
         */
        void onRemoteHealth(DeploymentHealthEvent event, String source, java.time.Instant publishedAt);
    }
}
