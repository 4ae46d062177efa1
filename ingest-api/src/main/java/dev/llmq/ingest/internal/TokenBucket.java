package dev.llmq.ingest.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A per-minute limit as a token bucket: it holds at most {@code perMinute} permits and refills them evenly over a
 * minute, so a quiet key may burst up to its whole minute and a busy one gets one permit every {@code 60 s /
 * perMinute}. Taking is all or nothing: a refused take takes nothing.
 */
final class TokenBucket {

    private static final double NANOS_PER_MINUTE = 60e9;

    private final long perMinute;
    private final Clock clock;
    private double permits;
    private Instant last;

    TokenBucket(long perMinute, Clock clock) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("perMinute must be at least 1, got " + perMinute);
        }
        this.perMinute = perMinute;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.permits = perMinute;
        this.last = clock.instant();
    }

    long perMinute() {
        return perMinute;
    }

    /**
     * Takes {@code n} permits (1..{@link #perMinute()}) when they are all there.
     *
     * @return null when taken, else how long until {@code n} permits will be there
     */
    synchronized Duration tryTake(long n) {
        if (n < 1 || n > perMinute) {
            throw new IllegalArgumentException("n must be 1.." + perMinute + ", got " + n);
        }
        refill();
        if (permits >= n) {
            permits -= n;
            return null;
        }
        // less a thousandth of a nanosecond: floating-point noise must not round 1 s up to 2 in Retry-After
        return Duration.ofNanos(Math.max(1, (long) Math.ceil((n - permits) * NANOS_PER_MINUTE / perMinute - 1e-3)));
    }

    /** Gives back permits taken for something that did not happen (never above the bucket's size). */
    synchronized void giveBack(long n) {
        refill();
        permits = Math.min(perMinute, permits + n);
    }

    private void refill() {
        Instant now = clock.instant();
        long elapsed = Duration.between(last, now).toNanos();
        if (elapsed > 0) {
            permits = Math.min(perMinute, permits + elapsed * perMinute / NANOS_PER_MINUTE);
            last = now;
        }
    }
}
