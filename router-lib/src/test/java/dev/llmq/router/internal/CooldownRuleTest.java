package dev.llmq.router.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.provider.ErrorKind;
import dev.llmq.router.HealthPolicy;
import dev.llmq.router.RouterSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class CooldownRuleTest {

    /** The shipped thresholds: at least 5 requests, more than half failed. */
    private static final HealthPolicy SHIPPED = HealthPolicy.of(RouterSettings.DEFAULTS, 1.0);

    private static HealthPolicy policy(Integer allowedFails, String perKind, Integer cooldownSeconds) {
        Map<ErrorKind, Integer> allowedFailsPolicy = perKind == null ? Map.of()
                : Map.of(ErrorKind.valueOf(perKind.split("=")[0]), Integer.parseInt(perKind.split("=")[1]));
        return new HealthPolicy(allowedFails, allowedFailsPolicy,
                cooldownSeconds == null ? null : Duration.ofSeconds(cooldownSeconds), SHIPPED.failureMinRequests(),
                SHIPPED.failureThreshold(), SHIPPED.breakerMinCalls(), SHIPPED.breakerFailureRate(),
                SHIPPED.breakerWindow(), SHIPPED.breakerOpen(), SHIPPED.breakerHalfOpenCalls(), SHIPPED.limitShare());
    }

    /**
     * successes / failures / ofKind: this minute's counts with the judged failure included (kinds that do not count
     * against health are never counted); allowed / perKind / cooldown: router settings; retryAfter: the error's;
     * cools: the cooldown in seconds, empty for none.
     */
    @ParameterizedTest(name = "{0} {1} others={2} {3}/{4}/{5} allowed={6} {7} cooldown={8} retryAfter={9} → {10} {11}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # kind                 | status | others | succ | fail | ofKind | allowed | perKind   | cooldown | retryAfter | cools | reason
            # kinds that do not count against health never cool, whatever the status or the minute
            INVALID_REQUEST        | 400    | true   | 0    | 0    | 0      | -       | -         | -        | -          | -     | -
            INVALID_REQUEST        | 404    | false  | 0    | 0    | 0      | -       | -         | -        | -          | -     | -
            CONTENT_POLICY         | 429    | true   | 0    | 0    | 0      | -       | -         | -        | -          | -     | -
            # connection errors: the failure-rate rules, in a group with another deployment, for this worker only
            CONNECTION_ERROR       | 0      | true   | 0    | 9    | 9      | 0       | -         | -        | -          | 5     | 9 failures this minute > allowed_fails 0 (this worker)
            CONNECTION_ERROR       | 0      | true   | 0    | 5    | 5      | -       | -         | 7        | -          | 7     | 5 of 5 requests failed this minute (this worker)
            CONNECTION_ERROR       | 0      | true   | 3    | 2    | 2      | -       | -         | -        | -          | -     | -
            CONNECTION_ERROR       | 0      | false  | 0    | 9    | 9      | 0       | -         | -        | -          | -     | -
            CONTEXT_WINDOW_EXCEEDED| 400    | true   | 0    | 9    | 0      | -       | -         | -        | -          | -     | -
            # a 429 cools at once, but only when the group has another deployment; the allowances are not consulted
            RATE_LIMITED           | 429    | true   | 0    | 1    | 1      | -       | -         | -        | -          | 5     | rate_limited (429)
            RATE_LIMITED           | 429    | false  | 0    | 1    | 1      | -       | -         | -        | -          | -     | -
            QUOTA_EXHAUSTED        | 429    | true   | 0    | 1    | 1      | -       | -         | -        | -          | 5     | quota_exhausted (429)
            QUOTA_EXHAUSTED        | 0      | false  | 0    | 1    | 1      | -       | -         | -        | -          | -     | -
            OVERLOADED             | 429    | true   | 0    | 1    | 1      | -       | -         | -        | -          | 5     | overloaded (429)
            OVERLOADED             | 429    | false  | 0    | 1    | 1      | -       | -         | -        | -          | -     | -
            RATE_LIMITED           | 0      | true   | 0    | 1    | 1      | -       | -         | -        | -          | 5     | rate_limited
            RATE_LIMITED           | 429    | true   | 9    | 1    | 1      | 5       | RATE_LIMITED=3 | -   | -          | 5     | rate_limited (429)
            # 401 and 404 (or their kinds) cool at once, even a group's only deployment
            AUTHENTICATION         | 401    | false  | 0    | 1    | 1      | -       | -         | -        | -          | 5     | authentication (401)
            AUTHENTICATION         | 0      | false  | 0    | 1    | 1      | -       | -         | -        | -          | 5     | authentication
            NOT_FOUND              | 404    | true   | 0    | 1    | 1      | 5       | -         | -        | -          | 5     | not_found (404)
            SERVER_ERROR           | 401    | false  | 0    | 1    | 1      | -       | -         | -        | -          | 5     | server_error (401)
            PERMISSION_DENIED      | 403    | true   | 0    | 1    | 1      | -       | -         | -        | -          | -     | -
            # any other failure of a group's only deployment is left to the breaker
            SERVER_ERROR           | 500    | false  | 0    | 10   | 10     | -       | -         | -        | -          | -     | -
            SERVER_ERROR           | 500    | false  | 0    | 10   | 10     | 0       | -         | -        | -          | -     | -
            TIMEOUT                | 0      | false  | 0    | 10   | 10     | -       | TIMEOUT=0 | -        | -          | -     | -
            # allowed_fails_policy: the failures of the kind this minute, before allowed_fails and the 50% rule
            TIMEOUT                | 0      | true   | 0    | 5    | 3      | 1       | TIMEOUT=3 | -        | -          | -     | -
            TIMEOUT                | 0      | true   | 0    | 9    | 3      | -       | TIMEOUT=3 | -        | -          | -     | -
            TIMEOUT                | 0      | true   | 0    | 4    | 4      | 1       | TIMEOUT=3 | -        | -          | 5     | 4 timeout failures this minute > allowed 3
            TIMEOUT                | 0      | true   | 0    | 1    | 1      | -       | TIMEOUT=0 | -        | -          | 5     | 1 timeout failures this minute > allowed 0
            SERVER_ERROR           | 500    | true   | 0    | 2    | 1      | 1       | TIMEOUT=3 | -        | -          | 5     | 2 failures this minute > allowed_fails 1
            # allowed_fails: failures of every kind this minute, instead of the 50% rule
            SERVER_ERROR           | 500    | true   | 0    | 1    | 1      | 1       | -         | -        | -          | -     | -
            SERVER_ERROR           | 500    | true   | 0    | 2    | 1      | 1       | -         | -        | -          | 5     | 2 failures this minute > allowed_fails 1
            SERVER_ERROR           | 500    | true   | 9    | 1    | 1      | 0       | -         | -        | -          | 5     | 1 failures this minute > allowed_fails 0
            SERVER_ERROR           | 500    | true   | 0    | 6    | 6      | 10      | -         | -        | -          | -     | -
            # no allowed_fails: more than half of at least 5 requests this minute failed
            SERVER_ERROR           | 500    | true   | 0    | 4    | 4      | -       | -         | -        | -          | -     | -
            SERVER_ERROR           | 500    | true   | 2    | 2    | 2      | -       | -         | -        | -          | -     | -
            SERVER_ERROR           | 500    | true   | 2    | 3    | 3      | -       | -         | -        | -          | 5     | 3 of 5 requests failed this minute
            SERVER_ERROR           | 500    | true   | 3    | 3    | 3      | -       | -         | -        | -          | -     | -
            SERVER_ERROR           | 500    | true   | 0    | 5    | 5      | -       | -         | -        | -          | 5     | 5 of 5 requests failed this minute
            TIMEOUT                | 0      | true   | 4    | 5    | 2      | -       | -         | -        | -          | 5     | 5 of 9 requests failed this minute
            # how long: cooldown_time, else Retry-After (as given), else 5 s
            RATE_LIMITED           | 429    | true   | 0    | 1    | 1      | -       | -         | -        | 10         | 10    | rate_limited (429)
            RATE_LIMITED           | 429    | true   | 0    | 1    | 1      | -       | -         | 2        | 10         | 2     | rate_limited (429)
            RATE_LIMITED           | 429    | true   | 0    | 1    | 1      | -       | -         | 0        | 10         | 0     | rate_limited (429)
            RATE_LIMITED           | 429    | true   | 0    | 1    | 1      | -       | -         | -        | -3         | -3    | rate_limited (429)
            SERVER_ERROR           | 500    | true   | 2    | 3    | 3      | -       | -         | -        | 7          | 7     | 3 of 5 requests failed this minute
            AUTHENTICATION         | 401    | false  | 0    | 1    | 1      | -       | -         | 30       | -          | 30    | authentication (401)
            # a Retry-After longer than a job waits (60 s) cools even the only deployment, for itself (at most 1 h)
            RATE_LIMITED           | 429    | false  | 0    | 1    | 1      | -       | -         | -        | 60         | -     | -
            RATE_LIMITED           | 429    | false  | 0    | 1    | 1      | -       | -         | -        | 61         | 61    | rate_limited (429), Retry-After 61 s
            RATE_LIMITED           | 429    | true   | 0    | 1    | 1      | -       | -         | 5        | 600        | 600   | rate_limited (429), Retry-After 600 s
            QUOTA_EXHAUSTED        | 429    | false  | 0    | 1    | 1      | -       | -         | -        | 86400      | 3600  | quota_exhausted (429), Retry-After 86400 s
            OVERLOADED             | 503    | false  | 0    | 1    | 1      | -       | -         | -        | 120        | 120   | overloaded (503), Retry-After 120 s
            SERVER_ERROR           | 503    | false  | 0    | 1    | 1      | -       | -         | -        | 120        | 120   | server_error (503), Retry-After 120 s
            SERVER_ERROR           | 500    | false  | 0    | 1    | 1      | -       | -         | -        | 120        | -     | -
            CONNECTION_ERROR       | 0      | false  | 0    | 1    | 1      | -       | -         | -        | 120        | -     | -
            """)
    void coolsWhereLiteLlmDoesForAsLongAsItSays(ErrorKind kind, int status, boolean others, int successes,
                                                int failures, int ofKind, Integer allowedFails, String perKind,
                                                Integer cooldownSeconds, Integer retryAfterSeconds,
                                                Integer coolsSeconds, String reason) {
        Optional<CooldownRule.Decision> decision = CooldownRule.decide(policy(allowedFails, perKind, cooldownSeconds),
                kind, status, retryAfterSeconds == null ? null : Duration.ofSeconds(retryAfterSeconds),
                new CooldownRule.Minute(successes, failures, ofKind), others);

        if (coolsSeconds == null) {
            assertThat(decision).isEmpty();
        } else {
            assertThat(decision).contains(new CooldownRule.Decision(Duration.ofSeconds(coolsSeconds), reason,
                    kind != ErrorKind.CONNECTION_ERROR));
        }
    }

    /**
     * {@link CooldownRule#COOL_AT_ONCE}, by which the config reports allowances without effect, is exactly the kinds
     * that count against health and that a large allowance does not keep from cooling their deployment.
     */
    @ParameterizedTest
    @EnumSource(ErrorKind.class)
    void theKindsThatCoolAtOnceAreThoseNoAllowanceHolds(ErrorKind kind) {
        HealthPolicy generous = new HealthPolicy(1000, Map.of(kind, 1000), null, SHIPPED.failureMinRequests(),
                SHIPPED.failureThreshold(), SHIPPED.breakerMinCalls(), SHIPPED.breakerFailureRate(),
                SHIPPED.breakerWindow(), SHIPPED.breakerOpen(), SHIPPED.breakerHalfOpenCalls(), SHIPPED.limitShare());

        Optional<CooldownRule.Decision> decision = CooldownRule.decide(generous, kind, 0, null,
                new CooldownRule.Minute(0, 1, 1), true);

        assertThat(decision.isPresent()).as("%s cools with an allowance of 1000", kind)
                .isEqualTo(CooldownRule.COOL_AT_ONCE.contains(kind));
    }

    @Test
    void theMinutesCountsMustBeConsistent() {
        assertThatThrownBy(() -> new CooldownRule.Minute(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CooldownRule.Minute(0, 1, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CooldownRule.Minute(0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new CooldownRule.Minute(0, 2, 2).failures()).isEqualTo(2);
    }
}
