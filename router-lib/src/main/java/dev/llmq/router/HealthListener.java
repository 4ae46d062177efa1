package dev.llmq.router;

/** Told about local health changes, on the thread that caused them: must not block. */
@FunctionalInterface
public interface HealthListener {
    void onHealthEvent(DeploymentHealthEvent event);
}
