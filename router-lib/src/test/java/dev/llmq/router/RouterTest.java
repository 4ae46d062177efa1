package dev.llmq.router;

import static dev.llmq.router.Fakes.fail;
import static dev.llmq.router.Fakes.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ErrorKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RouterTest {

    private final MutableClock clock = MutableClock.atMinuteStart();
    private final Fakes.ClockSleeper sleeper = new Fakes.ClockSleeper(clock);

    static LlmqConfig config(String routerSettings, String... deployments) {
        return configWith(routerSettings, "", deployments);
    }

    /** A config whose jobs fail at once instead of waiting when no deployment has capacity (max_queue_wait 0). */
    static LlmqConfig noQueueWait(String routerSettings, String... deployments) {
        return configWith(routerSettings, "llmq: { worker: { max_queue_wait: 0 } }\n", deployments);
    }

    static LlmqConfig configWith(String routerSettings, String llmq, String... deployments) {
        StringBuilder y = new StringBuilder("model_list:\n");
        for (String d : deployments) {
            y.append("  - ").append(d).append('\n');
        }
        y.append("router_settings: ").append(routerSettings).append('\n').append(llmq);
        return ConfigLoader.parse(y.toString(), Map.of());
    }

    static String dep(String group, String id, String extra) {
        return "{ model_name: " + group + ", litellm_params: { model: openai/m-" + id
                + (extra.isEmpty() ? "" : ", " + extra) + " }, model_info: { id: " + id + " } }";
    }

    private Router router(LlmqConfig c) {
        return new Router(c, clock, new SplittableRandom(42), sleeper, PriceLookup.NONE);
    }

    @Test
    void firstAttemptSucceeds() {
        Router r = router(config("{}", dep("g", "a", "")));
        RoutedOutcome out = r.execute(RouteRequest.of("g"), new Fakes.ScriptedCall());

        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Succeeded.class, s -> {
            assertThat(s.deployment().id()).isEqualTo("a");
            assertThat(s.attempts()).singleElement().satisfies(a -> {
                assertThat(a.number()).isEqualTo(1);
                assertThat(a.outcome()).isEqualTo("success");
                assertThat(a.httpStatus()).isEqualTo(200);
            });
        });
        assertThat(r.modelGroups()).containsExactly("g");
    }

    /**
     * A request llmq refused before calling (its error not sent: an unsupported parameter the adapter will not map)
     * is recorded as an attempt without an HTTP status, though the error carries the 400 the job is answered with; a
     * provider's own 400 keeps its status.
     */
    @Test
    void anAttemptRefusedBeforeSendingHasNoHttpStatus() {
        Router r = router(config("{}", dep("g", "a", ""), dep("h", "b", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.UNSUPPORTED_PARAMETER, 400).notSent())
                .on("b", fail(ErrorKind.UNSUPPORTED_PARAMETER, 400));

        RoutedOutcome refused = r.execute(RouteRequest.of("g"), call);
        RoutedOutcome answered = r.execute(RouteRequest.of("h"), call);

        assertThat(refused).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                f -> assertThat(f.error().httpStatus()).isEqualTo(400));
        assertThat(refused.attempts()).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo("unsupported_parameter");
            assertThat(a.httpStatus()).isZero();
            assertThat(a.sent()).isFalse();
        });
        assertThat(answered.attempts()).singleElement().satisfies(a -> {
            assertThat(a.httpStatus()).isEqualTo(400);
            assertThat(a.sent()).isTrue();
        });
    }

    /**
     * As LiteLLM's router, which retries a BadRequestError (UnsupportedParamsError is one) and then sends it to the
     * group's fallbacks: a parameter llmq refuses for one deployment's model goes to another deployment of the group,
     * then to the fallbacks, whose models may take it. llmq used to fail such a job at once.
     */
    @Test
    void anUnsupportedParameterGoesToAnotherDeploymentThenToTheFallbacks() {
        Router r = router(config("{ num_retries: 2, fallbacks: [{ g: [spare] }] }", dep("g", "a", "weight: 1000"),
                dep("g", "b", "weight: 0.001"), dep("spare", "s", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.UNSUPPORTED_PARAMETER, 400).notSent())
                .on("b", fail(ErrorKind.UNSUPPORTED_PARAMETER, 400).notSent());

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(call.calls).as("each deployment of g once, then the fallback").containsExactly("a", "b", "s");
        assertThat(sleeper.sleeps).isEmpty();
    }

    @Test
    void retryableErrorGoesToAnotherDeploymentAtOnce() {
        Router r = router(config("{}", dep("g", "a", "weight: 1000"), dep("g", "b", "weight: 0.001")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.SERVER_ERROR, 500));

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(call.calls).containsExactly("a", "b");
        assertThat(sleeper.sleeps).isEmpty();
        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(out.attempts()).extracting(AttemptRecord::outcome).containsExactly("server_error", "success");
    }

    @Test
    void singleDeploymentWaitsRetryAfterThenSucceeds() {
        Router r = router(config("{}", dep("g", "a", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(3)), ok());

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(3));
        assertThat(out.attempts().get(1).startedAt()).isEqualTo(out.attempts().get(0).startedAt().plusSeconds(3));
    }

    @Test
    void aRetryAfterOfZeroIsNoHintSoTheRetryBacksOff() {
        Router r = router(config("{}", dep("g", "a", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.OVERLOADED, 503, Duration.ZERO), ok());

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(call.calls).containsExactly("a", "a");
        assertThat(sleeper.sleeps).singleElement().satisfies(d -> assertThat(d).isPositive());
    }

    @Test
    void aFailureWithoutRetryAfterIsRetriedAfterCappedBackoff() {
        Router r = router(config("{ num_retries: 6 }", dep("g", "a", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.OVERLOADED, 503));

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOf(RoutedOutcome.Failed.class);
        assertThat(out.attempts()).hasSize(7);
        assertThat(sleeper.sleeps).hasSize(6).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(8))
                .isGreaterThanOrEqualTo(Duration.ofMillis(250)));
        assertThat(sleeper.sleeps.get(5)).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
    }

    /**
     * A provider asking for longer than a job waits (an hour's quota window) is not called again within seconds by
     * this job's retries nor by the next jobs: its only deployment cools for the Retry-After, and the jobs fail (or,
     * with a queue wait, wait for it) without calls.
     */
    @Test
    void aRetryAfterLongerThanAJobWaitsCoolsTheOnlyDeploymentAndNoJobCallsItMeanwhile() {
        Router r = router(noQueueWait("{ num_retries: 6 }", dep("g", "a", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.RATE_LIMITED, 429,
                Duration.ofSeconds(3600)));

        RoutedOutcome first = r.execute(RouteRequest.of("g"), call);
        RoutedOutcome next = r.execute(RouteRequest.of("g"), call);

        assertThat(call.calls).containsExactly("a");
        assertThat(first).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                f -> assertThat(f.error().kind()).isEqualTo(ErrorKind.RATE_LIMITED));
        assertThat(next).isInstanceOf(RoutedOutcome.Failed.class);
        assertThat(next.attempts()).isEmpty();
        assertThat(r.health().snapshots(r.config().deployments()).getFirst().cooledUntil())
                .isAfter(clock.instant().plusSeconds(3500));
    }

    @Test
    void nonRetryableErrorFailsAtOnce() {
        Router r = router(config("{}", dep("g", "a", ""), dep("g", "b", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.INVALID_REQUEST, 400)).on("b", fail(ErrorKind.INVALID_REQUEST, 400));

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                f -> assertThat(f.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST));
        assertThat(call.calls).hasSize(1);
    }

    @Test
    void authenticationErrorCoolsTheDeploymentAndTriesAnother() {
        Router r = router(config("{}", dep("g", "a", "weight: 1000"), dep("g", "b", "weight: 0.001")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.AUTHENTICATION, 401));

        RoutedOutcome first = r.execute(RouteRequest.of("g"), call);
        RoutedOutcome second = r.execute(RouteRequest.of("g"), call);

        assertThat(first).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(second).isInstanceOfSatisfying(RoutedOutcome.Succeeded.class,
                s -> assertThat(s.deployment().id()).isEqualTo("b"));
        assertThat(call.calls).containsExactly("a", "b", "b");
    }

    /**
     * LiteLLM's disable_cooldowns: the 401 that cools a deployment at once, and the hour's Retry-After that cools even
     * a group's only one, leave both in rotation; the jobs still retry, on another deployment when there is one.
     */
    @Test
    void disableCooldownsLeavesEveryDeploymentInRotation() {
        Router r = router(noQueueWait("{ disable_cooldowns: true, num_retries: 1 }", dep("g", "a", "weight: 1000"),
                dep("g", "b", "weight: 0.001"), dep("solo", "s", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.AUTHENTICATION, 401))
                .on("s", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(3600)), ok());

        RoutedOutcome first = r.execute(RouteRequest.of("g"), call);
        RoutedOutcome second = r.execute(RouteRequest.of("g"), call);
        RoutedOutcome solo = r.execute(RouteRequest.of("solo"), call);

        assertThat(List.of(first, second, solo)).allSatisfy(o -> assertThat(o).isInstanceOf(
                RoutedOutcome.Succeeded.class));
        assertThat(call.calls).containsExactly("a", "b", "a", "b", "s", "s");
        assertThat(r.health().snapshots(r.config().deployments())).allSatisfy(s -> assertThat(s.cooledUntil())
                .isNull());
    }

    /**
     * A reload that turns disable_cooldowns on ends the cooldowns in force (and says so to the other workers): with
     * cooldowns off, nothing holds a deployment back. They used to go on until their end.
     */
    @Test
    void aReloadThatDisablesCooldownsEndsTheCooldownsInForce() {
        String[] deployments = {dep("g", "a", "weight: 1000"), dep("g", "b", "weight: 0.001")};
        Router r = router(config("{}", deployments));
        List<DeploymentHealthEvent> events = new ArrayList<>();
        r.health().addListener(events::add);
        r.execute(RouteRequest.of("g"), new Fakes.ScriptedCall().on("a", fail(ErrorKind.AUTHENTICATION, 401)));
        assertThat(r.health().snapshot(r.config().deployments().getFirst()).cooledUntil()).isNotNull();

        r.reload(config("{ disable_cooldowns: true }", deployments));

        assertThat(r.health().snapshots(r.config().deployments())).allSatisfy(s -> assertThat(s.cooledUntil())
                .isNull());
        assertThat(events).extracting(DeploymentHealthEvent::state).containsExactly(
                DeploymentHealthEvent.State.COOLED, DeploymentHealthEvent.State.RECOVERED);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall();
        r.execute(RouteRequest.of("g"), call);
        assertThat(call.calls).containsExactly("a");
    }

    @Test
    void retriesStopAtNumRetries() {
        Router r = router(config("{ num_retries: 2 }", dep("g", "a", ""), dep("g", "b", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.SERVER_ERROR, 500)).on("b", fail(ErrorKind.SERVER_ERROR, 500));

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class, f -> {
            assertThat(f.error().kind()).isEqualTo(ErrorKind.SERVER_ERROR);
            assertThat(f.lastDeployment()).isNotNull();
        });
        assertThat(out.attempts()).hasSize(3).extracting(AttemptRecord::number).containsExactly(1, 2, 3);
    }

    @Test
    void fallbacksShareOneAttemptBudget() {
        Router r = router(config("{ num_retries: 1, fallbacks: [{ g: [f1, f2] }] }",
                dep("g", "a", ""), dep("f1", "b", ""), dep("f2", "c", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.SERVER_ERROR, 500)).on("b", fail(ErrorKind.SERVER_ERROR, 500));

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Succeeded.class,
                s -> assertThat(s.deployment().id()).isEqualTo("c"));
        // budget 1 + 1 + 2 = 4: two on g, one on f1 (its retry would take f2's attempt), one on f2
        assertThat(call.calls).containsExactly("a", "a", "b", "c");
        assertThat(out.attempts()).extracting(AttemptRecord::modelGroup).containsExactly("g", "g", "f1", "f2");
    }

    @Test
    void contextWindowErrorUsesContextWindowFallbacksOnly() {
        Router r = router(config("{ context_window_fallbacks: [{ g: [big] }], fallbacks: [{ g: [other] }] }",
                dep("g", "a", ""), dep("big", "b", ""), dep("other", "c", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.CONTEXT_WINDOW_EXCEEDED, 400));

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(call.calls).containsExactly("a", "b");
        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
    }

    /**
     * As LiteLLM's router: a content policy refusal or a context window error goes to the generic fallbacks (then
     * default_fallbacks) when the fallbacks of its own kind are unset; set, even to [] in litellm_settings, only those
     * apply. llmq used to fail such a job at once whenever the kind's own fallbacks were unset.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ErrorKind.class, names = {"CONTENT_POLICY", "CONTEXT_WINDOW_EXCEEDED"})
    void aKindWithoutFallbacksOfItsOwnUsesTheGenericOnesAsLiteLlmDoes(ErrorKind kind) {
        String own = kind == ErrorKind.CONTENT_POLICY ? "content_policy_fallbacks" : "context_window_fallbacks";
        String[] deployments = {dep("g", "a", ""), dep("other", "c", ""), dep("spare", "s", "")};

        Fakes.ScriptedCall generic = new Fakes.ScriptedCall().on("a", fail(kind, 400));
        RoutedOutcome out = router(config("{ fallbacks: [{ g: [other] }] }", deployments))
                .execute(RouteRequest.of("g"), generic);
        assertThat(generic.calls).containsExactly("a", "c");
        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);

        Fakes.ScriptedCall byDefault = new Fakes.ScriptedCall().on("a", fail(kind, 400));
        router(config("{ default_fallbacks: [spare] }", deployments)).execute(RouteRequest.of("g"), byDefault);
        assertThat(byDefault.calls).containsExactly("a", "s");

        Fakes.ScriptedCall optedOut = new Fakes.ScriptedCall().on("a", fail(kind, 400));
        RoutedOutcome none = router(configWith("{ fallbacks: [{ g: [other] }] }",
                "litellm_settings: { " + own + ": [] }\n", deployments)).execute(RouteRequest.of("g"), optedOut);
        assertThat(optedOut.calls).as("%s: [] sends such errors nowhere", own).containsExactly("a");
        assertThat(none).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                f -> assertThat(f.error().kind()).isEqualTo(kind));

        Fakes.ScriptedCall otherGroups = new Fakes.ScriptedCall().on("a", fail(kind, 400));
        router(config("{ fallbacks: [{ g: [other] }], " + own + ": [{ other: [spare] }] }", deployments))
                .execute(RouteRequest.of("g"), otherGroups);
        assertThat(otherGroups.calls).as("set for other groups only: not the generic ones").containsExactly("a");
    }

    /**
     * As LiteLLM's router: a fallback group that fails goes on to its own fallbacks (depth-first, before the next
     * group of the list), each group once; llmq used to try only the first group's list.
     */
    @Test
    void aFallbackGroupThatFailsGoesOnToItsOwnFallbacks() {
        Router r = router(config("{ num_retries: 0, fallbacks: [{ g: [f1, f3] }, { f1: [f2, g] }, { f2: [f1] }] }",
                dep("g", "a", ""), dep("f1", "b", ""), dep("f2", "c", ""), dep("f3", "d", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.SERVER_ERROR, 500))
                .on("b", fail(ErrorKind.SERVER_ERROR, 500)).on("c", fail(ErrorKind.SERVER_ERROR, 500));

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(call.calls).containsExactly("a", "b", "c", "d");
        assertThat(out.attempts()).extracting(AttemptRecord::modelGroup).containsExactly("g", "f1", "f2", "f3");
    }

    /**
     * As LiteLLM's router, where a fallback group's failure is handled as its own group's would be: the list it goes
     * on to is that group's for the kind of its own error (its context_window_fallbacks after a context window
     * error), and when that list has nothing for it, the job goes on with the rest of the list it came from. llmq
     * used to take the generic fallbacks of every fallback group, or the job's own group's list for the kind.
     */
    @Test
    void aFallbackGroupGoesOnToItsOwnListForTheKindOfItsOwnError() {
        String[] deployments = {dep("g", "a", ""), dep("big", "b", ""), dep("huge", "h", ""),
            dep("other", "o", ""), dep("f1", "f", ""), dep("f3", "d", "")};
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.CONTEXT_WINDOW_EXCEEDED, 400))
                .on("b", fail(ErrorKind.CONTEXT_WINDOW_EXCEEDED, 400));
        router(config("{ num_retries: 0, context_window_fallbacks: [{ g: [big] }, { big: [huge] }], "
                + "fallbacks: [{ big: [other] }] }", deployments)).execute(RouteRequest.of("g"), call);
        assertThat(call.calls).as("big's context window fallbacks, not its generic ones")
                .containsExactly("a", "b", "h");

        Fakes.ScriptedCall fromGeneric = new Fakes.ScriptedCall().on("a", fail(ErrorKind.SERVER_ERROR, 500))
                .on("f", fail(ErrorKind.CONTEXT_WINDOW_EXCEEDED, 400));
        String generic = "num_retries: 0, fallbacks: [{ g: [f1, f3] }, { f1: [other] }], context_window_fallbacks: ";
        router(config("{ " + generic + "[{ f1: [big] }] }", deployments)).execute(RouteRequest.of("g"), fromGeneric);
        assertThat(fromGeneric.calls).as("f1's context window fallbacks").containsExactly("a", "f", "b");

        Fakes.ScriptedCall none = new Fakes.ScriptedCall().on("a", fail(ErrorKind.SERVER_ERROR, 500))
                .on("f", fail(ErrorKind.CONTEXT_WINDOW_EXCEEDED, 400));
        router(config("{ " + generic + "[{ g: [big] }] }", deployments)).execute(RouteRequest.of("g"), none);
        assertThat(none.calls).as("none for f1: the next group of g's list").containsExactly("a", "f", "d");
    }

    /**
     * LiteLLM's max_fallbacks, counted as LiteLLM's fallback_depth: a fallback group counts its place in its list
     * more than the group it falls back from, and goes on to its own fallbacks only while that count is under
     * max_fallbacks (in router_settings, else litellm_settings); llmq went 5 levels deep whatever the config said.
     */
    @Test
    void maxFallbacksBoundsHowFarFallbacksOfFallbacksGo() {
        String[] deployments = {dep("g", "a", ""), dep("f1", "b", ""), dep("f2", "c", ""), dep("f3", "d", "")};
        String chain = "fallbacks: [{ g: [f1] }, { f1: [f2] }, { f2: [f3] }]";

        assertThat(fallbackRun(config("{ num_retries: 0, " + chain + " }", deployments)))
                .as("unset: 5").containsExactly("a", "b", "c", "d");
        assertThat(fallbackRun(config("{ num_retries: 0, max_fallbacks: 2, " + chain + " }", deployments)))
                .as("f2 counts 2").containsExactly("a", "b", "c");
        assertThat(fallbackRun(config("{ num_retries: 0, fallbacks: [{ g: [f1, f2] }, { f2: [f3] }], "
                + "max_fallbacks: 2 }", deployments))).as("f2, second in g's list, counts 2 too")
                .containsExactly("a", "b", "c");
        assertThat(fallbackRun(configWith("{ num_retries: 0, " + chain + " }",
                "litellm_settings: { max_fallbacks: 1 }\n", deployments))).containsExactly("a", "b");
        assertThat(fallbackRun(configWith("{ num_retries: 0, max_fallbacks: 3, " + chain + " }",
                "litellm_settings: { max_fallbacks: 1 }\n", deployments))).as("router_settings wins")
                .containsExactly("a", "b", "c", "d");
    }

    /**
     * LiteLLM's model_group_retry_policy: a group's own policy replaces retry_policy whole for the attempts in that
     * group, a job's own group (g: a kind it leaves out gets num_retries, not retry_policy's 0) or one it fell back
     * to (spare: one retry where retry_policy says none).
     */
    @Test
    void aModelGroupsRetryPolicyReplacesRetryPolicyInThatGroup() {
        Router r = router(config("{ num_retries: 2, retry_policy: { InternalServerErrorRetries: 0 }, "
                        + "model_group_retry_policy: { g: { TimeoutErrorRetries: 0 }, spare: { server_error: 1 } }, "
                        + "fallbacks: [{ g: [spare] }, { h: [spare] }] }",
                dep("g", "a", ""), dep("h", "b", ""), dep("spare", "s", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.SERVER_ERROR, 500))
                .on("b", fail(ErrorKind.SERVER_ERROR, 500)).on("s", fail(ErrorKind.SERVER_ERROR, 500));

        r.execute(RouteRequest.of("g"), call);
        assertThat(call.calls).containsExactly("a", "a", "a", "s");
        call.calls.clear();
        r.execute(RouteRequest.of("h"), call);
        assertThat(call.calls).containsExactly("b", "s", "s");
    }

    /**
     * LiteLLM's RetryPolicy and AllowedFailsPolicy have NotFoundErrorRetries and NotFoundErrorAllowedFails; llmq
     * refused both as unknown error kinds. NotFoundErrorRetries: 0 keeps a 404 from going to the group's other
     * deployment before the fallbacks (the allowance, for an error llmq cools at once on, is reported unused).
     */
    @Test
    void notFoundErrorRetriesSetsTheRetriesOfA404() {
        String[] deployments = {dep("g", "a", "weight: 1000"), dep("g", "b", "weight: 0.001"), dep("spare", "s", "")};
        LlmqConfig c = config("{ fallbacks: [{ g: [spare] }], retry_policy: { NotFoundErrorRetries: 0 }, "
                + "allowed_fails_policy: { NotFoundErrorAllowedFails: 2 } }", deployments);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.NOT_FOUND, 404));

        assertThat(router(c).execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Succeeded.class);

        assertThat(call.calls).containsExactly("a", "s");
        assertThat(c.router().retryPolicy()).containsExactly(Map.entry(ErrorKind.NOT_FOUND, 0));
        assertThat(c.unsupportedKeys())
                .containsExactly("router_settings.allowed_fails_policy.NotFoundErrorAllowedFails");
    }

    /**
     * LiteLLM's RetryPolicy has ServiceUnavailableErrorRetries and its AllowedFailsPolicy
     * ServiceUnavailableErrorAllowedFails (a 503: llmq's overloaded); llmq refused both as unknown. Set with
     * InternalServerError, each sets its own kinds, whatever the order.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "{ InternalServerError%1$s: 3, ServiceUnavailableError%1$s: 0 }",
            "{ ServiceUnavailableError%1$s: 0, InternalServerError%1$s: 3 }"})
    void serviceUnavailableErrorNamesSetOverloadedOverInternalServerError(String policy) {
        String[] deployments = {dep("g", "a", ""), dep("spare", "s", "")};
        LlmqConfig c = config("{ fallbacks: [{ g: [spare] }], retry_policy: " + policy.formatted("Retries")
                + ", allowed_fails_policy: " + policy.formatted("AllowedFails") + " }", deployments);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.OVERLOADED, 503));

        assertThat(router(c).execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Succeeded.class);

        assertThat(call.calls).as("ServiceUnavailableErrorRetries: 0, no retry of the 503").containsExactly("a", "s");
        assertThat(c.router().retriesFor("g", ErrorKind.SERVER_ERROR)).isEqualTo(3);
        assertThat(c.router().allowedFailsPolicy()).containsEntry(ErrorKind.OVERLOADED, 0)
                .containsEntry(ErrorKind.SERVER_ERROR, 3).containsEntry(ErrorKind.STREAM_TRUNCATED, 3);
    }

    /**
     * LiteLLM's ServiceUnavailableError (its class for a 503, llmq's overloaded) is not a subclass of its
     * InternalServerError, so InternalServerErrorRetries: 0 leaves a 503 the default retries (num_retries); llmq
     * gave it none, sending a lone deployment's 503 to the fallbacks at once. The same goes for the allowed fails.
     */
    @Test
    void internalServerErrorRetriesLeaveA503TheDefaultRetries() {
        String[] deployments = {dep("g", "a", ""), dep("spare", "s", "")};
        LlmqConfig c = config("{ num_retries: 2, fallbacks: [{ g: [spare] }], retry_policy: "
                + "{ InternalServerErrorRetries: 0 }, allowed_fails_policy: { InternalServerErrorAllowedFails: 7 } }",
                deployments);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.OVERLOADED, 503));

        assertThat(router(c).execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Succeeded.class);

        assertThat(call.calls).as("the 503 retried num_retries times").containsExactly("a", "a", "a", "s");
        assertThat(c.router().retriesFor("g", ErrorKind.OVERLOADED)).isEqualTo(2);
        assertThat(c.router().retriesFor("g", ErrorKind.SERVER_ERROR)).isZero();
        assertThat(c.router().retryPolicy()).containsOnlyKeys(ErrorKind.SERVER_ERROR, ErrorKind.STREAM_TRUNCATED);
        assertThat(c.router().allowedFailsPolicy()).doesNotContainKey(ErrorKind.OVERLOADED)
                .containsEntry(ErrorKind.SERVER_ERROR, 7);
    }

    /**
     * LiteLLM's DefaultRetries: the retries of every error its RetryPolicy gives no count of its own, in place of
     * num_retries; a group's model_group_retry_policy replaces retry_policy whole, its DefaultRetries with it.
     */
    @Test
    void defaultRetriesStandsInForNumRetriesForTheKindsThePolicyLeavesOut() {
        String[] deployments = {dep("g", "a", ""), dep("h", "b", ""), dep("spare", "s", "")};
        LlmqConfig c = config("{ num_retries: 2, fallbacks: [{ g: [spare] }], retry_policy: { DefaultRetries: 0, "
                + "TimeoutErrorRetries: 1 }, model_group_retry_policy: { h: { RateLimitErrorRetries: 1 } } }",
                deployments);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.SERVER_ERROR, 500));

        assertThat(router(c).execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Succeeded.class);

        assertThat(call.calls).as("no retry of the 500: DefaultRetries 0").containsExactly("a", "s");
        RouterSettings r = c.router();
        assertThat(r.retriesFor("g", ErrorKind.TIMEOUT)).isEqualTo(1);
        assertThat(r.retriesFor("g", ErrorKind.OVERLOADED)).isZero();
        assertThat(r.retriesFor("h", ErrorKind.SERVER_ERROR)).as("h's own policy sets no DefaultRetries").isEqualTo(2);
        assertThat(r.retryPolicy()).containsExactly(Map.entry(ErrorKind.TIMEOUT, 1));
        assertThat(c.unsupportedKeys()).isEmpty();
    }

    /**
     * LiteLLM's BadGatewayErrorAllowedFails counts 502s alone, which llmq cannot (a 502 is a server_error, as a 500
     * is): refused saying so rather than read as unknown (LiteLLM's RetryPolicy has no BadGatewayErrorRetries: that
     * stays unknown). Two names as narrow as each other setting one kind to two counts are refused too.
     */
    @Test
    void policyNamesLlmqCannotHonourAreRefusedSayingWhy() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config(
                        "{ allowed_fails_policy: { BadGatewayErrorAllowedFails: 2 } }", dep("g", "a", "")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("BadGatewayErrorAllowedFails")
                .hasMessageContaining("does not tell a 502 from a 500");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config(
                        "{ retry_policy: { BadGatewayErrorRetries: 2 } }", dep("g", "a", "")))
                .as("not a field of LiteLLM's RetryPolicy").isInstanceOf(ConfigException.class)
                .hasMessageContaining("BadGatewayErrorRetries: unknown error kind");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config(
                        "{ retry_policy: { overloaded: 1, ServiceUnavailableErrorRetries: 2 } }", dep("g", "a", "")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sets overloaded to 2 where overloaded sets it to 1");
    }

    /** The deployments a job of g calls when every deployment but d fails. */
    private List<String> fallbackRun(LlmqConfig c) {
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.SERVER_ERROR, 500))
                .on("b", fail(ErrorKind.SERVER_ERROR, 500)).on("c", fail(ErrorKind.SERVER_ERROR, 500));
        router(c).execute(RouteRequest.of("g"), call);
        return call.calls;
    }

    /**
     * As LiteLLM's pre-call checks: a deployment without max_input_tokens is held to the window the price table gives
     * its model; one that sets its own keeps it.
     */
    @Test
    void preCallChecksTakeTheWindowFromThePriceTableWhereTheDeploymentSetsNone() {
        LlmqConfig c = config("{ enable_pre_call_checks: true }", dep("g", "small", ""), dep("g", "big", ""),
                dep("g", "own", "max_input_tokens: 50000"));
        PriceLookup windows = new PriceLookup() {
            @Override
            public java.util.OptionalDouble costPerToken(Deployment d) {
                return java.util.OptionalDouble.empty();
            }

            @Override
            public Integer maxInputTokens(Deployment d) {
                return d.id().equals("small") ? 8_000 : d.id().equals("own") ? 1_000 : 128_000;
            }
        };
        Router r = new Router(c, clock, new SplittableRandom(42), sleeper, windows);
        RouteRequest tenThousand = new RouteRequest("g", List.of(), 10_000, false, null, null);

        for (int i = 0; i < 20; i++) {
            Selection s = r.select(tenThousand);
            assertThat(s).isInstanceOf(Selection.Selected.class);
            assertThat(((Selection.Selected) s).deployment().id()).isIn("big", "own");
        }
        Selection none = r.select(new RouteRequest("g", List.of(), 200_000, false, null, null));
        assertThat(none).isInstanceOfSatisfying(Selection.NoneAvailable.class, n -> assertThat(n.rejections())
                .extracting(Rejection::detail).contains("200000 prompt tokens > max_input_tokens 128000 (the price "
                        + "table's)", "200000 prompt tokens > max_input_tokens 50000"));
    }

    /** LiteLLM's model_group_alias: a job naming an alias runs in its group, with the group's fallbacks. */
    @Test
    void aJobNamingAnAliasRunsInItsGroupWithItsFallbacks() {
        Router r = router(config("{ num_retries: 0, fallbacks: [{ g: [spare] }], model_group_alias: { old: g } }",
                dep("g", "a", ""), dep("spare", "s", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.SERVER_ERROR, 500));

        RoutedOutcome out = r.execute(RouteRequest.of("old"), call);

        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(call.calls).containsExactly("a", "s");
        assertThat(out.attempts()).extracting(AttemptRecord::modelGroup).containsExactly("g", "spare");
        assertThat(r.modelGroups()).containsExactly("g", "spare", "old");
        assertThat(r.select(RouteRequest.of("old"))).isInstanceOf(Selection.Selected.class);
        assertThat(r.execute(RouteRequest.of("older"), call)).as("not an alias")
                .isInstanceOf(RoutedOutcome.Failed.class);
    }

    /** LiteLLM's generic fallback: a fallbacks entry for '*' serves every group without one of its own. */
    @Test
    void aFallbacksEntryForAnyGroupServesTheGroupsWithoutTheirOwn() {
        String settings = "{ num_retries: 0, fallbacks: [{ g: [other] }, { '*': [spare] }] }";
        String[] deployments = {dep("g", "a", ""), dep("h", "b", ""), dep("other", "c", ""),
            dep("spare", "s", "")};
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.TIMEOUT, 0))
                .on("b", fail(ErrorKind.TIMEOUT, 0));

        router(config(settings, deployments)).execute(RouteRequest.of("g"), call);
        router(config(settings, deployments)).execute(RouteRequest.of("h"), call);

        assertThat(call.calls).containsExactly("a", "c", "b", "s");
    }

    @Test
    void defaultFallbacksApplyToGroupsWithoutTheirOwn() {
        Router r = router(config("{ num_retries: 0, default_fallbacks: [spare] }",
                dep("g", "a", ""), dep("spare", "s", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.TIMEOUT, 0));

        assertThat(r.execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(call.calls).containsExactly("a", "s");
    }

    /** As LiteLLM: a 429 with no other deployment in the group goes to the fallback without waiting first. */
    @Test
    void aRateLimitWithNoOtherDeploymentGoesToTheFallbackAtOnce() {
        Router r = router(config("{ num_retries: 2, fallbacks: [{ g: [spare] }] }", dep("g", "a", ""),
                dep("spare", "s", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.RATE_LIMITED, 429,
                Duration.ofSeconds(5)));

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(call.calls).containsExactly("a", "s");
        assertThat(sleeper.sleeps).isEmpty();

        Router obeying = router(config("{ num_retries: 2, retry_policy: { RateLimitErrorRetries: 1 }, "
                + "fallbacks: [{ g: [spare] }] }", dep("g", "a", ""), dep("spare", "s", "")));
        Fakes.ScriptedCall again = new Fakes.ScriptedCall().on("a", fail(ErrorKind.RATE_LIMITED, 429,
                Duration.ofSeconds(5)));
        assertThat(obeying.execute(RouteRequest.of("g"), again)).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(again.calls).as("a retry_policy for rate limits is obeyed").containsExactly("a", "a", "s");
    }

    @Test
    void unknownGroupFailsWithoutAttempts() {
        Router r = router(config("{}", dep("g", "a", "")));
        RoutedOutcome out = r.execute(RouteRequest.of("nope"), new Fakes.ScriptedCall());
        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class, f -> {
            assertThat(f.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
            assertThat(f.error().message()).contains("'nope' is not configured");
            assertThat(f.lastDeployment()).isNull();
            assertThat(f.attempts()).isEmpty();
        });
    }

    @Test
    void tagsThatMatchNothingFailAsInvalidRequestWhenTagsRoute() {
        Router r = router(config("{ enable_tag_filtering: true }", dep("g", "a", "tags: [eu]")));
        RoutedOutcome out = r.execute(new RouteRequest("g", List.of("us"), 0, false, null), new Fakes.ScriptedCall());
        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class, f -> {
            assertThat(f.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
            assertThat(f.error().message()).contains("no healthy deployment for model group 'g'", "tag_mismatch");
        });
    }

    @Test
    void withoutTagFilteringTagsDoNotRoute() {
        // LiteLLM's default: tags sort spend (usage by tag, tag budgets) and choose no deployment
        Router r = router(config("{}", dep("g", "a", "tags: [eu]"), dep("g", "b", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall();
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            RoutedOutcome out = r.execute(new RouteRequest("g", List.of("team-x"), 0, false, null), call);
            assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
            used.add(((RoutedOutcome.Succeeded) out).deployment().id());
        }
        assertThat(used).as("a tag no deployment has; deployments with and without tags")
                .containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void rpmLimitReachedFailsAsRateLimitedWhenJobsMayNotWait() {
        Router r = router(noQueueWait("{}", dep("g", "a", "rpm: 2")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall();
        List<RoutedOutcome> outs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            outs.add(r.execute(RouteRequest.of("g"), call));
        }
        assertThat(call.calls).hasSize(2);
        assertThat(outs.get(2)).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                f -> assertThat(f.error().kind()).isEqualTo(ErrorKind.RATE_LIMITED));
        clock.advance(Duration.ofMinutes(1));
        assertThat(r.execute(RouteRequest.of("g"), call)).isInstanceOf(RoutedOutcome.Succeeded.class);
    }

    /** A request llmq refused before calling was not made: it does not use up the deployment's rpm. */
    @Test
    void aRequestRefusedBeforeSendingDoesNotCountAgainstTheRpm() {
        Router r = router(noQueueWait("{}", dep("g", "a", "rpm: 1")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.UNSUPPORTED_PARAMETER, 400).notSent(), ok());

        RoutedOutcome refused = r.execute(RouteRequest.of("g"), call);
        RoutedOutcome next = r.execute(RouteRequest.of("g"), call);

        assertThat(refused).isInstanceOf(RoutedOutcome.Failed.class);
        assertThat(next).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(call.calls).containsExactly("a", "a");
    }

    @Test
    void waitsForACooledGroupToRecoverWhenTheWaitIsShort() {
        Router r = router(config("{ cooldown_time: 4 }", dep("g", "a", ""), dep("g", "b", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.RATE_LIMITED, 429), ok()).on("b", fail(ErrorKind.RATE_LIMITED, 429), ok());

        RoutedOutcome out = r.execute(RouteRequest.of("g"), call);

        assertThat(out).isInstanceOf(RoutedOutcome.Succeeded.class);
        assertThat(call.calls).hasSize(3);
        // a short backoff, then the rest of the cooldown
        assertThat(sleeper.sleeps.stream().reduce(Duration.ZERO, Duration::plus)).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void deadlineStopsFurtherAttempts() {
        Router r = router(config("{ num_retries: 5 }", dep("g", "a", "")));
        Fakes.ScriptedCall call = new Fakes.ScriptedCall()
                .on("a", fail(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(10)));
        RouteRequest req = new RouteRequest("g", List.of(), 0, false, clock.instant().plusSeconds(15));

        RoutedOutcome out = r.execute(req, call);

        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                f -> assertThat(f.error().kind()).isEqualTo(ErrorKind.EXPIRED));
        assertThat(call.calls).hasSize(2);
    }

    @Test
    void reloadKeepsHealthOfUnchangedDeployments() {
        LlmqConfig before = config("{}", dep("g", "a", ""), dep("g", "b", ""));
        Router r = router(before);
        Fakes.ScriptedCall call = new Fakes.ScriptedCall().on("a", fail(ErrorKind.AUTHENTICATION, 401))
                .on("b", fail(ErrorKind.AUTHENTICATION, 401));
        r.execute(RouteRequest.of("g"), call);
        assertThat(r.select(RouteRequest.of("g"))).isInstanceOf(Selection.NoneAvailable.class);

        r.reload(config("{}", dep("g", "a", ""), dep("g", "b", "api_base: 'http://127.0.0.1:9/v1'"),
                dep("h", "c", "")));

        assertThat(r.modelGroups()).containsExactly("g", "h");
        Selection s = r.select(RouteRequest.of("g"));
        assertThat(s).isInstanceOfSatisfying(Selection.Selected.class,
                sel -> assertThat(sel.deployment().id()).isEqualTo("b"));
        assertThat(r.health().snapshot(r.config().deployments().get(0)).cooledUntil()).isNotNull();

        r.reload(config("{}", dep("h", "c", "")));
        assertThat(r.execute(RouteRequest.of("g"), call)).isInstanceOfSatisfying(RoutedOutcome.Failed.class,
                f -> assertThat(f.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST));
    }

    @Test
    void unexpectedExceptionsReleaseTheirPermits() {
        Router r = router(config("{}", dep("g", "a", "max_parallel_requests: 1")));
        AttemptCall boom = (d, n) -> {
            throw new IllegalStateException("bug");
        };
        for (int i = 0; i < 3; i++) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.execute(RouteRequest.of("g"), boom))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThat(r.execute(RouteRequest.of("g"), new Fakes.ScriptedCall()))
                .isInstanceOf(RoutedOutcome.Succeeded.class);
    }
}
