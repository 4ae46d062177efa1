package dev.llmq.router;

import dev.llmq.router.internal.MinuteCounter;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongUnaryOperator;

/**
 * The limits one provider shares over all its deployments in this process ({@code llmq.providers}): a Resilience4j
 * bulkhead of {@code max_parallel_requests} and per-minute rpm/tpm counters. One instance per provider name for the
 * life of the process, so in-flight calls and counters stay correct across reloads; a reload only changes the
 * limits. Calls are counted even while the provider has no limits, so limits added later see the calls in flight.
 * Thread-safe; a deployment's state takes this lock while holding its own (never the other way round).
 */
final class ProviderState {

    private final String provider;
    private final Clock clock;
    private final LongUnaryOperator scale;

    private LlmqSettings.ProviderLimits limits;
    private Bulkhead bulkhead;
    /** Calls in flight that hold no bulkhead permit (more were in flight than a lowered cap allows). */
    private int unpermitted;
    private int inFlight;
    private final MinuteCounter minute = new MinuteCounter();

    /**
     * @param scale the effective rpm/tpm limit of a configured one (limit share × process fraction)
     */
    ProviderState(String provider, LlmqSettings.ProviderLimits limits, Clock clock, LongUnaryOperator scale) {
        this.provider = provider;
        this.clock = clock;
        this.scale = scale;
        limits(limits);
    }

    String provider() {
        return provider;
    }

    /**
     * Applies new limits (null for none). A changed cap gets a new bulkhead that already counts the calls in flight;
     * calls beyond a lowered cap give back no permit when they end.
     */
    synchronized void limits(LlmqSettings.ProviderLimits next) {
        LlmqSettings.ProviderLimits n = next == null || !next.any() ? null : next;
        Integer oldMax = limits == null ? null : limits.maxParallelRequests();
        Integer newMax = n == null ? null : n.maxParallelRequests();
        limits = n;
        if (Objects.equals(oldMax, newMax)) {
            return;
        }
        bulkhead = newMax == null ? null : Bulkhead.of("provider-" + provider,
                BulkheadConfig.custom().maxConcurrentCalls(newMax).maxWaitDuration(Duration.ZERO).build());
        unpermitted = 0;
        for (int i = 0; i < inFlight; i++) {
            if (bulkhead == null || !bulkhead.tryAcquirePermission()) {
                unpermitted++;
            }
        }
    }

    synchronized LlmqSettings.ProviderLimits limits() {
        return limits;
    }

    /** The usage filters check, or null when the provider has no limits. */
    synchronized ProviderUsage usage() {
        if (limits == null) {
            return null;
        }
        roll();
        return new ProviderUsage(provider, inFlight, limits.maxParallelRequests(), minute.requests(),
                limit(limits.rpm()), minute.tokens(), limit(limits.tpm()));
    }

    /** Takes one call's share of every provider limit, or nothing: returns whether it was taken. */
    synchronized boolean tryAcquire(long estimatedTokens) {
        roll();
        if (limits != null && (!minute.requestFits(limit(limits.rpm()))
                || !minute.tokensFit(limit(limits.tpm()), estimatedTokens))) {
            return false;
        }
        if (bulkhead != null && !bulkhead.tryAcquirePermission()) {
            return false;
        }
        if (bulkhead == null) {
            unpermitted++;
        }
        minute.add(estimatedTokens);
        inFlight++;
        return true;
    }

    /** Ends a call in flight (success, failure, stream end) and corrects its tokens by {@code tokenDelta}. */
    synchronized void release(long tokenDelta) {
        roll();
        inFlight = Math.max(0, inFlight - 1);
        if (unpermitted > 0) {
            unpermitted--;
        } else if (bulkhead != null) {
            bulkhead.onComplete();
        }
        minute.correctTokens(tokenDelta);
    }

    /** Gives back everything a call took: it never reached the provider. */
    synchronized void undo(long estimatedTokens) {
        release(-estimatedTokens);
        minute.removeRequest();
    }

    synchronized int inFlight() {
        return inFlight;
    }

    private Long limit(Long configured) {
        return configured == null ? null : scale.applyAsLong(configured);
    }

    private void roll() {
        minute.roll(clock.instant());
    }
}
