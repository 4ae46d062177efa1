package dev.llmq.router;

import dev.llmq.provider.ErrorKind;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * When a deployment cools down or its breaker opens.
 *
 * <p>Cooldown follows LiteLLM: a 429 cools at once when the group has another deployment (or asks, in Retry-After,
 * for longer than {@link #MAX_RETRY_AFTER_WAIT}: then for that long, at most an hour); 401 and 404 cool at
 * once; otherwise, in a group with another deployment, the per-kind {@code allowed_fails_policy} or
 * {@code allowed_fails} (failures in the current minute) when set, else more than {@code failureThreshold} of at least
 * {@code failureMinRequests} requests in the current minute failed. A cooldown lasts {@code cooldown_time}, else the
 * provider's Retry-After, else {@link #DEFAULT_COOLDOWN}. Client errors never cool; connection errors cool by the
 * failure-rate rules for the worker that saw them only (its network may be what failed), and never open the breaker.
 *
 * <p>The circuit breaker (Resilience4j, time-based window) is the guard for sustained failure, single-deployment
 * groups included: it opens when {@code breakerFailureRate}% of at least {@code breakerMinCalls} calls in
 * {@code breakerWindow} failed, stays open {@code breakerOpen}, then lets {@code breakerHalfOpenCalls} probe calls
 * through. All of these are configurable under {@code llmq.health}.
 *
 * @param limitShare fraction of each rpm/tpm limit the workers may use together; each process takes a part of it
 *                   ({@link DeploymentHealth#processFraction(double)})
 * @param disableCooldowns no failure cools a deployment down ({@code router_settings.disable_cooldowns}); failures
 *                         still count, and still open the breaker
 */
public record HealthPolicy(Integer allowedFails, Map<ErrorKind, Integer> allowedFailsPolicy, Duration cooldownTime,
                           int failureMinRequests, double failureThreshold, int breakerMinCalls,
                           float breakerFailureRate, Duration breakerWindow, Duration breakerOpen,
                           int breakerHalfOpenCalls, double limitShare, boolean disableCooldowns) {

    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(5);

    /**
     * The longest Retry-After a job waits for before calling the same deployment again (LiteLLM's 60 s); one longer
     * cools the deployment for that long, even a group's only one ({@code internal.CooldownRule}).
     */
    public static final Duration MAX_RETRY_AFTER_WAIT = Duration.ofSeconds(60);

    public HealthPolicy {
        allowedFailsPolicy = allowedFailsPolicy == null ? Map.of() : Map.copyOf(allowedFailsPolicy);
        Objects.requireNonNull(breakerWindow, "breakerWindow");
        Objects.requireNonNull(breakerOpen, "breakerOpen");
        if (failureMinRequests < 1 || breakerMinCalls < 1 || breakerWindow.toSeconds() < 1 || breakerHalfOpenCalls < 1) {
            throw new IllegalArgumentException(
                    "failureMinRequests, breakerMinCalls, breakerWindow and breakerHalfOpenCalls must be >= 1");
        }
        if (!(limitShare > 0 && limitShare <= 1)) {
            throw new IllegalArgumentException("limitShare must be in (0, 1]");
        }
    }

    /** A policy under which deployments cool down (no {@code disable_cooldowns}). */
    public HealthPolicy(Integer allowedFails, Map<ErrorKind, Integer> allowedFailsPolicy, Duration cooldownTime,
                        int failureMinRequests, double failureThreshold, int breakerMinCalls,
                        float breakerFailureRate, Duration breakerWindow, Duration breakerOpen,
                        int breakerHalfOpenCalls, double limitShare) {
        this(allowedFails, allowedFailsPolicy, cooldownTime, failureMinRequests, failureThreshold, breakerMinCalls,
                breakerFailureRate, breakerWindow, breakerOpen, breakerHalfOpenCalls, limitShare, false);
    }

    /** The policy with llmq's default {@code llmq.health} settings and the given worker share. */
    public static HealthPolicy of(RouterSettings s, double limitShare) {
        return of(s, new LlmqSettings(Map.of(), LlmqSettings.Topics.DEFAULTS, LlmqSettings.Ingest.DEFAULTS,
                new LlmqSettings.Worker(LlmqSettings.Worker.DEFAULTS.maxInFlight(), limitShare)));
    }

    /** The policy of a config: LiteLLM's router settings and llmq's {@code llmq.health} and worker share. */
    public static HealthPolicy of(RouterSettings s, LlmqSettings llmq) {
        LlmqSettings.Health h = llmq.health();
        return new HealthPolicy(s.allowedFails(), s.allowedFailsPolicy(), s.cooldownTime(), h.cooldownMinRequests(),
                h.cooldownFailureThreshold(), h.breakerMinCalls(), (float) h.breakerFailureRate(), h.breakerWindow(),
                h.breakerOpen(), h.breakerHalfOpenCalls(), llmq.worker().limitShare(), s.disableCooldowns());
    }

    /** The limit this process enforces: the configured one times the share, at least 1. */
    public Long share(Long limit) {
        return share(limit, 1.0);
    }

    /**
     * The limit this process enforces when it is one of several workers: the configured one times the share times
     * {@code processFraction} (e.g. 1/N for N live workers), at least 1.
     */
    public Long share(Long limit, double processFraction) {
        return limit == null ? null : Math.max(1L, (long) Math.floor(limit * limitShare * processFraction));
    }
}
