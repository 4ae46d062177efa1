package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.schemas.TokenUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Limits shared by every deployment of one provider ({@code llmq.providers}). */
class ProviderLimitsTest {

    private final MutableClock clock = MutableClock.atMinuteStart();
    private final Fakes.ClockSleeper sleeper = new Fakes.ClockSleeper(clock);

    /** Deployments as {@code id=provider} pairs in group g, plus an {@code llmq:} section. */
    static LlmqConfig config(String llmq, String... idsAtProviders) {
        StringBuilder y = new StringBuilder("model_list:\n");
        for (String d : idsAtProviders) {
            String[] p = d.split("=");
            y.append("  - { model_name: g, litellm_params: { model: ").append(p[1]).append("/m-").append(p[0])
                    .append(" }, model_info: { id: ").append(p[0]).append(" } }\n");
        }
        y.append("llmq: ").append(llmq).append('\n');
        return ConfigLoader.parse(y.toString(), Map.of());
    }

    private Router router(LlmqConfig c) {
        return new Router(c, clock, new SplittableRandom(7), sleeper, PriceLookup.NONE);
    }

    private static Deployment dep(Router r, String id) {
        return r.config().deployments().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    private static DeploymentHealth.Permit take(Router r, String id, long tokens) {
        return r.health().tryAcquire(dep(r, id), tokens, false, new Rejection.Cause[1]);
    }

    private static Rejection.Cause denial(Router r, String id, long tokens) {
        Rejection.Cause[] denied = new Rejection.Cause[1];
        assertThat(r.health().tryAcquire(dep(r, id), tokens, false, denied)).as("permit on %s", id).isNull();
        return denied[0];
    }

    @Test
    void parallelCapHoldsAcrossDeploymentsOfTheSameProvider() {
        Router r = router(config("{ providers: { anthropic: { max_parallel_requests: 2 } } }",
                "a=anthropic", "b=anthropic", "o=openai"));

        assertThat(take(r, "a", 0)).isNotNull();
        assertThat(take(r, "b", 0)).isNotNull();

        assertThat(denial(r, "a", 0)).isEqualTo(Rejection.Cause.PROVIDER_LIMIT);
        assertThat(denial(r, "b", 0)).isEqualTo(Rejection.Cause.PROVIDER_LIMIT);
        assertThat(take(r, "o", 0)).as("another provider is not limited").isNotNull();
        assertThat(r.health().providerInFlight("anthropic")).isEqualTo(2);
        assertThat(r.health().snapshot(dep(r, "b")).provider())
                .isEqualTo(new ProviderUsage("anthropic", 2, 2, 2, null, 0, null));
        assertThat(r.health().snapshot(dep(r, "o")).provider()).as("openai has no limits").isNull();
    }

    @Test
    void rpmAndTpmAreSharedAndScaledByTheLimitShare() {
        Router r = router(config("{ worker: { limit_share: 0.5 }, providers: { anthropic: { rpm: 10, tpm: 1000 } } }",
                "a=anthropic", "b=anthropic"));
        r.health().processFraction(0.5);
        assertThat(r.health().providerUsage("anthropic").rpmLimit()).as("10 × 0.5 × 0.5").isEqualTo(2);
        assertThat(r.health().providerUsage("anthropic").tpmLimit()).isEqualTo(250);

        take(r, "a", 100).success(Duration.ofMillis(10), Fakes.ok(90, Duration.ofMillis(10)));
        assertThat(r.health().providerUsage("anthropic").tpmUsed()).as("corrected to real usage").isEqualTo(100);
        assertThat(denial(r, "b", 151)).as("tpm").isEqualTo(Rejection.Cause.PROVIDER_LIMIT);
        take(r, "b", 0).success(Duration.ofMillis(10), Fakes.ok());
        assertThat(denial(r, "a", 0)).as("rpm 2 used by a and b together").isEqualTo(Rejection.Cause.PROVIDER_LIMIT);

        clock.advance(Duration.ofMinutes(1));
        assertThat(take(r, "a", 0)).as("a new minute").isNotNull();
    }

    @Test
    void anotherProvidersDeploymentIsPickedWhenOneProviderIsAtItsCap() {
        Router r = router(config("{ providers: { anthropic: { max_parallel_requests: 1 } } }",
                "a=anthropic", "b=anthropic", "o=openai"));
        DeploymentHealth.Permit held = take(r, "a", 0);

        for (int i = 0; i < 20; i++) {
            assertThat(r.select(RouteRequest.of("g"))).isInstanceOfSatisfying(Selection.Selected.class,
                    s -> assertThat(s.deployment().id()).isEqualTo("o"));
        }
        Fakes.ScriptedCall call = new Fakes.ScriptedCall();
        assertThat(r.execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(call.calls).containsExactly("o");
        held.success(Duration.ofMillis(10), Fakes.ok());
    }

    @Test
    void onlyProviderLimitsBlockingFailsAsRateLimited() {
        Router r = router(config("{ providers: { anthropic: { max_parallel_requests: 1 } } }",
                "a=anthropic", "b=anthropic"));
        DeploymentHealth.Permit held = take(r, "a", 0);

        Selection s = r.select(RouteRequest.of("g"));
        assertThat(s).isInstanceOfSatisfying(Selection.NoneAvailable.class, none -> {
            assertThat(none.rejections()).extracting(Rejection::cause)
                    .containsOnly(Rejection.Cause.PROVIDER_LIMIT);
            assertThat(none.rejections()).extracting(Rejection::detail)
                    .contains("anthropic: 1 in flight, max_parallel_requests 1");
            assertThat(none.toError("g").kind()).isEqualTo(ErrorKind.RATE_LIMITED);
        });
        Fakes.ScriptedCall call = new Fakes.ScriptedCall();
        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);
        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                f -> assertThat(f.error().kind()).isEqualTo(ErrorKind.RATE_LIMITED));
        assertThat(call.calls).isEmpty();

        held.failure(Duration.ofMillis(10), Fakes.fail(ErrorKind.SERVER_ERROR, 500).error(), true);
        assertThat(r.execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Succeeded.class);
    }

