package dev.llmq.router;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderResponse;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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
    private final int latencySamples;
    private final Duration latencyTtl;
    private final CircuitBreaker breaker;
    private final Bulkhead bulkhead;
    private final Consumer<DeploymentHealthEvent> emit;
    private final DoubleSupplier processFraction;

    private Instant cooledUntil;
    private boolean localCooldown;
    private Instant openUntil;
    private boolean applyingRemote;
    private int inFlight;
    private long minute = Long.MIN_VALUE;
    private long rpmUsed;
    private long tpmUsed;
    private int successes;
    private int failures;
    private final Map<ErrorKind, Integer> failuresByKind = new EnumMap<>(ErrorKind.class);
    private final Deque<double[]> perToken = new ArrayDeque<>();
    private final Deque<double[]> ttft = new ArrayDeque<>();

    DeploymentState(Deployment deployment, HealthPolicy policy, Clock clock, int latencySamples, Duration latencyTtl,
                    Consumer<DeploymentHealthEvent> emit, DoubleSupplier processFraction) {
        this.deployment = deployment;
        this.processFraction = processFraction;
        this.policy = policy;
        this.clock = clock;
        this.latencySamples = latencySamples;
        this.latencyTtl = latencyTtl;
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
        Instant now = clock.instant();
        roll(now);
        recoverIfDue(now);
        boolean open = breaker.getState() == CircuitBreaker.State.OPEN && openUntil != null && !now.isAfter(openUntil)
                || breaker.getState() == CircuitBreaker.State.FORCED_OPEN;
        return new DeploymentSnapshot(deployment, cooledUntil, open, inFlight, rpmUsed, tpmUsed,
                limit(deployment.rpm()), limit(deployment.tpm()), average(perToken, now),
                average(ttft, now), costPerToken);
    }

    /** Takes every permission a call needs, or none: returns the cause when denied. */
    synchronized Rejection.Cause tryAcquire(long estimatedTokens) {
        Instant now = clock.instant();
        roll(now);
        recoverIfDue(now);
        if (cooledUntil != null) {
            return Rejection.Cause.COOLED_DOWN;
        }
        Long rpm = limit(deployment.rpm());
        if (rpm != null && rpmUsed + 1 > rpm) {
            return Rejection.Cause.RPM_LIMIT;
        }
        Long tpm = limit(deployment.tpm());
        if (tpm != null && tpmUsed + estimatedTokens > tpm) {
            return Rejection.Cause.TPM_LIMIT;
        }
        if (bulkhead != null && !bulkhead.tryAcquirePermission()) {
            return Rejection.Cause.PARALLEL_LIMIT;
        }
        if (!breaker.tryAcquirePermission()) {
            if (bulkhead != null) {
                bulkhead.releasePermission();
            }
            return Rejection.Cause.CIRCUIT_OPEN;
        }
        rpmUsed++;
        tpmUsed += estimatedTokens;
        inFlight++;
        return null;
    }

    synchronized void onSuccess(Duration latency, ProviderResponse response, long estimatedTokens, boolean stream) {
        Instant now = clock.instant();
        roll(now);
        release();
        breaker.onSuccess(latency.toNanos(), TimeUnit.NANOSECONDS);
        successes++;
        tpmUsed = Math.max(0, tpmUsed + response.usage().totalTokens() - estimatedTokens);
        long out = Math.max(1, response.usage().completionTokens());
        add(perToken, now, latency.toNanos() / 1e9 / out);
        if (stream && response.timeToFirstToken() != null) {
            add(ttft, now, response.timeToFirstToken().toNanos() / 1e9);
        }
    }

    /** Records a failed call and cools the deployment down when the rules say so. */
    synchronized void onFailure(Duration latency, ProviderError error, long estimatedTokens, boolean groupHasOthers) {
        Instant now = clock.instant();
        roll(now);
        release();
        tpmUsed = Math.max(0, tpmUsed - estimatedTokens);
        if (!error.cooldown()) {
            breaker.releasePermission();
            return;
        }
        breaker.onError(latency.toNanos(), TimeUnit.NANOSECONDS, new IllegalStateException(error.kind().wire()));
        failures++;
        failuresByKind.merge(error.kind(), 1, Integer::sum);
        String reason = coolReason(error, groupHasOthers);
        if (reason != null) {
            Duration d = policy.cooldownTime() != null ? policy.cooldownTime()
                    : error.retryAfter() != null ? error.retryAfter() : HealthPolicy.DEFAULT_COOLDOWN;
            Instant until = now.plus(d);
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
        rpmUsed = Math.max(0, rpmUsed - 1);
        tpmUsed = Math.max(0, tpmUsed - estimatedTokens);
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

    private String coolReason(ProviderError error, boolean groupHasOthers) {
        ErrorKind kind = error.kind();
        String status = error.httpStatus() > 0 ? " (" + error.httpStatus() + ")" : "";
        if (kind == ErrorKind.RATE_LIMITED || kind == ErrorKind.QUOTA_EXHAUSTED || error.httpStatus() == 429) {
            return groupHasOthers ? kind.wire() + status : null;
        }
        if (kind == ErrorKind.AUTHENTICATION || kind == ErrorKind.NOT_FOUND || error.httpStatus() == 401
                || error.httpStatus() == 404) {
            return kind.wire() + status;
        }
        if (!groupHasOthers) {
            return null;
        }
        Integer perKind = policy.allowedFailsPolicy().get(kind);
        if (perKind != null) {
            int n = failuresByKind.getOrDefault(kind, 0);
            return n > perKind ? n + " " + kind.wire() + " failures this minute > allowed " + perKind : null;
        }
        if (policy.allowedFails() != null) {
            return failures > policy.allowedFails()
                    ? failures + " failures this minute > allowed_fails " + policy.allowedFails() : null;
        }
        int total = failures + successes;
        if (total >= policy.failureMinRequests() && failures > policy.failureThreshold() * total) {
            return failures + " of " + total + " requests failed this minute";
        }
        return null;
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

    private Long limit(Long configured) {
        return policy.share(configured, processFraction.getAsDouble());
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
        long m = Math.floorDiv(now.getEpochSecond(), 60);
        if (m != minute) {
            minute = m;
            rpmUsed = 0;
            tpmUsed = 0;
            successes = 0;
            failures = 0;
            failuresByKind.clear();
        }
    }

    private void add(Deque<double[]> window, Instant now, double value) {
        window.addLast(new double[] {now.toEpochMilli(), value});
        while (window.size() > latencySamples) {
            window.removeFirst();
        }
    }

    private double average(Deque<double[]> window, Instant now) {
        long oldest = now.minus(latencyTtl).toEpochMilli();
        while (!window.isEmpty() && window.peekFirst()[0] < oldest) {
            window.removeFirst();
        }
        return window.stream().mapToDouble(s -> s[1]).average().orElse(Double.NaN);
    }
}
