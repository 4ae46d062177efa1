package dev.llmq.router;

import static dev.llmq.router.Fakes.fail;
import static dev.llmq.router.Fakes.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.Abort;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A job's abort and deadline stop its attempts and waits; an aborted call never counts against its deployment. */
class AbortAndDeadlineTest {

    private final MutableClock clock = MutableClock.atMinuteStart();
    private final Fakes.ClockSleeper sleeper = new Fakes.ClockSleeper(clock);

    private Router router(LlmqConfig c) {
        return new Router(c, clock, new SplittableRandom(42), sleeper, PriceLookup.NONE);
    }

    private static ProviderException cancelled() {
        return new ProviderException(ProviderError.of(ErrorKind.CANCELLED, "cancelled by the client"));
    }

    @Test
    void aCancelledCallEndsTheJobAtOnceWithItsAttemptRecorded() {
        Router r = router(RouterTest.config("{ num_retries: 3 }", RouterTest.dep("g", "a", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", cancelled());

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(call.calls).containsExactly("a");
        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class, f -> {
            assertThat(f.error().kind()).isEqualTo(ErrorKind.CANCELLED);
            assertThat(f.lastDeployment().id()).isEqualTo("a");
        });
        assertThat(out.attempts()).singleElement().satisfies(a -> assertThat(a.outcome()).isEqualTo("cancelled"));
    }

    @Test
    void abortedCallsNeverCoolADeploymentDownNorOpenItsBreaker() {
        Router r = router(RouterTest.noQueueWait("{ allowed_fails: 1 }", RouterTest.dep("g", "a", ""),
                RouterTest.dep("g", "b", "")));
        for (int i = 0; i < 30; i++) {
            ProviderException stop = i % 2 == 0 ? cancelled()
                    : new ProviderException(ProviderError.of(ErrorKind.EXPIRED, "late"));
            r.execute(RouteRequest.of("g"), new Fakes.ScriptedCall().on("a", stop).on("b", stop));
        }
        assertThat(r.select(RouteRequest.of("g"))).isInstanceOf(Selection.Selected.class);
        assertThat(r.health().snapshots(r.view().groups().get("g"))).hasSize(2)
                .allSatisfy(s -> assertThat(s.inFlight()).isZero());

        // provider failures do cool them down: the check above could fail
        ProviderException limited = fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(120));
        r.execute(RouteRequest.of("g"), new Fakes.ScriptedCall().on("a", limited).on("b", limited));
        assertThat(r.select(RouteRequest.of("g"))).isInstanceOf(Selection.NoneAvailable.class);
    }

    /**
     * A worker that stops interrupts the calls still running after its shutdown timeout; the provider client ends such
     * a call with a timeout and the thread's interrupt set again. That says nothing about the provider: counted, a
     * worker's restart opened the deployment's breaker, which the other workers then read from the control topic.
     */
    @Test
    void aCallInterruptedOnItsThreadNeverCoolsADeploymentDownNorOpensItsBreaker() {
        Router r = router(RouterTest.noQueueWait("{ allowed_fails: 1 }", RouterTest.dep("g", "a", ""),
                RouterTest.dep("g", "b", "")));
        AttemptCall interrupted = (d, attempt) -> {
            Thread.currentThread().interrupt();
            throw new ProviderException(ProviderError.of(ErrorKind.TIMEOUT, "call interrupted and cancelled"));
        };
        try {
            for (int i = 0; i < 30; i++) {
                RoutedOutcome out = r.execute(RouteRequest.of("g"), interrupted);
                assertThat(Thread.interrupted()).as("the interrupt is kept for the job's thread").isTrue();
                assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                        f -> assertThat(f.error().kind()).isEqualTo(ErrorKind.TIMEOUT));
                assertThat(out.attempts()).as("no other attempt once interrupted").hasSize(1);
            }
        } finally {
            Thread.interrupted();
        }
        assertThat(r.select(RouteRequest.of("g"))).isInstanceOf(Selection.Selected.class);
        assertThat(r.health().snapshots(r.view().groups().get("g"))).hasSize(2)
                .allSatisfy(s -> assertThat(s.inFlight()).isZero());

        // the same timeouts, not interrupted, do cool them down: the check above could fail
        ProviderException timeout = new ProviderException(ProviderError.of(ErrorKind.TIMEOUT, "no answer"));
        for (int i = 0; i < 3; i++) {
            r.execute(RouteRequest.of("g"), new Fakes.ScriptedCall().on("a", timeout).on("b", timeout));
        }
        assertThat(r.select(RouteRequest.of("g"))).isInstanceOf(Selection.NoneAvailable.class);
    }

    @Test
    void aDeadlineThatPassesBeforeARetryEndsTheJobExpired() {
        Router r = router(RouterTest.config("{ num_retries: 5 }", RouterTest.dep("g", "a", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(10)));
        RouteRequest req = new RouteRequest("g", List.of(), 0, false, clock.instant().plusSeconds(15));

        RoutedOutcome out = r.execute(req, call);

        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class, f -> {
            assertThat(f.error().kind()).isEqualTo(ErrorKind.EXPIRED);
            assertThat(f.error().message()).contains("deadline").contains("rate_limited");
        });
        assertThat(out.attempts()).extracting(AttemptRecord::outcome).containsExactly("rate_limited", "rate_limited");
    }

    @Test
    void aJobWaitingForCapacityExpiresAtItsDeadline() {
        clock.advance(Duration.ofSeconds(5));
        Router r = router(RouterTest.config("{}", RouterTest.dep("g", "a", "rpm: 2")));
        r.execute(RouteRequest.of("g"), new Fakes.ScriptedCall());
        r.execute(RouteRequest.of("g"), new Fakes.ScriptedCall());
        Fakes.ScriptedCall call = new Fakes.ScriptedCall();
        RouteRequest req = new RouteRequest("g", List.of(), 0, false, clock.instant().plusSeconds(12));

        RoutedOutcome out = r.execute(req, call);

        assertThat(call.calls).as("no call: the minute's rpm is spent until after the deadline").isEmpty();
        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                f -> assertThat(f.error().kind()).isEqualTo(ErrorKind.EXPIRED));
        assertThat(clock.instant()).as("it waited until its deadline").isAfter(req.deadline());
        assertThat(sleeper.sleeps.stream().reduce(Duration.ZERO, Duration::plus)).isLessThan(Duration.ofSeconds(13));
    }

    @Test
    void anAbortDuringAWaitEndsTheJobWithoutAnotherCall() {
        Abort abort = new Abort();
        Router r = new Router(RouterTest.config("{ num_retries: 3 }", RouterTest.dep("g", "a", "")), clock,
                new SplittableRandom(42), d -> {
                    clock.advance(d);
                    abort.abort(ProviderError.of(ErrorKind.CANCELLED, "cancelled while waiting"));
                }, PriceLookup.NONE);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.SERVER_ERROR, 500), ok());

        RoutedOutcome out = r.execute(new RouteRequest("g", List.of(), 0, false, null, abort), call);

        assertThat(call.calls).containsExactly("a");
        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                f -> assertThat(f.error().message()).isEqualTo("cancelled while waiting"));
    }

    @Test
    void theThreadSleeperWakesWhenTheJobIsAborted() throws InterruptedException {
        Abort abort = new Abort();
        abort.abort(ProviderError.of(ErrorKind.CANCELLED, "x"));
        long t0 = System.nanoTime();
        Sleeper.THREAD.sleep(Duration.ofMinutes(10), abort);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMinutes(1));
    }
}
