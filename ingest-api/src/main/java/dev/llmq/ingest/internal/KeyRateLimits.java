package dev.llmq.ingest.internal;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The per-key rates of one ingest instance: {@link ApiKey#rpmLimit()} HTTP requests and {@link ApiKey#jobsPerMinute()}
 * jobs per minute, each a {@link TokenBucket} held by key hash (keys come from the config, so the map is bounded by
 * it; {@link #retain} drops the buckets of revoked keys). Beyond a rate: 429 {@code rate_limit_exceeded} with
 * {@code Retry-After}. The limits count per instance: behind a load balancer over N instances a key may reach N times
 * its rates.
 */
public final class KeyRateLimits {

    /** Job permits taken for a submission, to give back if it is not enqueued after all. */
    @FunctionalInterface
    public interface Taken {
        Taken NOTHING = () -> { };

        void giveBack();
    }

    private record Buckets(ApiKey key, TokenBucket requests, TokenBucket jobs) {
    }

    private final Clock clock;
    private final Map<String, Buckets> byHash = new ConcurrentHashMap<>();

    public KeyRateLimits(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Counts one HTTP request of the caller's key; 429 (type {@code requests}) beyond its {@code rpm_limit}. */
    public void request(Caller caller) {
        if (caller.key() == null || caller.key().rpmLimit() == null) {
            return;
        }
        Duration wait = buckets(caller.key()).requests().tryTake(1);
        if (wait != null) {
            throw limited("requests", "the API key '" + caller.key().name() + "' made more than its "
                    + caller.key().rpmLimit() + " requests per minute on this instance", wait);
        }
    }

    /**
     * Takes {@code jobs} job permits of the caller's key, all or none: 429 (type {@code jobs}) when they are not all
     * there now, 400 {@code exceeds_jobs_per_minute} when the submission is larger than the whole per-minute limit (a
     * 429 would invite retries, which OpenAI's clients make by themselves, that can never succeed).
     */
    public Taken jobs(Caller caller, int jobs) {
        if (caller.key() == null || caller.key().jobsPerMinute() == null) {
            return Taken.NOTHING;
        }
        ApiKey key = caller.key();
        if (jobs > key.jobsPerMinute()) {
            throw ApiException.invalid("exceeds_jobs_per_minute", null, "this submission has " + jobs
                    + " jobs but the API key '" + key.name() + "' may submit at most " + key.jobsPerMinute()
                    + " jobs per minute; split it into submissions of at most " + key.jobsPerMinute() + " jobs");
        }
        TokenBucket bucket = buckets(key).jobs();
        Duration wait = bucket.tryTake(jobs);
        if (wait != null) {
            throw limited("jobs", "the API key '" + key.name() + "' may submit " + key.jobsPerMinute()
                    + " jobs per minute on this instance; these " + jobs + " jobs would exceed it", wait);
        }
        return () -> bucket.giveBack(jobs);
    }

    /** Forgets the buckets of keys no longer configured (or whose limits changed: they start afresh). */
    public void retain(ApiKeys keys) {
        Set<ApiKey> current = keys.all().stream().collect(Collectors.toSet());
        byHash.values().removeIf(b -> !current.contains(b.key()));
    }

    /** How many keys have buckets (for tests: bounded by the configured keys). */
    int size() {
        return byHash.size();
    }

    private Buckets buckets(ApiKey key) {
        return byHash.compute(key.keyHash(), (hash, old) -> old != null && old.key().equals(key) ? old
                : new Buckets(key, key.rpmLimit() == null ? null : new TokenBucket(key.rpmLimit(), clock),
                        key.jobsPerMinute() == null ? null : new TokenBucket(key.jobsPerMinute(), clock)));
    }

    private static ApiException limited(String type, String message, Duration wait) {
        return new ApiException(429, type, "rate_limit_exceeded", null, message + "; retry after the seconds"
                + " Retry-After names", "rate_limited").withRetryAfter(wait);
    }
}
