package dev.llmq.router;

import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health of every deployment in this process: circuit breaker, cooldown, bulkhead, rpm/tpm counters and
 * latency samples, keyed by deployment id. Local changes go to {@link HealthListener}s; changes seen by other
 * processes come in through {@link #apply}.
 */
public final class DeploymentHealth {

    private static final Logger LOG = LoggerFactory.getLogger(DeploymentHealth.class);

    private final Clock clock;
    private final PriceLookup prices;
    private final List<HealthListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, DeploymentState> states = new ConcurrentHashMap<>();
    private final Map<String, ProviderState> providers = new ConcurrentHashMap<>();
    private volatile HealthPolicy policy;
    private volatile RouterSettings settings;
    private volatile double processFraction = 1.0;

    public DeploymentHealth(Collection<Deployment> deployments, RouterSettings settings, HealthPolicy policy,
                            Clock clock, PriceLookup prices) {
        this(deployments, settings, policy, Map.of(), clock, prices);
    }

    /**
     * @param providerLimits {@code llmq.providers}: limits shared by every deployment of a provider, by provider name
     */
    public DeploymentHealth(Collection<Deployment> deployments, RouterSettings settings, HealthPolicy policy,
                            Map<String, LlmqSettings.ProviderLimits> providerLimits, Clock clock,
                            PriceLookup prices) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.prices = Objects.requireNonNull(prices, "prices");
        sync(deployments, settings, policy, providerLimits);
    }

    /**
     * Sets the fraction of each deployment's rpm/tpm limit share ({@code limit_share}) this process takes, e.g. 1/N
     * while N workers run, so that the limits hold for the whole cluster. Takes effect at once and keeps every
     * deployment's state and counters.
     *
     * @param fraction in (0, 1]
     */
    public void processFraction(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
        }
        this.processFraction = fraction;
    }

    public double processFraction() {
        return processFraction;
    }

    public void addListener(HealthListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Brings the states in line with a new deployment list: unchanged deployments (same id, equal record, same
     * policy) keep their state; when only the health settings changed, an unchanged deployment gets a state under the
     * new settings that goes on with the old one's cooldown, open breaker and this minute's counts
     * ({@link DeploymentState#inheritFrom}); changed deployments start fresh (an edit may have fixed what failed: a
     * key, an endpoint), as do new ones; removed ones are dropped. Calls in flight keep the state they acquired from.
     */
    public synchronized void sync(Collection<Deployment> deployments, RouterSettings newSettings,
                                  HealthPolicy newPolicy) {
        sync(deployments, newSettings, newPolicy, null);
    }

    /**
     * Like {@link #sync(Collection, RouterSettings, HealthPolicy)}, and applies new provider limits. A provider keeps
     * its calls in flight and this minute's counters whatever its limits become, so a reload never lets more calls
     * through than the (new) cap.
     *
     * @param providerLimits the new {@code llmq.providers}, or null to keep the current ones
     */
    public synchronized void sync(Collection<Deployment> deployments, RouterSettings newSettings,
                                  HealthPolicy newPolicy, Map<String, LlmqSettings.ProviderLimits> providerLimits) {
        if (providerLimits != null) {
            for (Map.Entry<String, ProviderState> e : providers.entrySet()) {
                e.getValue().limits(providerLimits.get(e.getKey()));
            }
            providerLimits.forEach((name, limits) -> provider(name).limits(limits));
        }
        boolean samePolicy = newPolicy.equals(policy) && settings != null
                && settings.maxLatencyListSize() == newSettings.maxLatencyListSize()
                && settings.latencyTtl().equals(newSettings.latencyTtl());
        this.policy = newPolicy;
        this.settings = newSettings;
        Map<String, DeploymentState> keep = new ConcurrentHashMap<>();
        for (Deployment d : deployments) {
            DeploymentState old = states.get(d.id());
            if (samePolicy && old != null && old.deployment().equals(d)) {
                keep.put(d.id(), old);
                continue;
            }
            DeploymentState fresh = newState(d);
            if (old != null && old.deployment().equals(d)) {
                fresh.inheritFrom(old); // only the health settings changed: its cooldown, breaker and counts go on
            }
            keep.put(d.id(), fresh);
        }
        states.keySet().retainAll(keep.keySet());
        states.putAll(keep);
    }

    public DeploymentSnapshot snapshot(Deployment d) {
        return state(d).snapshot(costPerToken(d), contextWindow(d));
    }

    /** Snapshots of the deployments, in their order, all taken at one reading of the clock. */
    public List<DeploymentSnapshot> snapshots(List<Deployment> deployments) {
        Instant now = clock.instant();
        DeploymentSnapshot[] out = new DeploymentSnapshot[deployments.size()];
        for (int i = 0; i < out.length; i++) {
            Deployment d = deployments.get(i);
            out[i] = state(d).snapshot(costPerToken(d), contextWindow(d), now);
        }
        return java.util.Collections.unmodifiableList(java.util.Arrays.asList(out));
    }

    /**
     * Takes the permissions for one call (cooldown, rpm, tpm, bulkhead, breaker), or none.
     *
     * @return the permit, or null with the cause in {@code denied[0]}
     */
    Permit tryAcquire(Deployment d, long estimatedTokens, boolean stream, Rejection.Cause[] denied) {
        DeploymentState s = state(d);
        Rejection.Cause cause = s.tryAcquire(estimatedTokens);
        if (cause != null) {
            denied[0] = cause;
            return null;
        }
        return new Permit(s, estimatedTokens, stream);
    }

    /**
     * The usage of a provider's shared limits now, or null when it has none (for diagnostics and tests).
     */
    public ProviderUsage providerUsage(String provider) {
        ProviderState p = providers.get(provider);
        return p == null ? null : p.usage();
    }

    /** Calls in flight on every deployment of a provider in this process. */
    public int providerInFlight(String provider) {
        ProviderState p = providers.get(provider);
        return p == null ? 0 : p.inFlight();
    }

    /** Applies a health change another process saw. Emits nothing (no echo). Unknown ids are ignored. */
    public void apply(DeploymentHealthEvent event) {
        DeploymentState s = states.get(event.deploymentId());
        if (s != null) {
            s.apply(event);
        }
    }

    /**
     * Every cooldown and open breaker in force now, as events: what a worker publishes so that a process starting
     * later learns the current state.
     */
    public List<DeploymentHealthEvent> activeEvents() {
        return states.values().stream().flatMap(s -> s.active().stream()).toList();
    }

    /** The earliest instant a cooled or open deployment of the list becomes eligible again, or null. */
    Instant earliestRecovery(List<Deployment> deployments) {
        Instant now = clock.instant();
        Instant best = null;
        for (DeploymentSnapshot s : snapshots(deployments)) {
            Instant t = s.cooledUntil();
            if (t != null && t.isAfter(now) && (best == null || t.isBefore(best))) {
                best = t;
            }
        }
        return best;
    }

    HealthPolicy policy() {
        return policy;
    }

    private DeploymentState state(Deployment d) {
        DeploymentState s = states.get(d.id());
        if (s != null && (s.deployment() == d || s.deployment().equals(d))) {
            return s;
        }
        // a deployment from before a reload, still finishing a job: a detached state
        return newState(d);
    }

    private DeploymentState newState(Deployment d) {
        return new DeploymentState(d, policy, clock, settings.maxLatencyListSize(), settings.latencyTtl(),
                this::emit, this::processFraction, provider(d.provider()));
    }

    /** The one state of a provider, for the life of this registry (a bounded set: provider names llmq knows). */
    private ProviderState provider(String name) {
        return providers.computeIfAbsent(name, n -> new ProviderState(n, null, clock,
                limit -> policy.share(limit, processFraction)));
    }

    private double costPerToken(Deployment d) {
        if (d.inputCostPerToken() != null || d.outputCostPerToken() != null) {
            return (d.inputCostPerToken() == null ? 0 : d.inputCostPerToken())
                    + (d.outputCostPerToken() == null ? 0 : d.outputCostPerToken());
        }
        OptionalDouble p = prices.costPerToken(d);
        return p.isPresent() ? p.getAsDouble() : Double.NaN;
    }

    /**
     * The deployment's {@code max_input_tokens}, else (only read with pre-call checks on, the one reader) the price
     * table's for its model; null when neither says.
     */
    private Integer contextWindow(Deployment d) {
        return d.maxInputTokens() != null || !settings.enablePreCallChecks() ? d.maxInputTokens()
                : prices.maxInputTokens(d);
    }

    private void emit(DeploymentHealthEvent event) {
        LOG.info("deployment {} {}{}: {}", event.deploymentId(), event.state(),
                event.until() == null ? "" : " until " + event.until(), event.reason());
        for (HealthListener l : listeners) {
            try {
                l.onHealthEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("health listener failed on {}", event, e);
            }
        }
    }

    /** The permissions of one call in flight; report its outcome exactly once. */
    static final class Permit {
        private final DeploymentState state;
        private final long estimatedTokens;
        private final boolean stream;

        private Permit(DeploymentState state, long estimatedTokens, boolean stream) {
            this.state = state;
            this.estimatedTokens = estimatedTokens;
            this.stream = stream;
        }

        void success(Duration latency, ProviderResponse response) {
            state.onSuccess(latency, response, estimatedTokens, stream);
        }

        void failure(Duration latency, ProviderError error, boolean groupHasOthers) {
            state.onFailure(latency, error, estimatedTokens, groupHasOthers);
        }

        void abandon() {
            state.abandon(estimatedTokens);
        }
    }
}
