package dev.llmq.router;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.router.internal.CooldownRule;
import dev.llmq.router.internal.LatencyWindow;
import dev.llmq.router.internal.MinuteCounter;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/** Health, limits and latency of one deployment in this process. Thread-safe. */
final class DeploymentState {

    private final Deployment deployment;
    private final HealthPolicy policy;
    private final Clock clock;
    private final CircuitBreaker breaker;
    private final Bulkhead bulkhead;
    private final Consumer<DeploymentHealthEvent> emit;
    private final DoubleSupplier processFraction;
    private final ProviderState provider;

    private Instant cooledUntil;
    private boolean localCooldown;
    private Instant openUntil;
    private boolean applyingRemote;
    private int inFlight;
    private final MinuteCounter minute = new MinuteCounter();
    private int successes;
    private int failures;
    private final Map<ErrorKind, Integer> failuresByKind = new EnumMap<>(ErrorKind.class);
    /** Seconds per output token, and seconds to the first token of streams. */
    private final LatencyWindow perToken;
    private final LatencyWindow ttft;
    /** The effective rpm/tpm limits for {@link #limitsFraction}, boxed once instead of per decision. */
    private double limitsFraction = Double.NaN;
    private Long rpmLimit;
    private Long tpmLimit;

    DeploymentState(Deployment deployment, HealthPolicy policy, Clock clock, int latencySamples, Duration latencyTtl,
                    Consumer<DeploymentHealthEvent> emit, DoubleSupplier processFraction, ProviderState provider) {
        this.deployment = deployment;
        this.provider = provider;
        this.processFraction = processFraction;
        this.policy = policy;
        this.clock = clock;
        this.perToken = new LatencyWindow(latencySamples, latencyTtl);
        this.ttft = new LatencyWindow(latencySamples, latencyTtl);
        this.emit = emit;
        this.breaker = CircuitBreaker.of(deployment.id(), CircuitBreakerConfig.custom()
                .clock(clock)
                .slidingWindow((int) policy.breakerWindow().toSeconds(), policy.breakerMinCalls(),
                        CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
                .failureRateThreshold(policy.breakerFailureRate())
                .waitDurationInOpenState(policy.breakerOpen())
                .permittedNumberOfCallsInHalfOpenState(1)
                .build());
        this.bulkhead = deployment.maxParallelRequests() == null ? null : Bulkhead.of(deployment.id(),
                BulkheadConfig.custom().maxConcurrentCalls(deployment.maxParallelRequests())
                        .maxWaitDuration(Duration.ZERO).build());
        breaker.getEventPublisher().onStateTransition(e -> onTransition(e.getStateTransition().getToState()));
    }

    Deployment deployment() {
        return deployment;
    }

    synchronized DeploymentSnapshot snapshot(double costPerToken) {
        return snapshot(costPerToken, clock.instant());
    }

    /** The state at {@code now}, read from this deployment's clock by the caller (once for a whole group). */
    synchronized DeploymentSnapshot snapshot(double costPerToken, Instant now) {
        roll(now);
        recoverIfDue(now);
        CircuitBreaker.State state = breaker.getState();
        boolean open = state == CircuitBreaker.State.OPEN && openUntil != null && !now.isAfter(openUntil)
                || state == CircuitBreaker.State.FORCED_OPEN;
        refreshLimits();
        return new DeploymentSnapshot(deployment, cooledUntil, open, inFlight, minute.requests(), minute.tokens(),
                rpmLimit, tpmLimit,
                perToken.average(now), ttft.average(now), costPerToken, provider.usage());
    }

    /** Takes every permission a call needs, or none: returns the cause when denied. */
    synchronized Rejection.Cause tryAcquire(long estimatedTokens) {
        Instant now = clock.instant();
        roll(now);
        recoverIfDue(now);
        if (cooledUntil != null) {
            return Rejection.Cause.COOLED_DOWN;
        }
        refreshLimits();
        if (!minute.requestFits(rpmLimit)) {
            return Rejection.Cause.RPM_LIMIT;
        }
        if (!minute.tokensFit(tpmLimit, estimatedTokens)) {
            return Rejection.Cause.TPM_LIMIT;
        }
        if (bulkhead != null && !bulkhead.tryAcquirePermission()) {
            return Rejection.Cause.PARALLEL_LIMIT;
        }
        if (!provider.tryAcquire(estimatedTokens)) {
            if (bulkhead != null) {
                bulkhead.releasePermission();
            }
            return Rejection.Cause.PROVIDER_LIMIT;
        }
        if (!breaker.tryAcquirePermission()) {
            provider.undo(estimatedTokens);
            if (bulkhead != null) {
                bulkhead.releasePermission();
            }
            return Rejection.Cause.CIRCUIT_OPEN;
        }
        minute.add(estimatedTokens);
        inFlight++;
        return null;
    }

    synchronized void onSuccess(Duration latency, ProviderResponse response, long estimatedTokens, boolean stream) {
        Instant now = clock.instant();
        roll(now);
        release();
        provider.release(response.usage().totalTokens() - estimatedTokens);
        breaker.onSuccess(latency.toNanos(), TimeUnit.NANOSECONDS);
        successes++;
        minute.correctTokens(response.usage().totalTokens() - estimatedTokens);
        long out = Math.max(1, response.usage().completionTokens());
        perToken.add(now, latency.toNanos() / 1e9 / out);
        if (stream && response.timeToFirstToken() != null) {
            ttft.add(now, response.timeToFirstToken().toNanos() / 1e9);
        }
    }

    /** Records a failed call and cools the deployment down when the rules say so. */
    synchronized void onFailure(Duration latency, ProviderError error, long estimatedTokens, boolean groupHasOthers) {
        Instant now = clock.instant();
        roll(now);
        release();
        provider.release(-estimatedTokens);
        minute.correctTokens(-estimatedTokens);
        if (!error.cooldown()) {
            breaker.releasePermission();
            return;
        }
        breaker.onError(latency.toNanos(), TimeUnit.NANOSECONDS, new IllegalStateException(error.kind().wire()));
        failures++;
        int failuresOfKind = failuresByKind.merge(error.kind(), 1, Integer::sum);
        CooldownRule.Decision cool = CooldownRule.decide(policy, error.kind(), error.httpStatus(), error.retryAfter(),
                new CooldownRule.Minute(successes, failures, failuresOfKind), groupHasOthers).orElse(null);
        if (cool != null) {
            String reason = cool.reason();
            Instant until = now.plus(cool.duration());
            if (cooledUntil == null || until.isAfter(cooledUntil)) {
                cooledUntil = until;
                localCooldown = true;
                emit.accept(new DeploymentHealthEvent(deployment.id(), DeploymentHealthEvent.State.COOLED, until,
                        reason));
            }
        }
    }

    /** Releases a permission without recording an outcome (the call never reached the provider). */
    synchronized void abandon(long estimatedTokens) {
        release();
        provider.undo(estimatedTokens);
        minute.removeRequest();
        minute.correctTokens(-estimatedTokens);
        breaker.releasePermission();
    }

    /** The cooldown and open breaker in force now, as events (for a process that starts late). */
    synchronized List<DeploymentHealthEvent> active() {
        Instant now = clock.instant();
        recoverIfDue(now);
        List<DeploymentHealthEvent> out = new ArrayList<>(2);
        if (cooledUntil != null) {
            out.add(new DeploymentHealthEvent(deployment.id(), DeploymentHealthEvent.State.COOLED, cooledUntil,
                    "cooling down"));
        }
        if (breaker.getState() == CircuitBreaker.State.OPEN && openUntil != null && !now.isAfter(openUntil)) {
            out.add(new DeploymentHealthEvent(deployment.id(), DeploymentHealthEvent.State.OPEN, openUntil,
                    "breaker open"));
        }
        return out;
    }

    synchronized void apply(DeploymentHealthEvent event) {
        applyingRemote = true;
        try {
            switch (event.state()) {
                case COOLED -> {
                    if (cooledUntil == null || event.until().isAfter(cooledUntil)) {
                        cooledUntil = event.until();
                        localCooldown = false;
                    }
                }
                case RECOVERED -> cooledUntil = null;
                case OPEN -> {
                    breaker.transitionToOpenStateUntil(event.until());
                    openUntil = event.until();
                }
                case CLOSED -> {
                    if (breaker.getState() != CircuitBreaker.State.CLOSED) {
                        breaker.transitionToClosedState();
                    }
                    openUntil = null;
                }
            }
        } finally {
            applyingRemote = false;
        }
    }

    private void onTransition(CircuitBreaker.State to) {
        Instant now = clock.instant();
        if (to == CircuitBreaker.State.OPEN) {
            if (!applyingRemote) {
                openUntil = now.plus(policy.breakerOpen());
                emit.accept(new DeploymentHealthEvent(deployment.id(), DeploymentHealthEvent.State.OPEN, openUntil,
                        "failure rate over " + policy.breakerFailureRate() + "%"));
            }
        } else if (to == CircuitBreaker.State.CLOSED && !applyingRemote) {
            openUntil = null;
            emit.accept(new DeploymentHealthEvent(deployment.id(), DeploymentHealthEvent.State.CLOSED, null,
                    "probe succeeded"));
        }
    }

    /** Re-derives the effective limits when the process fraction changed since the last call. */
    private void refreshLimits() {
        double fraction = processFraction.getAsDouble();
        if (Double.compare(fraction, limitsFraction) != 0) {
            rpmLimit = policy.share(deployment.rpm(), fraction);
            tpmLimit = policy.share(deployment.tpm(), fraction);
            limitsFraction = fraction;
        }
    }

    private void recoverIfDue(Instant now) {
        if (cooledUntil != null && !now.isBefore(cooledUntil)) {
            cooledUntil = null;
            if (localCooldown) {
                localCooldown = false;
                emit.accept(new DeploymentHealthEvent(deployment.id(), DeploymentHealthEvent.State.RECOVERED, null,
                        "cooldown over"));
            }
        }
    }

    private void release() {
        inFlight = Math.max(0, inFlight - 1);
        if (bulkhead != null) {
            bulkhead.onComplete();
        }
    }

    private void roll(Instant now) {
        if (minute.roll(now)) {
            successes = 0;
            failures = 0;
            failuresByKind.clear();
        }
    }
}
