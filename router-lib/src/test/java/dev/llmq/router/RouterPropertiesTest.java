package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ErrorKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The router's laws: weights are respected, a cooled deployment is never picked, rpm is never exceeded. */
class RouterPropertiesTest {

    @Property(tries = 40)
    void weightsAreRespected(@ForAll @Size(min = 2, max = 6) List<@IntRange(min = 1, max = 50) Integer> weights,
                             @ForAll long seed) {
        List<DeploymentSnapshot> snaps = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            snaps.add(DeploymentSnapshot.idle(StrategiesTest.dep("d" + i, (double) weights.get(i), null, null)));
        }
        int n = 20_000;
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Selection s = Strategies.simpleShuffle(snaps, random);
            counts.merge(((Selection.Selected) s).deployment().id(), 1, Integer::sum);
        }
        double total = weights.stream().mapToInt(Integer::intValue).sum();
        for (int i = 0; i < weights.size(); i++) {
            double expected = weights.get(i) / total;
            double actual = counts.getOrDefault("d" + i, 0) / (double) n;
            assertThat(actual).as("share of d%d (weight %d of %s)", i, weights.get(i), total)
                    .isBetween(expected - 0.025, expected + 0.025);
        }
    }

    @Provide
    Arbitrary<List<ErrorKind>> outcomes() {
        return Arbitraries.of(ErrorKind.RATE_LIMITED, ErrorKind.SERVER_ERROR, ErrorKind.AUTHENTICATION,
                ErrorKind.TIMEOUT, ErrorKind.CONNECTION_ERROR, ErrorKind.NOT_FOUND).injectNull(0.5)
                .list().ofMinSize(20).ofMaxSize(120);
    }

    @Property(tries = 60)
    void aCooledOrOpenDeploymentIsNeverCalled(@ForAll("outcomes") List<ErrorKind> script, @ForAll long seed,
                                              @ForAll RoutingStrategy strategy,
                                              @ForAll @IntRange(min = 0, max = 3000) int stepMillis) {
        MutableClock clock = MutableClock.atMinuteStart();
        LlmqConfig config = RouterTest.config("{ routing_strategy: " + strategy.configName() + " }",
                RouterTest.dep("g", "a", ""), RouterTest.dep("g", "b", ""), RouterTest.dep("g", "c", ""));
        Router router = new Router(config, clock, new SplittableRandom(seed), new Fakes.ClockSleeper(clock),
                PriceLookup.NONE);
        // a cooldown ends at its instant; an open breaker lets the first probe through just after it
        Map<String, Instant> blockedUntil = new ConcurrentHashMap<>();
        router.health().addListener(e -> {
            switch (e.state()) {
                case COOLED -> blockedUntil.merge(e.deploymentId(), e.until().minusNanos(1),
                        (x, y) -> x.isAfter(y) ? x : y);
                case OPEN -> blockedUntil.merge(e.deploymentId(), e.until(), (x, y) -> x.isAfter(y) ? x : y);
                case RECOVERED, CLOSED -> { }
            }
        });
        AtomicInteger step = new AtomicInteger();
        AttemptCall call = (d, n) -> {
            Instant until = blockedUntil.get(d.id());
            if (until != null) {
                assertThat(clock.instant()).as("%s called while blocked", d.id()).isAfter(until);
            }
            ErrorKind kind = script.get(step.getAndIncrement() % script.size());
            if (kind != null) {
                throw Fakes.fail(kind, kind == ErrorKind.RATE_LIMITED ? 429 : 500);
            }
            return Fakes.ok();
        };
        for (int job = 0; job < script.size(); job++) {
            router.execute(RouteRequest.of("g"), call);
            clock.advance(Duration.ofMillis(stepMillis));
        }
    }

    @Property(tries = 40)
    void rpmIsNeverExceeded(@ForAll @IntRange(min = 1, max = 30) int rpmA, @ForAll @IntRange(min = 1, max = 30) int rpmB,
                            @ForAll @IntRange(min = 1, max = 4) int workers, @ForAll long seed,
                            @ForAll @IntRange(min = 100, max = 5000) int stepMillis) {
        MutableClock clock = MutableClock.atMinuteStart();
        LlmqConfig base = RouterTest.config("{}", RouterTest.dep("g", "a", "rpm: " + rpmA),
                RouterTest.dep("g", "b", "rpm: " + rpmB));
        LlmqConfig config = new LlmqConfig(base.deployments(), base.router(), new LlmqSettings(Map.of(),
                LlmqSettings.Topics.DEFAULTS, LlmqSettings.Ingest.DEFAULTS,
                new LlmqSettings.Worker(16, 1.0 / workers)), List.of());
        Router router = new Router(config, clock, new SplittableRandom(seed), new Fakes.ClockSleeper(clock),
                PriceLookup.NONE);
        Map<String, Integer> perMinute = new HashMap<>();
        AttemptCall call = (d, n) -> {
            long minute = clock.instant().getEpochSecond() / 60;
            int used = perMinute.merge(d.id() + "@" + minute, 1, Integer::sum);
            long limit = Math.max(1, (long) Math.floor(d.rpm() / (double) workers));
            assertThat((long) used).as("%s calls in minute %d", d.id(), minute).isLessThanOrEqualTo(limit);
            return Fakes.ok();
        };
        for (int job = 0; job < 300; job++) {
            router.execute(RouteRequest.of("g"), call);
            clock.advance(Duration.ofMillis(stepMillis));
        }
    }

    @Test
    void rpmHoldsUnderConcurrency() throws Exception {
        MutableClock clock = MutableClock.atMinuteStart();
        Router router = new Router(RouterTest.noQueueWait("{}", RouterTest.dep("g", "a", "rpm: 50"),
                RouterTest.dep("g", "b", "rpm: 25")), clock, new SplittableRandom(1), new Fakes.ClockSleeper(clock),
                PriceLookup.NONE);
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        AttemptCall call = (d, n) -> {
            calls.computeIfAbsent(d.id(), k -> new AtomicInteger()).incrementAndGet();
            return Fakes.ok();
        };
        List<RoutedOutcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 200; i++) {
                pool.submit(() -> outcomes.add(router.execute(RouteRequest.of("g"), call)));
            }
        }
        assertThat(calls.get("a")).hasValue(50);
        assertThat(calls.get("b")).hasValue(25);
        assertThat(outcomes).filteredOn(RoutedOutcome.Succeeded.class::isInstance).hasSize(75);
    }

}
