package dev.llmq.bench.jmh;

import dev.llmq.router.Deployment;
import dev.llmq.router.DeploymentSnapshot;
import dev.llmq.router.Filters;
import dev.llmq.router.RoutingStrategy;
import dev.llmq.router.Selection;
import dev.llmq.router.Strategies;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routing decision time with {@value RoutingFixture#DEPLOYMENTS} deployments in one model group, per strategy
 * (issue 4, "Measure"). The router state is the one {@link RoutingFixture} builds: primed through the router's own
 * API with a fixed clock and seeded randomness.
 *
 * <ul>
 *   <li>{@link #route}: {@code Router.select} — what a worker pays per attempt before calling a provider: a snapshot
 *       of every deployment of the group (lock, minute roll, latency averages, price), the filters (tags, context
 *       window, cooldown, breaker, rpm/tpm, bulkhead, order tier), then the strategy. Side-effect free, so every
 *       invocation sees the same state.</li>
 *   <li>{@link #strategyOnly}: {@code Strategies.select} alone, over the eligible snapshots the filters produced
 *       once in setup — the strategy's own share of {@link #route}.</li>
 *   <li>{@link #snapshotsOnly}: {@code DeploymentHealth.snapshots} of the group alone — the state reads of
 *       {@link #route}. Like {@link #filtersOnly} it does not depend on the strategy, so neither is
 *       parameterised.</li>
 *   <li>{@link #filtersOnly}: {@code Filters.apply} alone over the group's snapshots.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar RoutingBenchmark -prof gc}; {@code gc.alloc.rate.norm} is the
 * allocation per decision in bytes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark { // not final: JMH generates subclasses

    private static final long SEED = 42;

    /** A primed router with one strategy, and the eligible snapshots of its group for the strategy alone. */
    @State(Scope.Benchmark)
    public static class PerStrategy {

        @Param({"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing",
                "cost-based-routing"})
        public String strategy;

        RoutingFixture fixture;
        RoutingStrategy routingStrategy;
        List<DeploymentSnapshot> eligible;
        double buffer;
        SplittableRandom random;

        @Setup(Level.Trial)
        public void setUp() throws InterruptedException {
            routingStrategy = RoutingStrategy.fromConfig(strategy);
            fixture = new RoutingFixture(routingStrategy, SEED).prime(SEED);
            var group = fixture.router.health().snapshots(fixture.config.deploymentsOf(RoutingFixture.GROUP));
            eligible = Filters.apply(fixture.request, group, true, RoutingFixture.NOW).eligible();
            buffer = fixture.config.router().lowestLatencyBuffer();
            random = new SplittableRandom(SEED);
            if (!(fixture.router.select(fixture.request) instanceof Selection.Selected)) {
                throw new IllegalStateException("the primed router selects nothing");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            fixture.close();
        }
    }

    /** A primed simple-shuffle router, its group's deployments and their snapshots, for the parts of a decision. */
    @State(Scope.Benchmark)
    public static class Snapshots {

        RoutingFixture fixture;
        List<Deployment> deployments;
        List<DeploymentSnapshot> group;
        Instant now;

        @Setup(Level.Trial)
        public void setUp() throws InterruptedException {
            fixture = new RoutingFixture(RoutingStrategy.SIMPLE_SHUFFLE, SEED).prime(SEED);
            deployments = fixture.config.deploymentsOf(RoutingFixture.GROUP);
            group = fixture.router.health().snapshots(deployments);
            now = RoutingFixture.NOW;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            fixture.close();
        }
    }

    @Benchmark
    public Selection route(PerStrategy s) {
        return s.fixture.router.select(s.fixture.request);
    }

    @Benchmark
    public Selection strategyOnly(PerStrategy s) {
        return Strategies.select(s.routingStrategy, s.fixture.request, s.eligible, s.random, s.buffer);
    }

    @Benchmark
    public List<DeploymentSnapshot> snapshotsOnly(Snapshots s) {
        return s.fixture.router.health().snapshots(s.deployments);
    }

    @Benchmark
    public Filters.Result filtersOnly(Snapshots s) {
        return Filters.apply(s.fixture.request, s.group, true, s.now);
    }
}
