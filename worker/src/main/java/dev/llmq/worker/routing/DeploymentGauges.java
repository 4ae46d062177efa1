package dev.llmq.worker.routing;

import dev.llmq.router.Deployment;
import dev.llmq.router.DeploymentSnapshot;
import dev.llmq.router.Router;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Gauges of every configured deployment's health and limits, read from the router's health at each scrape:
 * {@code llmq.deployment.health{model_group, deployment, state}} (1 for the deployment's state now, 0 for the other
 * two: {@code healthy}, {@code cooled} (a cooldown is in force), {@code open} (its circuit breaker rejects calls)) and
 * {@code llmq.deployment.remaining{deployment, limit}} (requests ({@code rpm}) or tokens ({@code tpm}) this process
 * may still send in the current minute; NaN without such a limit). A deployment that a reload removed reads NaN.
 */
public final class DeploymentGauges {

    /** The states of {@code llmq.deployment.health}. */
    public static final List<String> STATES = List.of("healthy", "cooled", "open");

    private final MeterRegistry registry;
    private final Router router;
    /** The (deployment id, model group) pairs whose health gauges are registered. */
    private final Set<List<String>> healthBound = new HashSet<>();
    /** The deployment ids whose remaining-limit gauges are registered. */
    private final Set<String> remainingBound = new HashSet<>();

    private DeploymentGauges(MeterRegistry registry, Router router) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.router = Objects.requireNonNull(router, "router");
    }

    /** Registers the gauges of the router's deployments; call {@link #sync()} after each reload. */
    public static DeploymentGauges bind(MeterRegistry registry, Router router) {
        DeploymentGauges gauges = new DeploymentGauges(registry, router);
        gauges.sync();
        return gauges;
    }

    /**
     * Registers the gauges of deployments added since, and returns how many it registered. Gauges already registered
     * are left alone (Micrometer warns when one is registered again): a deployment a reload kept, or removed and
     * brought back, is read through the router by its id. One moved to another model group gets health gauges under
     * the new group; the old group's read NaN.
     */
    public synchronized int sync() {
        int registered = 0;
        for (Deployment d : router.config().deployments()) {
            String id = d.id();
            String group = d.modelGroup();
            if (healthBound.add(List.of(id, group))) {
                for (String state : STATES) {
                    Gauge.builder("llmq.deployment.health", this,
                                    g -> g.read(id, group, s -> state.equals(state(s)) ? 1 : 0))
                            .description("1 for the deployment's health state now (healthy, cooled, open), else 0")
                            .tag("model_group", group).tag("deployment", id).tag("state", state)
                            .strongReference(true).register(registry);
                    registered++;
                }
            }
            if (remainingBound.add(id)) {
                Gauge.builder("llmq.deployment.remaining", this,
                                g -> g.read(id, null, s -> remaining(s.rpmLimit(), s.rpmUsed())))
                        .description("requests or tokens the deployment may still take this minute in this process")
                        .tag("deployment", id).tag("limit", "rpm").strongReference(true).register(registry);
                Gauge.builder("llmq.deployment.remaining", this,
                                g -> g.read(id, null, s -> remaining(s.tpmLimit(), s.tpmUsed())))
                        .description("requests or tokens the deployment may still take this minute in this process")
                        .tag("deployment", id).tag("limit", "tpm").strongReference(true).register(registry);
                registered += 2;
            }
        }
        return registered;
    }

    /** The state the health gauge reports for a snapshot. */
    static String state(DeploymentSnapshot s) {
        return s.circuitOpen() ? "open" : s.cooledUntil() != null ? "cooled" : "healthy";
    }

    private static double remaining(Long limit, long used) {
        return limit == null ? Double.NaN : Math.max(0, limit - used);
    }

    /** The value for the deployment {@code id} (of {@code group} unless null), NaN while no deployment matches. */
    private double read(String id, String group, ToDoubleFunction<DeploymentSnapshot> value) {
        for (Deployment d : router.config().deployments()) {
            if (d.id().equals(id) && (group == null || d.modelGroup().equals(group))) {
                return value.applyAsDouble(router.health().snapshot(d));
            }
        }
        return Double.NaN;
    }
}
