package dev.llmq.router;

import static dev.llmq.router.Fakes.fail;
import static dev.llmq.router.Fakes.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ErrorKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A queue waits for capacity instead of failing a job for want of a healthy deployment. */
class QueueWaitTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final Fakes.ClockSleeper sleeper = new Fakes.ClockSleeper(clock);

    private Router router(String llmq) {
        LlmqConfig config = ConfigLoader.parse("""
                model_list:
                  - { model_name: g, litellm_params: { model: openai/m-a, api_key: k }, model_info: { id: a } }
                  - { model_name: g, litellm_params: { model: openai/m-b, api_key: k }, model_info: { id: b } }
                """ + llmq, Map.of());
        return new Router(config, clock, new SplittableRandom(7), sleeper, PriceLookup.NONE);
    }

    @Test
    void aJobWaitsOutLongCooldownsAndThenSucceeds() {
        Router r = router("");
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(120)), ok())
                .on("b", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(120)), ok());

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(out.attempts()).hasSize(3);
        assertThat(sleeper.sleeps).as("waits of at most 5 s while the cooldown is far, one to its end once near")
                .filteredOn(d -> d.compareTo(Duration.ofSeconds(5)) > 0).hasSize(1)
                .allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(60)));
        assertThat(sleeper.sleeps.stream().reduce(Duration.ZERO, Duration::plus))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(120)).isLessThanOrEqualTo(Duration.ofSeconds(128));
    }

    @Test
    void everyWaitGoesThroughTheJobsWaitHookWhichSleepsThroughTheRoutersSleeper() {
        Router r = router("");
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(120)), ok())
                .on("b", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(120)), ok());
        java.util.List<Duration> hooked = new java.util.ArrayList<>();

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call, (d, s) -> {
            hooked.add(d);
            s.sleep(d);
        });

        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(hooked).isNotEmpty().isEqualTo(sleeper.sleeps); // the Retry-After backoff and the queue waits
    }

    @Test
    void theWaitIsBoundedByMaxQueueWaitAndTheErrorNamesTheGroup() {
        Router r = router("llmq: { worker: { max_queue_wait: 10 } }\n");
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(120)))
                .on("b", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(120)));

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOf(RoutedOutcome.Failed.class);
        assertThat(out.attempts()).hasSize(2);
        Duration retryBackoff = sleeper.sleeps.getFirst();
        assertThat(retryBackoff).isLessThanOrEqualTo(Duration.ofSeconds(8));
        assertThat(sleeper.sleeps.subList(1, sleeper.sleeps.size()).stream().reduce(Duration.ZERO, Duration::plus))
                .as("time waited for capacity").isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void zeroMaxQueueWaitFailsAtOnceAsBefore() {
        Router r = router("llmq: { worker: { max_queue_wait: 0 } }\n");
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(120)))
                .on("b", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(120)));

        assertThat(r.execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Failed.class);
        assertThat(sleeper.sleeps).as("only the retry's backoff, no wait for capacity").hasSize(1);
    }

    @Test
    void aJobOverTheRpmLimitWaitsForTheNextMinute() {
        clock.advance(Duration.ofSeconds(30));
        Router r = new Router(RouterTest.config("{}", RouterTest.dep("g", "a", "rpm: 2")), clock,
                new SplittableRandom(7), sleeper, PriceLookup.NONE);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall();
        r.execute(RouteRequest.of("g"), call);
        r.execute(RouteRequest.of("g"), call);

        RoutedOutcome third = r.execute(RouteRequest.of("g"), call);

        assertThat(third).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(call.calls).hasSize(3);
        assertThat(third.attempts().getFirst().startedAt()).isAfterOrEqualTo(Instant.parse("2026-01-01T00:01:00Z"));
        assertThat(sleeper.sleeps).allSatisfy(d -> assertThat(d).isEqualTo(Duration.ofSeconds(1)));
    }

    @Test
    void aJobWaitsWhileEveryBreakerIsOpenWithoutCallingTheProvider() {
        Router r = router("llmq: { health: { breaker_min_calls: 2, breaker_open: 12 } }\n");
        Fakes.ScriptedCall failing = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.SERVER_ERROR, 500), fail(ErrorKind.SERVER_ERROR, 500))
                .on("b", fail(ErrorKind.SERVER_ERROR, 500), fail(ErrorKind.SERVER_ERROR, 500));
        r.execute(RouteRequest.of("g"), failing);
        r.execute(RouteRequest.of("g"), failing);
        sleeper.sleeps.clear();
        Fakes.ScriptedCall healthy = new Fakes.ScriptedCall().on("a", ok()).on("b", ok());

        RoutedOutcome out = r.execute(RouteRequest.of("g"), healthy);

        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(healthy.calls).hasSize(1);
        assertThat(sleeper.sleeps).isNotEmpty().allSatisfy(d -> assertThat(d).isEqualTo(Duration.ofSeconds(1)));
    }
}
