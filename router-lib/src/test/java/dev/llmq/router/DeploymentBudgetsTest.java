package dev.llmq.router;

import static dev.llmq.router.RouterTest.configWith;
import static dev.llmq.router.RouterTest.dep;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ErrorKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The router skips deployments whose spend budget is in force, waits for the reset, and resumes by itself. */
class DeploymentBudgetsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private final Fakes.ClockSleeper sleeper = new Fakes.ClockSleeper(clock);
    /** Budgets stop a deployment until their reset, as the worker's board answers: by the clock, no new message. */
    private final Map<String, Instant> resets = new ConcurrentHashMap<>();
    private final DeploymentBudgets budgets = (id, now) -> {
        Instant reset = resets.get(id);
        return reset != null && now.isBefore(reset)
                ? new DeploymentBudgets.Exhausted(reset, "the budget of deployment '" + id + "' resets at " + reset)
                : null;
    };

    private Router router(String llmq) {
        return new Router(configWith("{}", llmq, dep("g", "a", ""), dep("g", "b", "")), clock,
                new SplittableRandom(3), sleeper, PriceLookup.NONE, budgets);
    }

    @Test
    void anExhaustedDeploymentIsNeverPickedAndTheRejectionNamesItsBudget() {
        resets.put("a", T0.plusSeconds(60));
        Router r = router("");

        for (int i = 0; i < 20; i++) {
            Fakes.ScriptedCall call = new Fakes.ScriptedCall();
            assertThat(r.execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Succeeded.class);
            assertThat(call.calls).containsExactly("b");
        }
        resets.put("b", T0.plusSeconds(60));
        assertThat(r.select(RouteRequest.of("g"))).isInstanceOfSatisfying(Selection.NoneAvailable.class, none ->
                assertThat(none.rejections()).extracting(Rejection::cause)
                        .containsOnly(Rejection.Cause.BUDGET_EXHAUSTED));
        assertThat(((Selection.NoneAvailable) r.select(RouteRequest.of("g"))).rejections().getFirst().detail())
                .isEqualTo("the budget of deployment 'a' resets at " + T0.plusSeconds(60));
        assertThat(sleeper.sleeps).isEmpty();
    }

    @Test
    void aBudgetLiftsByItselfAtItsReset() {
        resets.put("a", T0.plusSeconds(30));
        resets.put("b", T0.plusSeconds(30));
        Router r = router("");
        assertThat(r.select(RouteRequest.of("g"))).isInstanceOf(Selection.NoneAvailable.class);

        clock.advance(Duration.ofSeconds(30));

        assertThat(r.select(RouteRequest.of("g"))).isInstanceOf(Selection.Selected.class);
    }

    @Test
    void whenEveryDeploymentIsExhaustedTheJobWaitsUntilTheEarliestResetThenRuns() {
        resets.put("a", T0.plusSeconds(40));
        resets.put("b", T0.plusSeconds(17));
        Router r = router("");
        Fakes.ScriptedCall call = new Fakes.ScriptedCall();

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Succeeded.class,
                ok -> assertThat(ok.deployment().id()).isEqualTo("b"));
        assertThat(call.calls).containsExactly("b");
        assertThat(out.attempts().getFirst().startedAt()).as("the wait ends at the reset, not a poll later")
                .isEqualTo(T0.plusSeconds(17));
        assertThat(sleeper.sleeps).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(5)));
    }

    @Test
    void aFallbackGroupIsTriedBeforeWaiting() {
        resets.put("a", T0.plusSeconds(60));
        Router r = new Router(configWith("{ fallbacks: [{ g: [h] }] }", "", dep("g", "a", ""), dep("h", "c", "")),
                clock, new SplittableRandom(3), sleeper, PriceLookup.NONE, budgets);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall();

        assertThat(r.execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(call.calls).containsExactly("c");
        assertThat(sleeper.sleeps).isEmpty();
    }

    @Test
    void aResetPastMaxQueueWaitFailsTheJobWithBudgetExceededNamingTheBudget() {
        resets.put("a", T0.plus(Duration.ofHours(1)));
        resets.put("b", T0.plus(Duration.ofHours(2)));
        Router r = router("llmq: { worker: { max_queue_wait: 10 } }\n");
        Fakes.ScriptedCall call = new Fakes.ScriptedCall();

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class, failed -> {
            assertThat(failed.error().kind()).isEqualTo(ErrorKind.BUDGET_EXCEEDED);
            assertThat(failed.error().message()).contains("the budget of deployment 'a' resets at "
                    + T0.plus(Duration.ofHours(1)));
        });
        assertThat(call.calls).isEmpty();
        assertThat(sleeper.sleeps.stream().reduce(Duration.ZERO, Duration::plus)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aResetPastTheDeadlineExpiresTheJobAtItsDeadline() {
        resets.put("a", T0.plusSeconds(60));
        resets.put("b", T0.plusSeconds(60));
        Router r = router("");
        Fakes.ScriptedCall call = new Fakes.ScriptedCall();

        RoutedOutcome out = r.execute(new RouteRequest("g", List.of(), 10, false, T0.plusSeconds(12)), call);

        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                failed -> assertThat(failed.error().kind()).isEqualTo(ErrorKind.EXPIRED));
        assertThat(call.calls).isEmpty();
        assertThat(clock.instant()).isBefore(T0.plusSeconds(13));
    }
}
