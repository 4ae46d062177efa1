package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeploymentHealthTest {

    private final MutableClock clock = MutableClock.atMinuteStart();
    private final List<DeploymentHealthEvent> events = new ArrayList<>();

    private static Deployment dep(String id, Long rpm, Long tpm, Integer parallel) {
        return Deployment.builder(id, "g", ProviderTarget.builder("openai", "m").build()).rpm(rpm).tpm(tpm)
                .maxParallelRequests(parallel).build();
    }

    private DeploymentHealth health(RouterSettings settings, double share, Deployment... ds) {
        DeploymentHealth h = new DeploymentHealth(List.of(ds), settings, HealthPolicy.of(settings, share), clock,
                PriceLookup.NONE);
        h.addListener(events::add);
        return h;
    }

    private static ProviderError err(ErrorKind kind, int status, Duration retryAfter) {
        return ProviderError.builder(kind).httpStatus(status).retryAfter(retryAfter).build();
    }

    private DeploymentHealth.Permit acquire(DeploymentHealth h, Deployment d) {
        DeploymentHealth.Permit p = h.tryAcquire(d, 0, false, new Rejection.Cause[1]);
        assertThat(p).as("permit for %s", d.id()).isNotNull();
        return p;
    }

    private void failOnce(DeploymentHealth h, Deployment d, ProviderError e, boolean others) {
        acquire(h, d).failure(Duration.ofMillis(10), e, others);
    }

    @ParameterizedTest(name = "{0} {1} others={2} → cooled={3}")
    @CsvSource({
            "RATE_LIMITED, 429, true, true",
            "RATE_LIMITED, 429, false, false",
            "QUOTA_EXHAUSTED, 429, true, true",
            "AUTHENTICATION, 401, false, true",
            "NOT_FOUND, 404, true, true",
            "SERVER_ERROR, 500, true, false",
            "CONNECTION_ERROR, 0, true, false",
            "INVALID_REQUEST, 400, true, false",
    })
    void oneFailureCoolsOnlyWhereLiteLlmDoes(ErrorKind kind, int status, boolean others, boolean cooled) {
        Deployment d = dep("a", null, null, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, d);

        failOnce(h, d, err(kind, status, null), others);

        if (cooled) {
            assertThat(h.snapshot(d).cooledUntil()).isEqualTo(clock.instant().plusSeconds(5));
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.state()).isEqualTo(DeploymentHealthEvent.State.COOLED);
                assertThat(e.reason()).contains(kind.wire());
            });
        } else {
            assertThat(h.snapshot(d).cooledUntil()).isNull();
            assertThat(events).isEmpty();
        }
    }

    /**
     * A host that refuses connections (down, or a wrong api_base) cools its deployment by the failure-rate rule, so
     * the group's other deployment takes the calls; but for this worker only, as its network may be what failed:
     * nothing is told to the others, neither the start nor the end.
     */
    @Test
    void connectionErrorsCoolTheDeploymentForThisWorkerOnly() {
        Deployment dead = dep("dead", null, null, null);
        Deployment other = dep("other", null, null, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, dead, other);
        for (int i = 0; i < 4; i++) {
            failOnce(h, dead, err(ErrorKind.CONNECTION_ERROR, 0, null), true);
        }
        assertThat(h.snapshot(dead).cooledUntil()).as("4 of 4: under the 5 requests the rule needs").isNull();

        failOnce(h, dead, err(ErrorKind.CONNECTION_ERROR, 0, null), true);

        assertThat(h.snapshot(dead).cooledUntil()).isEqualTo(clock.instant().plusSeconds(5));
        assertThat(h.snapshot(dead).circuitOpen()).as("the breaker does not count them").isFalse();
        assertThat(h.activeEvents()).as("not published to a late starter").isEmpty();
        clock.advance(Duration.ofSeconds(6));
        assertThat(h.snapshot(dead).cooledUntil()).isNull();
        assertThat(events).as("neither its start nor its end announced").isEmpty();
    }

    @Test
    void cooldownLastsCooldownTimeElseRetryAfterElseFiveSeconds() {
        Deployment d = dep("a", null, null, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, d);
        failOnce(h, d, err(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(10)), true);
        assertThat(h.snapshot(d).cooledUntil()).isEqualTo(clock.instant().plusSeconds(10));

        RouterSettings withTime = ConfigLoader.parse("""
                model_list: [{ model_name: g, litellm_params: { model: openai/m } }]
                router_settings: { cooldown_time: 2 }
                """, Map.of()).router();
        DeploymentHealth h2 = health(withTime, 1.0, d);
        failOnce(h2, d, err(ErrorKind.RATE_LIMITED, 429, Duration.ofSeconds(10)), true);
        assertThat(h2.snapshot(d).cooledUntil()).isEqualTo(clock.instant().plusSeconds(2));
    }

    @Test
    void cooledDeploymentRecoversAndSaysSo() {
        Deployment d = dep("a", null, null, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, d);
        failOnce(h, d, err(ErrorKind.AUTHENTICATION, 401, null), true);
        assertThat(h.tryAcquire(d, 0, false, new Rejection.Cause[1])).isNull();

        clock.advance(Duration.ofSeconds(5));

        assertThat(h.snapshot(d).cooledUntil()).isNull();
        assertThat(events).extracting(DeploymentHealthEvent::state)
                .containsExactly(DeploymentHealthEvent.State.COOLED, DeploymentHealthEvent.State.RECOVERED);
        assertThat(h.tryAcquire(d, 0, false, new Rejection.Cause[1])).isNotNull();
    }

    @Test
    void moreThanHalfOfAtLeastFiveRequestsFailingCools() {
        Deployment d = dep("a", null, null, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, d);
        acquire(h, d).success(Duration.ofMillis(10), Fakes.ok());
        acquire(h, d).success(Duration.ofMillis(10), Fakes.ok());
        failOnce(h, d, err(ErrorKind.SERVER_ERROR, 500, null), true);
        failOnce(h, d, err(ErrorKind.SERVER_ERROR, 500, null), true);
        assertThat(h.snapshot(d).cooledUntil()).as("4 requests: too few").isNull();
        failOnce(h, d, err(ErrorKind.SERVER_ERROR, 500, null), true);
        assertThat(h.snapshot(d).cooledUntil()).as("3 of 5 failed").isNotNull();
        assertThat(events.getFirst().reason()).isEqualTo("3 of 5 requests failed this minute");
    }

    @Test
    void allowedFailsCountsFailuresPerMinute() {
        RouterSettings s = ConfigLoader.parse("""
                model_list: [{ model_name: g, litellm_params: { model: openai/m } }]
                router_settings: { allowed_fails: 1, allowed_fails_policy: { TimeoutErrorAllowedFails: 3 } }
                """, Map.of()).router();
        Deployment d = dep("a", null, null, null);
        DeploymentHealth h = health(s, 1.0, d);
        failOnce(h, d, err(ErrorKind.SERVER_ERROR, 500, null), true);
        assertThat(h.snapshot(d).cooledUntil()).isNull();
        clock.advance(Duration.ofMinutes(1));
        failOnce(h, d, err(ErrorKind.SERVER_ERROR, 500, null), true);
        assertThat(h.snapshot(d).cooledUntil()).as("a new minute starts a new count").isNull();
        for (int i = 0; i < 3; i++) {
            failOnce(h, d, err(ErrorKind.TIMEOUT, 0, null), true);
        }
        assertThat(h.snapshot(d).cooledUntil()).as("timeouts have their own allowance").isNull();
        failOnce(h, d, err(ErrorKind.SERVER_ERROR, 500, null), true);
        assertThat(h.snapshot(d).cooledUntil()).isNotNull();
    }

    @Test
    void breakerOpensOnSustainedFailureAndProbesAfterItsWait() {
        Deployment d = dep("a", null, null, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, d);
        for (int i = 0; i < 10; i++) {
            failOnce(h, d, err(ErrorKind.SERVER_ERROR, 500, null), false);
        }
        assertThat(h.snapshot(d).circuitOpen()).isTrue();
        assertThat(h.activeEvents()).extracting(DeploymentHealthEvent::state)
                .containsExactly(DeploymentHealthEvent.State.OPEN);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(DeploymentHealthEvent.State.OPEN);
            assertThat(e.until()).isEqualTo(clock.instant().plusSeconds(30));
        });
        Rejection.Cause[] denied = new Rejection.Cause[1];
        assertThat(h.tryAcquire(d, 0, false, denied)).isNull();
        assertThat(denied[0]).isEqualTo(Rejection.Cause.CIRCUIT_OPEN);

        clock.advance(Duration.ofSeconds(30));
        assertThat(h.snapshot(d).circuitOpen()).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(h.snapshot(d).circuitOpen()).isFalse();
        DeploymentHealth.Permit probe = acquire(h, d);
        assertThat(h.tryAcquire(d, 0, false, denied)).as("one probe at a time").isNull();
        probe.success(Duration.ofMillis(5), Fakes.ok());

        assertThat(events).extracting(DeploymentHealthEvent::state)
                .containsExactly(DeploymentHealthEvent.State.OPEN, DeploymentHealthEvent.State.CLOSED);
        assertThat(h.tryAcquire(d, 0, false, denied)).isNotNull();
    }

    @Test
    void eventsFromOtherProcessesApplyWithoutEcho() {
        Deployment d = dep("a", null, null, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, d);
        Instant until = clock.instant().plusSeconds(20);

        h.apply(new DeploymentHealthEvent("a", DeploymentHealthEvent.State.COOLED, until, "remote"));
        assertThat(h.snapshot(d).cooledUntil()).isEqualTo(until);
        assertThat(h.activeEvents()).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo(DeploymentHealthEvent.State.COOLED);
            assertThat(e.until()).isEqualTo(until);
        });
        h.apply(new DeploymentHealthEvent("a", DeploymentHealthEvent.State.RECOVERED, null, "remote"));
        assertThat(h.snapshot(d).cooledUntil()).isNull();

        h.apply(new DeploymentHealthEvent("a", DeploymentHealthEvent.State.OPEN, until, "remote"));
        assertThat(h.snapshot(d).circuitOpen()).isTrue();
        assertThat(h.tryAcquire(d, 0, false, new Rejection.Cause[1])).isNull();
        h.apply(new DeploymentHealthEvent("a", DeploymentHealthEvent.State.CLOSED, null, "remote"));
        assertThat(h.snapshot(d).circuitOpen()).isFalse();
        h.apply(new DeploymentHealthEvent("unknown", DeploymentHealthEvent.State.CLOSED, null, "remote"));

        assertThat(events).isEmpty();
        assertThat(h.tryAcquire(d, 0, false, new Rejection.Cause[1])).isNotNull();
    }

    @Test
    void remoteCooldownEndsQuietly() {
        Deployment d = dep("a", null, null, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, d);
        h.apply(new DeploymentHealthEvent("a", DeploymentHealthEvent.State.COOLED, clock.instant().plusSeconds(1),
                "remote"));
        clock.advance(Duration.ofSeconds(1));
        assertThat(h.snapshot(d).cooledUntil()).isNull();
        assertThat(events).as("only the process that cooled it announces recovery").isEmpty();
    }

    /**
     * A worker with disable_cooldowns keeps a deployment in rotation that another worker (one still on the config
     * from before a reload that turned cooldowns off) cooled and announced; the breaker, which disable_cooldowns
     * leaves on, is still shared.
     */
    @Test
    void announcedCooldownsDoNotApplyWhileCooldownsAreDisabled() {
        Deployment d = dep("a", null, null, null);
        RouterSettings off = ConfigLoader.parse("""
                model_list: [{ model_name: g, litellm_params: { model: openai/m } }]
                router_settings: { disable_cooldowns: true }
                """, Map.of()).router();
        DeploymentHealth h = health(off, 1.0, d);
        Instant until = clock.instant().plusSeconds(20);

        h.apply(new DeploymentHealthEvent("a", DeploymentHealthEvent.State.COOLED, until, "remote"));

        assertThat(h.snapshot(d).cooledUntil()).isNull();
        acquire(h, d).abandon();
        assertThat(h.activeEvents()).isEmpty();
        h.apply(new DeploymentHealthEvent("a", DeploymentHealthEvent.State.OPEN, until, "remote"));
        assertThat(h.snapshot(d).circuitOpen()).isTrue();
        assertThat(events).isEmpty();
    }

    @Test
    void bulkheadBoundsCallsInFlight() {
        Deployment d = dep("a", null, null, 2);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, d);
        DeploymentHealth.Permit p1 = acquire(h, d);
        acquire(h, d);
        Rejection.Cause[] denied = new Rejection.Cause[1];
        assertThat(h.tryAcquire(d, 0, false, denied)).isNull();
        assertThat(denied[0]).isEqualTo(Rejection.Cause.PARALLEL_LIMIT);
        assertThat(h.snapshot(d).inFlight()).isEqualTo(2);
        assertThat(h.snapshot(d).parallelLimitReached()).isTrue();

        p1.failure(Duration.ZERO, err(ErrorKind.INVALID_REQUEST, 400, null), false);
        assertThat(h.tryAcquire(d, 0, false, denied)).isNotNull();
    }

    @Test
    void rpmAndTpmCountPerMinuteWithinTheLimitShare() {
        Deployment d = dep("a", 10L, 1000L, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 0.5, d);
        Rejection.Cause[] denied = new Rejection.Cause[1];
        for (int i = 0; i < 5; i++) {
            assertThat(h.tryAcquire(d, 10, false, denied)).isNotNull();
        }
        assertThat(h.tryAcquire(d, 10, false, denied)).isNull();
        assertThat(denied[0]).isEqualTo(Rejection.Cause.RPM_LIMIT);
        DeploymentSnapshot s = h.snapshot(d);
        assertThat(s.rpmUsed()).isEqualTo(5);
        assertThat(s.tpmUsed()).isEqualTo(50);
        assertThat(s.rpmLimit()).isEqualTo(5);
        assertThat(s.tpmLimit()).isEqualTo(500);

        clock.advance(Duration.ofMinutes(1));
        assertThat(h.tryAcquire(d, 501, false, denied)).isNull();
        assertThat(denied[0]).isEqualTo(Rejection.Cause.TPM_LIMIT);
        DeploymentHealth.Permit p = h.tryAcquire(d, 100, false, denied);
        p.success(Duration.ofMillis(100), Fakes.ok(300, Duration.ofMillis(100)));
        assertThat(h.snapshot(d).tpmUsed()).as("estimate replaced by actual usage").isEqualTo(310);
    }

    @Test
    void latencyIsAveragedPerOutputTokenOverTheWindow() {
        Deployment d = dep("a", null, null, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, d);
        assertThat(h.snapshot(d).latencyPerToken()).isNaN();
        acquire(h, d).success(Duration.ofSeconds(1), Fakes.ok(10, Duration.ofSeconds(1)));
        acquire(h, d).success(Duration.ofSeconds(3), Fakes.ok(10, Duration.ofSeconds(3)));
        assertThat(h.snapshot(d).latencyPerToken()).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-9));
        clock.advance(Duration.ofHours(2));
        assertThat(h.snapshot(d).latencyPerToken()).as("samples expire after the ttl").isNaN();
    }

    @Test
    void syncKeepsUnchangedStatesAndResetsChangedOnes() {
        Deployment a = dep("a", null, null, null);
        Deployment b = dep("b", null, null, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, a, b);
        failOnce(h, a, err(ErrorKind.AUTHENTICATION, 401, null), true);
        failOnce(h, b, err(ErrorKind.AUTHENTICATION, 401, null), true);

        Deployment b2 = dep("b", 100L, null, null);
        h.sync(List.of(a, b2), RouterSettings.DEFAULTS, HealthPolicy.of(RouterSettings.DEFAULTS, 1.0));

        assertThat(h.snapshot(a).cooledUntil()).isNotNull();
        assertThat(h.snapshot(b2).cooledUntil()).isNull();
    }

    /**
     * A reload that changes only the health settings (cooldown_time, allowed_fails, llmq.health ...) keeps what holds
     * deployments back: before, every state started afresh, so an open breaker let 14 calls through within a second
     * of an unrelated edit, and this minute's rpm count started at zero.
     */
    @Test
    void aHealthSettingsChangeKeepsCooldownsOpenBreakersAndTheMinutesCounts() {
        Deployment cooled = dep("cooled", null, null, null);
        Deployment broken = dep("broken", null, null, null);
        Deployment busy = dep("busy", 3L, null, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 1.0, cooled, broken, busy);
        failOnce(h, cooled, err(ErrorKind.AUTHENTICATION, 401, null), true);
        Instant cooledUntil = h.snapshot(cooled).cooledUntil();
        HealthPolicy policy = HealthPolicy.of(RouterSettings.DEFAULTS, 1.0);
        for (int i = 0; i < policy.breakerMinCalls(); i++) {
            failOnce(h, broken, err(ErrorKind.SERVER_ERROR, 500, null), false);
        }
        assertThat(h.snapshot(broken).circuitOpen()).isTrue();
        for (int i = 0; i < 3; i++) {
            acquire(h, busy).success(Duration.ofMillis(10), Fakes.ok(10, Duration.ofMillis(10)));
        }
        int eventsBefore = events.size();

        HealthPolicy edited = new HealthPolicy(policy.allowedFails(), policy.allowedFailsPolicy(),
                Duration.ofSeconds(4), policy.failureMinRequests(), policy.failureThreshold(), policy.breakerMinCalls(),
                policy.breakerFailureRate(), policy.breakerWindow(), policy.breakerOpen(),
                policy.breakerHalfOpenCalls(), policy.limitShare());
        h.sync(List.of(cooled, broken, busy), RouterSettings.DEFAULTS, edited);

        assertThat(h.snapshot(cooled).cooledUntil()).isEqualTo(cooledUntil);
        assertThat(h.snapshot(broken).circuitOpen()).isTrue();
        Rejection.Cause[] denied = new Rejection.Cause[1];
        assertThat(h.tryAcquire(broken, 0, false, denied)).isNull();
        assertThat(denied[0]).isEqualTo(Rejection.Cause.CIRCUIT_OPEN);
        assertThat(h.snapshot(busy).rpmUsed()).isEqualTo(3);
        assertThat(h.tryAcquire(busy, 0, false, denied)).isNull();
        assertThat(denied[0]).isEqualTo(Rejection.Cause.RPM_LIMIT);
        assertThat(events).as("nothing announced again").hasSize(eventsBefore);
        clock.advance(Duration.ofSeconds(6));
        assertThat(h.snapshot(cooled).cooledUntil()).as("the cooldown still ends").isNull();
    }

    @Test
    void processFractionSplitsTheLimitShareAndKeepsCounters() {
        Deployment d = dep("a", 12L, 1000L, null);
        DeploymentHealth h = health(RouterSettings.DEFAULTS, 0.5, d);
        Rejection.Cause[] denied = new Rejection.Cause[1];
        for (int i = 0; i < 3; i++) {
            assertThat(h.tryAcquire(d, 10, false, denied)).isNotNull();
        }
        h.processFraction(0.5);
        DeploymentSnapshot s = h.snapshot(d);
        assertThat(s.rpmLimit()).as("12 × 0.5 × 0.5").isEqualTo(3);
        assertThat(s.tpmLimit()).isEqualTo(250);
        assertThat(s.rpmUsed()).as("counters survive").isEqualTo(3);
        assertThat(h.tryAcquire(d, 10, false, denied)).isNull();
        assertThat(denied[0]).isEqualTo(Rejection.Cause.RPM_LIMIT);

        h.processFraction(1.0);
        assertThat(h.tryAcquire(d, 10, false, denied)).isNotNull();
        assertThat(h.snapshot(d).rpmLimit()).isEqualTo(6);
        assertThatThrownBy(() -> h.processFraction(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