    @Test
    void permitsAreReleasedOnSuccessFailureStreamEndAndUnexpectedErrors() {
        Router r = router(config("{ providers: { anthropic: { max_parallel_requests: 1, rpm: 100 } } }",
                "a=anthropic", "b=anthropic"));
        List<Integer> seenInFlight = new ArrayList<>();
        AttemptCall ok = (d, n) -> {
            seenInFlight.add(r.health().providerInFlight("anthropic"));
            return Fakes.ok();
        };
        assertThat(r.execute(RouteRequest.of("g"), ok)).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(r.health().providerInFlight("anthropic")).as("after success").isZero();

        AttemptCall failing = (d, n) -> {
            seenInFlight.add(r.health().providerInFlight("anthropic"));
            throw Fakes.fail(ErrorKind.INVALID_REQUEST, 400);
        };
        assertThat(r.execute(RouteRequest.of("g"), failing)).isInstanceOf(RoutedOutcome.Failed.class);
        assertThat(r.health().providerInFlight("anthropic")).as("after failure").isZero();

        ProviderResponse streamed = new ProviderResponse(
                JsonNodeFactory.instance.objectNode().put("object", "chat.completion"),
                new TokenUsage(10, 20, 30, 0, 0), Duration.ofSeconds(2), Duration.ofMillis(300), List.of(), null);
        AttemptCall stream = (d, n) -> {
            seenInFlight.add(r.health().providerInFlight("anthropic"));
            clock.advance(Duration.ofSeconds(2)); // the stream runs while the call holds its permits
            return streamed;
        };
        RouteRequest streamRequest = new RouteRequest("g", List.of(), 10, true, null);
        assertThat(r.execute(streamRequest, stream)).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(r.health().providerInFlight("anthropic")).as("after the stream ended").isZero();

        AttemptCall broken = (d, n) -> {
            throw new IllegalStateException("bug in the worker");
        };
        long rpmBefore = r.health().providerUsage("anthropic").rpmUsed();
        assertThatThrownBy(() -> r.execute(RouteRequest.of("g"), broken))
                .isInstanceOf(IllegalStateException.class).hasMessage("bug in the worker");
        assertThat(r.health().providerInFlight("anthropic")).as("after an unexpected error").isZero();
        assertThat(r.health().providerUsage("anthropic").rpmUsed()).as("abandoned call given back")
                .isEqualTo(rpmBefore);
        assertThat(seenInFlight).as("each call ran holding one permit").containsExactly(1, 1, 1);
    }

