package dev.llmq.router;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes jobs over the deployments of their model group: picks a deployment with the configured strategy, calls
 * it through the worker's {@link AttemptCall}, retries and falls back on failure, and keeps deployment health.
 * Thread-safe; one instance per process, shared by every job.
 */
public final class Router {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final Clock clock;
    private final RandomGenerator random;
    private final Sleeper sleeper;
    private final DeploymentHealth health;
    private final DeploymentBudgets budgets;
    private volatile View view;

    /** What one config means for routing; replaced as a whole on reload. */
    record View(LlmqConfig config, Map<String, List<Deployment>> groups, Set<String> jobModels) {
        static View of(LlmqConfig config) {
            Map<String, List<Deployment>> groups = new LinkedHashMap<>();
            for (Deployment d : config.deployments()) {
                groups.computeIfAbsent(d.modelGroup(), g -> new ArrayList<>()).add(d);
            }
            groups.replaceAll((g, ds) -> List.copyOf(ds));
            // once per config: the ingest next to this router asks for them on every submission
            return new View(config, java.util.Collections.unmodifiableMap(groups), config.jobModels());
        }

        RouterSettings settings() {
            return config.router();
        }
    }

    /** A router that sleeps on the calling thread between attempts and has no price table. */
    public Router(LlmqConfig config, Clock clock, RandomGenerator random) {
        this(config, clock, random, Sleeper.THREAD, PriceLookup.NONE);
    }

    /**
     * @param random used under a lock, so any generator works (e.g. a seeded {@code SplittableRandom})
     * @param prices prices for cost-based routing when a deployment has no price override
     */
    public Router(LlmqConfig config, Clock clock, RandomGenerator random, Sleeper sleeper, PriceLookup prices) {
        this(config, clock, random, sleeper, prices, DeploymentBudgets.NONE);
    }

    /**
     * @param budgets which deployments a spend budget stops now: they are not picked, and a job that finds only such
     *        deployments waits for the earliest reset (within {@code llmq.worker.max_queue_wait} and its deadline)
     */
    public Router(LlmqConfig config, Clock clock, RandomGenerator random, Sleeper sleeper, PriceLookup prices,
                  DeploymentBudgets budgets) {
        this.budgets = Objects.requireNonNull(budgets, "budgets");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.view = View.of(config);
        this.health = new DeploymentHealth(config.deployments(), config.router(),
                HealthPolicy.of(config.router(), config.llmq()), config.llmq().providers(),
                clock, prices);
    }

    /** The names jobs may give as their model (for ingest validation): the model groups and their aliases. */
    public Set<String> modelGroups() {
        return view.jobModels();
    }

    public LlmqConfig config() {
        return view.config();
    }

    /** The health registry: add listeners, apply events from other processes. */
    public DeploymentHealth health() {
        return health;
    }

    /**
     * Decides where a job would go now, without calling anything or taking permissions (for diagnostics and
     * benchmarks).
     */
    public Selection select(RouteRequest request) {
        View v = view;
        List<Deployment> ds = v.groups().get(v.settings().modelGroupOf(request.modelGroup()));
        if (ds == null) {
            return new Selection.NoneAvailable(List.of(new Rejection(request.modelGroup(),
                    Rejection.Cause.UNKNOWN_MODEL_GROUP, "model group is not configured")));
        }
        Filters.Result fr = Filters.apply(request, health.snapshots(ds), v.settings().enablePreCallChecks(),
                v.settings().enableTagFiltering(), clock.instant(), budgets);
        Selection s = pick(v.settings(), request, fr.eligible());
        if (s instanceof Selection.NoneAvailable none) {
            List<Rejection> all = new ArrayList<>(fr.rejections());
            all.addAll(none.rejections());
            return new Selection.NoneAvailable(all);
        }
        return s;
    }

    /**
     * Runs one job's attempts: at most {@code 1 + num_retries} attempts in a model group, and one attempt budget of
     * {@code 1 + num_retries + (number of fallback groups)} for the whole job. Blocks the calling (virtual) thread,
     * sleeping through the injected {@link Sleeper} between attempts.
     */
    public RoutedOutcome execute(RouteRequest request, AttemptCall call) {
        return execute(request, call, WaitHook.NONE);
    }

    /** As {@link #execute(RouteRequest, AttemptCall)}, with every wait between attempts going through {@code waits}. */
    public RoutedOutcome execute(RouteRequest request, AttemptCall call, WaitHook waits) {
        return new Execution(this, request, call, java.util.Objects.requireNonNull(waits, "waits")).run();
    }

    /**
     * Applies a new config: added, removed and changed deployments take effect for the next attempt; unchanged
     * deployments keep their health and counters; calls in flight finish on their deployment.
     */
    public void reload(LlmqConfig config) {
        View next = View.of(config);
        health.sync(config.deployments(), config.router(),
                HealthPolicy.of(config.router(), config.llmq()), config.llmq().providers());
        view = next;
        LOG.info("router reloaded: {} deployments in {} model groups", config.deployments().size(),
                next.groups().size());
    }

    View view() {
        return view;
    }

    Clock clock() {
        return clock;
    }

    DeploymentBudgets budgets() {
        return budgets;
    }

    /** The earliest reset of a budget that stops one of {@code ds} at {@code now}, or null when none is stopped. */
    Instant earliestBudgetReset(List<Deployment> ds, Instant now) {
        Instant earliest = null;
        for (Deployment d : ds) {
            DeploymentBudgets.Exhausted e = budgets.exhausted(d.id(), now);
            if (e != null && (earliest == null || e.resetsAt().isBefore(earliest))) {
                earliest = e.resetsAt();
            }
        }
        return earliest;
    }

    Sleeper sleeper() {
        return sleeper;
    }

    double nextRandom() {
        synchronized (random) {
            return random.nextDouble();
        }
    }

    Selection pick(RouterSettings settings, RouteRequest request, List<DeploymentSnapshot> eligible) {
        synchronized (random) {
            return Strategies.select(settings.routingStrategy(), request, eligible, random,
                    settings.lowestLatencyBuffer());
        }
    }
}
