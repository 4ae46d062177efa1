package dev.llmq.router;

import dev.llmq.provider.ErrorKind;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A deployment's Resilience4j circuit breaker (see {@link HealthPolicy}), driven through its permission API, and the
 * OPEN and CLOSED events its own transitions give other processes. Transitions that other processes reported are
 * applied without an echo. Not thread-safe: the owning {@link DeploymentState}'s lock guards it (Resilience4j reports
 * transitions in the thread that caused them).
 */
final class DeploymentBreaker {

    private final String deploymentId;
    private final HealthPolicy policy;
    private final Clock clock;
    private final Consumer<DeploymentHealthEvent> emit;
    private final CircuitBreaker breaker;
    /** End of the open period this process knows of (its own or another process's), or null. */
    private Instant openUntil;
    private boolean applyingRemote;

    DeploymentBreaker(String deploymentId, HealthPolicy policy, Clock clock, Consumer<DeploymentHealthEvent> emit) {
        this.deploymentId = deploymentId;
        this.policy = policy;
        this.clock = clock;
        this.emit = emit;
        this.breaker = CircuitBreaker.of(deploymentId, CircuitBreakerConfig.custom()
                .clock(clock)
                .slidingWindow((int) policy.breakerWindow().toSeconds(), policy.breakerMinCalls(),
                        CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
                .failureRateThreshold(policy.breakerFailureRate())
                .waitDurationInOpenState(policy.breakerOpen())
                .permittedNumberOfCallsInHalfOpenState(policy.breakerHalfOpenCalls())
                .build());
        breaker.getEventPublisher().onStateTransition(e -> onTransition(e.getStateTransition().getToState()));
    }

    /** Whether the breaker rejects calls at {@code now} (a snapshot's view; a probe may still be let through). */
    boolean open(Instant now) {
        CircuitBreaker.State state = breaker.getState();
        return state == CircuitBreaker.State.OPEN && openUntil != null && !now.isAfter(openUntil)
                || state == CircuitBreaker.State.FORCED_OPEN;
    }

    boolean tryAcquire() {
        return breaker.tryAcquirePermission();
    }

    /** Gives back a permission without an outcome (the call never counted). */
    void release() {
        breaker.releasePermission();
    }

    void onSuccess(Duration latency) {
        breaker.onSuccess(latency.toNanos(), TimeUnit.NANOSECONDS);
    }

    void onFailure(Duration latency, ErrorKind kind) {
        breaker.onError(latency.toNanos(), TimeUnit.NANOSECONDS, new IllegalStateException(kind.wire()));
    }

    /** The open period in force at {@code now} as an event, or null. */
    DeploymentHealthEvent active(Instant now) {
        if (breaker.getState() == CircuitBreaker.State.OPEN && openUntil != null && !now.isAfter(openUntil)) {
            return new DeploymentHealthEvent(deploymentId, DeploymentHealthEvent.State.OPEN, openUntil,
                    "breaker open");
        }
        return null;
    }

    /** Another process opened the breaker until {@code until}. */
    void applyOpen(Instant until) {
        applyingRemote = true;
        try {
            breaker.transitionToOpenStateUntil(until);
            openUntil = until;
        } finally {
            applyingRemote = false;
        }
    }

    /** Another process closed the breaker. */
    void applyClosed() {
        applyingRemote = true;
        try {
            if (breaker.getState() != CircuitBreaker.State.CLOSED) {
                breaker.transitionToClosedState();
            }
            openUntil = null;
        } finally {
            applyingRemote = false;
        }
    }

    private void onTransition(CircuitBreaker.State to) {
        Instant now = clock.instant();
        if (to == CircuitBreaker.State.OPEN) {
            if (!applyingRemote) {
                openUntil = now.plus(policy.breakerOpen());
                emit.accept(new DeploymentHealthEvent(deploymentId, DeploymentHealthEvent.State.OPEN, openUntil,
                        "failure rate over " + policy.breakerFailureRate() + "%"));
            }
        } else if (to == CircuitBreaker.State.CLOSED && !applyingRemote) {
            openUntil = null;
            emit.accept(new DeploymentHealthEvent(deploymentId, DeploymentHealthEvent.State.CLOSED, null,
                    "probe succeeded"));
        }
    }
}