    @Test
    void reloadKeepsInFlightCountsAndAppliesNewCaps() {
        Router r = router(config("{ providers: { anthropic: { max_parallel_requests: 2, rpm: 100 } } }",
                "a=anthropic", "b=anthropic"));
        DeploymentHealth.Permit onA = take(r, "a", 0);
        DeploymentHealth.Permit onB = take(r, "b", 0);

        r.reload(config("{ providers: { anthropic: { max_parallel_requests: 2, rpm: 100 } } }",
                "a=anthropic", "b=anthropic", "c=anthropic"));
        assertThat(r.health().providerInFlight("anthropic")).as("unchanged provider keeps its count").isEqualTo(2);
        assertThat(denial(r, "c", 0)).as("new deployment shares the cap").isEqualTo(Rejection.Cause.PROVIDER_LIMIT);

        r.reload(config("{ providers: { anthropic: { max_parallel_requests: 1, rpm: 100 } } }",
                "a=anthropic", "b=anthropic", "c=anthropic"));
        onA.success(Duration.ofMillis(10), Fakes.ok());
        assertThat(r.health().providerInFlight("anthropic")).isEqualTo(1);
        assertThat(denial(r, "c", 0)).as("lowered cap counts the call still in flight")
                .isEqualTo(Rejection.Cause.PROVIDER_LIMIT);
        onB.success(Duration.ofMillis(10), Fakes.ok());
        DeploymentHealth.Permit onC = take(r, "c", 0);
        assertThat(onC).isNotNull();
        assertThat(denial(r, "a", 0)).isEqualTo(Rejection.Cause.PROVIDER_LIMIT);

        r.reload(config("{ providers: { anthropic: { max_parallel_requests: 3 } } }",
                "a=anthropic", "b=anthropic", "c=anthropic"));
        assertThat(take(r, "a", 0)).isNotNull();
        assertThat(take(r, "b", 0)).isNotNull();
        assertThat(denial(r, "c", 0)).as("raised cap counts the call in flight").isEqualTo(Rejection.Cause.PROVIDER_LIMIT);
        assertThat(r.health().providerUsage("anthropic").rpmUsed()).as("minute counter survives").isEqualTo(5);
        onC.success(Duration.ofMillis(10), Fakes.ok());
        assertThat(r.health().providerInFlight("anthropic")).isEqualTo(2);
    }

    @Test
    void filtersRejectADeploymentWhoseProviderIsFull() {
        Deployment d = FiltersTest.dep("x", null, List.of(), null);
        DeploymentSnapshot full = new DeploymentSnapshot(d, null, false, 0, 0, 0, null, null, 0, 0, 0,
                new ProviderUsage("openai", 0, null, 0, null, 900, 1000L));
        RouteRequest big = new RouteRequest("g", List.of(), 200, false, null);

        Filters.Result r = Filters.apply(big, List.of(full), false, clock.instant());
        assertThat(r.eligible()).isEmpty();
        assertThat(r.rejections()).singleElement().satisfies(rej -> {
            assertThat(rej.cause()).isEqualTo(Rejection.Cause.PROVIDER_LIMIT);
            assertThat(rej.detail()).isEqualTo("openai: 900/1000 tpm");
        });
        assertThat(Filters.apply(RouteRequest.of("g"), List.of(full), false, clock.instant()).eligible())
                .hasSize(1);
    }
}
