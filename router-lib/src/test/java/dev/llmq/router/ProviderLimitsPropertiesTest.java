package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The provider law: calls in flight on one provider never exceed its {@code max_parallel_requests}. */
class ProviderLimitsPropertiesTest {

    @Property(tries = 25)
    void concurrentCallsPerProviderNeverExceedTheCap(@ForAll @IntRange(min = 1, max = 4) int anthropicCap,
                                                    @ForAll @IntRange(min = 1, max = 4) int openaiCap,
                                                    @ForAll @IntRange(min = 1, max = 3) int perProvider,
                                                    @ForAll @IntRange(min = 2, max = 8) int threads,
                                                    @ForAll long seed) throws Exception {
        List<String> ds = new ArrayList<>();
        for (int i = 0; i < perProvider; i++) {
            ds.add("a" + i + "=anthropic");
            ds.add("o" + i + "=openai");
        }
        LlmqConfig config = ProviderLimitsTest.config("{ providers: { anthropic: { max_parallel_requests: "
                + anthropicCap + " }, openai: { max_parallel_requests: " + openaiCap + " } } }",
                ds.toArray(String[]::new));
        MutableClock clock = MutableClock.atMinuteStart();
        Router router = new Router(config, clock, new SplittableRandom(seed), new Fakes.ClockSleeper(clock),
                PriceLookup.NONE);
        Map<String, Integer> caps = Map.of("anthropic", anthropicCap, "openai", openaiCap);
        Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> peak = new ConcurrentHashMap<>();
        AttemptCall call = (d, n) -> {
            int now = inFlight.computeIfAbsent(d.provider(), p -> new AtomicInteger()).incrementAndGet();
            peak.computeIfAbsent(d.provider(), p -> new AtomicInteger()).accumulateAndGet(now, Math::max);
            for (int i = 0; i < 50; i++) {
                Thread.yield(); // let other threads race for the provider's permits while this call runs
            }
            inFlight.get(d.provider()).decrementAndGet();
            return Fakes.ok();
        };
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<?>> done = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int job = 0; job < 15; job++) {
                        router.execute(RouteRequest.of("g"), call);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        peak.forEach((provider, max) -> assertThat(max.get()).as("peak in flight on %s", provider)
                .isLessThanOrEqualTo(caps.get(provider)));
        assertThat(router.health().providerInFlight("anthropic")).isZero();
        assertThat(router.health().providerInFlight("openai")).isZero();
    }
}
