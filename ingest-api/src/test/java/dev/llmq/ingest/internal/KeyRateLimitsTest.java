package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKey.Scope;
import dev.llmq.config.ApiKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Per-key request and job rates: 429 with Retry-After, all-or-nothing takes, permits given back, bounded memory. */
class KeyRateLimitsTest {

    private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");

    private static ApiKey key(String name, Long rpm, Long jobs) {
        return new ApiKey(name, ApiKeys.hash(name), "acme", null, List.of(), Set.of(), Set.of(Scope.SUBMIT), rpm, jobs);
    }

    @Test
    void requestsBeyondTheRpmLimitAre429WithRetryAfterUntilAPermitRefills() {
        StepClock clock = new StepClock(T0);
        KeyRateLimits limits = new KeyRateLimits(clock);
        Caller c = Caller.of(key("k", 3L, null), null);
        for (int i = 0; i < 3; i++) {
            limits.request(c);
        }

        ApiException e = catchThrowableOfType(ApiException.class, () -> limits.request(c));

        assertThat(e.status()).isEqualTo(429);
        assertThat(e.type()).isEqualTo("requests");
        assertThat(e.code()).isEqualTo("rate_limit_exceeded");
        assertThat(e.retryAfterSeconds()).isEqualTo(20);
        assertThat(e.retryFutile()).as("a wait of under a minute: the SDKs' retry works").isFalse();
        clock.advance(Duration.ofSeconds(19));
        assertThat(catchThrowableOfType(ApiException.class, () -> limits.request(c)).retryAfterSeconds()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        limits.request(c);
    }

    @Test
    void jobPermitsAreTakenAllOrNothingAndGivenBack() {
        StepClock clock = new StepClock(T0);
        KeyRateLimits limits = new KeyRateLimits(clock);
        Caller c = Caller.of(key("k", null, 10L), null);
        limits.jobs(c, 6);

        ApiException e = catchThrowableOfType(ApiException.class, () -> limits.jobs(c, 5));
        assertThat(e.status()).isEqualTo(429);
        assertThat(e.type()).isEqualTo("jobs");
        assertThat(e.retryAfterSeconds()).isEqualTo(6);

        // the refused take took nothing: the 4 left are still there, and given back they count again
        KeyRateLimits.Taken four = limits.jobs(c, 4);
        assertThat(catchThrowableOfType(ApiException.class, () -> limits.jobs(c, 1))).isNotNull();
        four.giveBack();
        limits.jobs(c, 4);
    }

    @Test
    void aSubmissionLargerThanTheWholeMinuteIs400AndTakesNothing() {
        KeyRateLimits limits = new KeyRateLimits(new StepClock(T0));
        Caller c = Caller.of(key("k", null, 10L), null);

        ApiException e = catchThrowableOfType(ApiException.class, () -> limits.jobs(c, 11));

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("exceeds_jobs_per_minute");
        assertThat(e.getMessage()).contains("11 jobs").contains("at most 10 jobs per minute");
        limits.jobs(c, 10);
    }

    @Test
    void noKeyOrNoLimitIsNeverLimited() {
        KeyRateLimits limits = new KeyRateLimits(new StepClock(T0));
        for (int i = 0; i < 1000; i++) {
            limits.request(Caller.withoutKey(null));
            limits.request(Caller.of(key("free", null, null), null));
        }
        assertThat(limits.jobs(Caller.of(key("free", null, null), null), 100_000)).isSameAs(KeyRateLimits.Taken.NOTHING);
        assertThat(limits.size()).isEqualTo(0);
    }

    @Test
    void bucketsAreHeldPerConfiguredKeyAndDroppedWhenRevokedOrChanged() {
        KeyRateLimits limits = new KeyRateLimits(new StepClock(T0));
        ApiKey a = key("a", 1L, null);
        ApiKey b = key("b", 1L, null);
        limits.request(Caller.of(a, null));
        limits.request(Caller.of(b, null));
        assertThat(limits.size()).isEqualTo(2);

        ApiKey bWithMore = key("b", 5L, null);
        limits.retain(ApiKeys.of(List.of(a, bWithMore)));

        assertThat(limits.size()).isEqualTo(1);
        assertThat(catchThrowableOfType(ApiException.class, () -> limits.request(Caller.of(a, null)))).isNotNull();
        limits.request(Caller.of(bWithMore, null));
    }

    /**
     * The law of the bucket: in any span of t seconds from its start it grants at most perMinute + perMinute * t / 60
     * permits. 200 seeded random runs of takes and clock steps (jqwik is not on this module's test path).
     */
    @Test
    void neverGrantsMoreThanTheRateAllows() {
        java.util.Random random = new java.util.Random(20261130L);
        for (int run = 0; run < 200; run++) {
            int perMinute = 1 + random.nextInt(50);
            StepClock clock = new StepClock(T0);
            TokenBucket bucket = new TokenBucket(perMinute, clock);
            long granted = 0;
            long elapsedMillis = 0;
            for (int i = 0; i < 80; i++) {
                int step = random.nextInt(5001);
                clock.advance(Duration.ofMillis(step));
                elapsedMillis += step;
                int n = 1 + random.nextInt(perMinute);
                Duration wait = bucket.tryTake(n);
                if (wait == null) {
                    granted += n;
                } else {
                    assertThat(wait).isPositive();
                }
                assertThat((double) granted).as("run %d, take %d", run, i)
                        .isLessThanOrEqualTo(perMinute + perMinute * elapsedMillis / 60_000.0 + 1e-6);
            }
            assertThat(granted).as("run %d granted something", run).isPositive();
        }
    }
}
