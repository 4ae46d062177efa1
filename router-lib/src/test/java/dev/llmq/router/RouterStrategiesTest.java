package dev.llmq.router;

import static dev.llmq.router.Fakes.fail;
import static dev.llmq.router.Fakes.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The router end to end with each strategy, policy and filter wired from config. */
class RouterStrategiesTest {

    private final MutableClock clock = MutableClock.atMinuteStart();
    private final Fakes.ClockSleeper sleeper = new Fakes.ClockSleeper(clock);

    private Router router(LlmqConfig c, PriceLookup prices) {
        return new Router(c, clock, new SplittableRandom(11), sleeper, prices);
    }

    private static String selected(Selection s) {
        return ((Selection.Selected) s).deployment().id();
    }

    @Test
    void retryPolicyOverridesNumRetriesPerKind() {
        Router r = router(RouterTest.config("{ num_retries: 3, retry_policy: { RateLimitErrorRetries: 0 } }",
                RouterTest.dep("g", "a", "")), PriceLookup.NONE);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.RATE_LIMITED, 429));
        assertThat(r.execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Failed.class);
        assertThat(call.calls).hasSize(1);

        Fakes.ScriptedCall timeouts = new Fakes.ScriptedCall().on("a", fail(ErrorKind.TIMEOUT, 0));
        r.execute(RouteRequest.of("g"), timeouts);
        assertThat(timeouts.calls).hasSize(4);
    }

    @Test
    void costBasedUsesOverridesThenThePriceTable() {
        Router r = router(RouterTest.config("{ routing_strategy: cost-based-routing }",
                        RouterTest.dep("g", "listed", ""),
                        RouterTest.dep("g", "override", "input_cost_per_token: 0.000002, output_cost_per_token: 0.000004"),
                        RouterTest.dep("g", "unknown", "")),
                d -> d.id().equals("listed") ? OptionalDouble.of(0.000005) : OptionalDouble.empty());
        assertThat(selected(r.select(RouteRequest.of("g")))).isEqualTo("listed");
        assertThat(r.health().snapshot(r.config().deployments().get(1)).costPerToken()).isEqualTo(0.000006);

        Router cheaper = router(RouterTest.config("{ routing_strategy: cost-based-routing }",
                        RouterTest.dep("g", "listed", ""),
                        RouterTest.dep("g", "override", "input_cost_per_token: 0.000001, output_cost_per_token: 0.000002")),
                d -> OptionalDouble.of(0.000005));
        assertThat(selected(cheaper.select(RouteRequest.of("g")))).isEqualTo("override");
    }

    @Test
    void latencyBasedLearnsFromFinishedCalls() {
        Router r = router(RouterTest.config("{ routing_strategy: latency-based-routing }",
                RouterTest.dep("g", "slow", ""), RouterTest.dep("g", "fast", "")), PriceLookup.NONE);
        AttemptCall call = (d, n) -> d.id().equals("slow") ? ok(10, Duration.ofSeconds(5))
                : ok(10, Duration.ofMillis(200));
        for (int i = 0; i < 2; i++) {
            r.execute(RouteRequest.of("g"), call);
        }
        for (int i = 0; i < 20; i++) {
            RoutedOutcome.Succeeded s = (RoutedOutcome.Succeeded) r.execute(RouteRequest.of("g"), call);
            assertThat(s.deployment().id()).isEqualTo("fast");
        }
    }

    @Test
    void latencyBasedUsesTimeToFirstTokenForStreams() {
        Router r = router(RouterTest.config("{ routing_strategy: latency-based-routing }",
                RouterTest.dep("g", "a", ""), RouterTest.dep("g", "b", "")), PriceLookup.NONE);
        RouteRequest stream = new RouteRequest("g", List.of(), 0, true, null);
        AttemptCall call = (d, n) -> {
            ProviderResponse base = ok(100, Duration.ofSeconds(d.id().equals("a") ? 2 : 10));
            Duration ttft = Duration.ofMillis(d.id().equals("a") ? 900 : 100);
            return new ProviderResponse(base.completion(), base.usage(), base.latency(), ttft, List.of(), null);
        };
        r.execute(stream, call);
        r.execute(stream, call);
        assertThat(selected(r.select(stream))).isEqualTo("b");
        assertThat(selected(r.select(RouteRequest.of("g")))).isEqualTo("a");
    }

    @Test
    void leastBusyAvoidsDeploymentsWithCallsInFlight() throws Exception {
        Router r = router(RouterTest.config("{ routing_strategy: least-busy }",
                RouterTest.dep("g", "a", ""), RouterTest.dep("g", "b", "")), PriceLookup.NONE);
        java.util.concurrent.CountDownLatch inCall = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        String[] busy = new String[1];
        Thread t = Thread.ofVirtual().start(() -> r.execute(RouteRequest.of("g"), (d, n) -> {
            busy[0] = d.id();
            inCall.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ok();
        }));
        assertThat(inCall.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("the call started").isTrue();
        for (int i = 0; i < 10; i++) {
            assertThat(selected(r.select(RouteRequest.of("g")))).isNotEqualTo(busy[0]);
        }
        release.countDown();
        assertThat(t.join(java.time.Duration.ofSeconds(10))).as("the call finished").isTrue();
    }

    @Test
    void usageBasedSpreadsTokensAndStopsAtTpm() {
        Router r = router(RouterTest.noQueueWait("{ routing_strategy: usage-based-routing }",
                RouterTest.dep("g", "a", "tpm: 1000"), RouterTest.dep("g", "b", "tpm: 1000")), PriceLookup.NONE);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", ok(290, Duration.ofMillis(1)))
                .on("b", ok(290, Duration.ofMillis(1)));
        for (int i = 0; i < 6; i++) {
            assertThat(r.execute(new RouteRequest("g", List.of(), 10, false, null), call))
                    .isInstanceOf(RoutedOutcome.Succeeded.class);
        }
        assertThat(call.calls).filteredOn("a"::equals).hasSize(3);
        RoutedOutcome over = r.execute(new RouteRequest("g", List.of(), 200, false, null), call);
        assertThat(over).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                f -> assertThat(f.error().kind()).isEqualTo(ErrorKind.RATE_LIMITED));
    }

    @Test
    void nextOrderTierOnlyWhenTheFirstHasNoHealthyDeployment() {
        Router r = router(RouterTest.config("{}", RouterTest.dep("g", "primary", "order: 1"),
                RouterTest.dep("g", "backup", "order: 2")), PriceLookup.NONE);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("primary", fail(ErrorKind.AUTHENTICATION, 401));
        for (int i = 0; i < 3; i++) {
            r.execute(RouteRequest.of("g"), call);
        }
        assertThat(call.calls).containsExactly("primary", "backup", "backup", "backup");
        clock.advance(Duration.ofSeconds(6));
        r.execute(RouteRequest.of("g"), new Fakes.ScriptedCall());
        assertThat(selected(r.select(RouteRequest.of("g")))).isEqualTo("primary");
    }

    @Test
    void healthEventsReachListenersAndCrossRouters() {
        LlmqConfig c = RouterTest.config("{ num_retries: 1 }", RouterTest.dep("g", "a", ""),
                RouterTest.dep("g", "b", ""));
        Router one = router(c, PriceLookup.NONE);
        Router two = router(c, PriceLookup.NONE);
        one.health().addListener(two.health()::apply);
        RoutedOutcome out = one.execute(RouteRequest.of("g"), new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(10)))
                .on("b", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(10))));
        assertThat(out.attempts()).hasSize(2);
        assertThat(sleeper.sleeps).isEmpty();
        for (int i = 0; i < 10; i++) {
            Selection s = two.select(RouteRequest.of("g"));
            assertThat(s).isInstanceOf(Selection.NoneAvailable.class);
        }
        clock.advance(Duration.ofSeconds(10));
        assertThat(two.select(RouteRequest.of("g"))).isInstanceOf(Selection.Selected.class);
    }
}
