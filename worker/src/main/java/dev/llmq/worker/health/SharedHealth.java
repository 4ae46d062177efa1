package dev.llmq.worker.health;

import dev.llmq.router.DeploymentHealth;
import dev.llmq.router.DeploymentHealthEvent;
import dev.llmq.router.HealthListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects this process's {@link DeploymentHealth} to a {@link HealthBus} both ways: local cooldowns, open and
 * closed breakers and recoveries are published; other workers' events are applied (applying emits nothing, and the
 * bus drops this instance's own events, so nothing echoes).
 *
 * <p>Of the remote events, a cooldown or open breaker already over is skipped (a stale record replayed at start),
 * and a remote {@code RECOVERED} is not applied: a cooldown ends by itself at its {@code until} in every process, and
 * applying another worker's recovery would clear a longer cooldown this worker decided on its own.
 */
public final class SharedHealth implements HealthListener, HealthBus.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(SharedHealth.class);

    private final DeploymentHealth health;
    private final Clock clock;
    private final AtomicLong applied = new AtomicLong();
    private volatile HealthBus bus;
    private volatile Duration lastDelay;

    public SharedHealth(DeploymentHealth health, Clock clock) {
        this.health = Objects.requireNonNull(health, "health");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Starts publishing this process's health changes on {@code target}; call once. */
    public synchronized void publishTo(HealthBus target) {
        if (bus != null) {
            throw new IllegalStateException("already publishing");
        }
        bus = Objects.requireNonNull(target, "target");
        health.addListener(this);
    }

    @Override
    public void onHealthEvent(DeploymentHealthEvent event) {
        HealthBus target = bus;
        if (target != null) {
            target.publish(event);
        }
    }

    @Override
    public void onRemoteHealth(DeploymentHealthEvent event, String source, Instant publishedAt) {
        Instant now = clock.instant();
        boolean apply = switch (event.state()) {
            case COOLED, OPEN -> event.until().isAfter(now);
            case CLOSED -> true;
            case RECOVERED -> false;
        };
        if (!apply) {
            return;
        }
        health.apply(event);
        applied.incrementAndGet();
        lastDelay = Duration.between(publishedAt, now);
        LOG.info("deployment {} {}{} by {} ({} ms after it was published): {}", event.deploymentId(),
                event.state(), event.until() == null ? "" : " until " + event.until(), source, lastDelay.toMillis(),
                event.reason());
    }

    /** How many remote events this process applied. */
    public long applied() {
        return applied.get();
    }

    /** Time from publication to application of the last applied remote event, or null. */
    public Duration lastDelay() {
        return lastDelay;
    }
}
