package dev.llmq.router;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.router.internal.LatencyWindow;
import dev.llmq.router.internal.MinuteCounter;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * Health, limits and latency of one deployment in this process: a composition of its breaker, cooldown, bulkhead,
 * per-minute counter and latency samples, plus its provider's shared limits. Thread-safe: every part is guarded by
 * this object's lock (the provider's lock is taken inside it, never the other way round).
 */
final class DeploymentState {

    private final Deployment deployment;
    private final HealthPolicy policy;
    private final Clock clock;
    private final DoubleSupplier processFraction;
    private final ProviderState provider;
    private final DeploymentBreaker breaker;
    private final CooldownState cooldown;
    /** {@code max_parallel_requests}, or null. */
    private final Bulkhead bulkhead;
    private final MinuteCounter minute = new MinuteCounter();
    /** Seconds per output token, and seconds to the first token of streams. */
    private final LatencyWindow perToken;
    private final LatencyWindow ttft;
    private int inFlight;
    /** The effective rpm/tpm limits for {@link #limitsFraction}, boxed once instead of per decision. */
    private double limitsFraction = Double.NaN;
    private Long rpmLimit;
    private Long tpmLimit;

    DeploymentState(Deployment deployment, HealthPolicy policy, Clock clock, int latencySamples, Duration latencyTtl,
                    Consumer<DeploymentHealthEvent> emit, DoubleSupplier processFraction, ProviderState provider) {
        this.deployment = deployment;
        this.policy = policy;
        this.clock = clock;
        this.processFraction = processFraction;
        this.provider = provider;
        this.breaker = new DeploymentBreaker(deployment.id(), policy, clock, emit);
        this.cooldown = new CooldownState(deployment.id(), policy, emit);
        this.bulkhead = deployment.maxParallelRequests() == null ? null : Bulkhead.of(deployment.id(),
                BulkheadConfig.custom().maxConcurrentCalls(deployment.maxParallelRequests())
                        .maxWaitDuration(Duration.ZERO).build());
        this.perToken = new LatencyWindow(latencySamples, latencyTtl);
        this.ttft = new LatencyWindow(latencySamples, latencyTtl);
    }

    Deployment deployment() {
        return deployment;
    }

    /**
     * Takes over what must outlive a config reload from {@code old}, the state this one replaces (the deployment's
     * settings or the health settings changed): its cooldown, an open breaker (until when it was to close) and this
     * minute's request and token counts, so a reload neither lets calls through to a deployment that was held back
     * nor past its rpm/tpm. Calls in flight stay counted on the state they took their permissions from; the breaker's
     * window of outcomes and the latency samples start afresh. Before this state is shared.
     */
    void inheritFrom(DeploymentState old) {
        synchronized (old) {
            Instant now = clock.instant();
            old.roll(now);
            old.cooldown.recoverIfDue(now);
            cooldown.inherit(old.cooldown);
            DeploymentHealthEvent open = old.breaker.active(now);
            if (open != null) {
                breaker.applyOpen(open.until());
            }
            minute.copyFrom(old.minute);
        }
    }

    synchronized DeploymentSnapshot snapshot(double costPerToken, Integer contextWindow) {
        return snapshot(costPerToken, contextWindow, clock.instant());
    }

    /** The state at {@code now}, read from this deployment's clock by the caller (once for a whole group). */
    synchronized DeploymentSnapshot snapshot(double costPerToken, Integer contextWindow, Instant now) {
        roll(now);
        cooldown.recoverIfDue(now);
        boolean open = breaker.open(now);
        refreshLimits();
        return new DeploymentSnapshot(deployment, cooldown.until(), open, inFlight, minute.requests(),
                minute.tokens(), rpmLimit, tpmLimit, perToken.average(now), ttft.average(now), costPerToken,
                provider.usage(), contextWindow);
    }

    /** Takes every permission a call needs, or none: returns the cause when denied. */
    synchronized Rejection.Cause tryAcquire(long estimatedTokens) {
        Instant now = clock.instant();
        roll(now);
        cooldown.recoverIfDue(now);
        if (cooldown.until() != null) {
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
            releaseBulkhead();
            return Rejection.Cause.PROVIDER_LIMIT;
        }
        if (!breaker.tryAcquire()) {
            provider.undo(estimatedTokens);
            releaseBulkhead();
            return Rejection.Cause.CIRCUIT_OPEN;
        }
        minute.add(estimatedTokens);
        inFlight++;
        return null;
    }

    synchronized void onSuccess(Duration latency, ProviderResponse response, long estimatedTokens, boolean stream) {
        Instant now = clock.instant();
        roll(now);
        endCall();
        long tokenDelta = response.usage().totalTokens() - estimatedTokens;
        provider.release(tokenDelta);
        breaker.onSuccess(latency);
        cooldown.onSuccess();
        minute.correctTokens(tokenDelta);
        perToken.add(now, latency.toNanos() / 1e9 / Math.max(1, response.usage().completionTokens()));
        if (stream && response.timeToFirstToken() != null) {
            ttft.add(now, response.timeToFirstToken().toNanos() / 1e9);
        }
    }

    /** Records a failed call and cools the deployment down when the rules say so. */
    synchronized void onFailure(Duration latency, ProviderError error, long estimatedTokens, boolean groupHasOthers) {
        Instant now = clock.instant();
        roll(now);
        endCall();
        provider.release(-estimatedTokens);
        minute.correctTokens(-estimatedTokens);
        if (!error.cooldown()) {
            breaker.release();
            if (error.kind() == ErrorKind.CONNECTION_ERROR) {
                cooldown.onFailure(now, error, groupHasOthers); // cools this worker's view only (CooldownRule)
            }
            return;
        }
        breaker.onFailure(latency, error.kind());
        cooldown.onFailure(now, error, groupHasOthers);
    }

    /** Releases a permission without recording an outcome (the call never reached the provider). */
    synchronized void abandon(long estimatedTokens) {
        endCall();
        provider.undo(estimatedTokens);
        minute.removeRequest();
        minute.correctTokens(-estimatedTokens);
        breaker.release();
    }

    /** The cooldown and open breaker in force now, as events (for a process that starts late). */
    synchronized List<DeploymentHealthEvent> active() {
        Instant now = clock.instant();
        cooldown.recoverIfDue(now);
        List<DeploymentHealthEvent> out = new ArrayList<>(2);
        DeploymentHealthEvent cooled = cooldown.active();
        if (cooled != null) {
            out.add(cooled);
        }
        DeploymentHealthEvent open = breaker.active(now);
        if (open != null) {
            out.add(open);
        }
        return out;
    }

    /** Applies what another process saw, without emitting anything. */
    synchronized void apply(DeploymentHealthEvent event) {
        switch (event.state()) {
            case COOLED -> cooldown.applyCooled(event.until());
            case RECOVERED -> cooldown.applyRecovered();
            case OPEN -> breaker.applyOpen(event.until());
            case CLOSED -> breaker.applyClosed();
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

    private void roll(Instant now) {
        if (minute.roll(now)) {
            cooldown.newMinute();
        }
    }

    /** Ends a call in flight: its bulkhead permit and count. */
    private void endCall() {
        inFlight = Math.max(0, inFlight - 1);
        if (bulkhead != null) {
            bulkhead.onComplete();
        }
    }

    private void releaseBulkhead() {
        if (bulkhead != null) {
            bulkhead.releasePermission();
        }
    }
}
