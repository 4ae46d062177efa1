package dev.llmq.ingest.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock a test moves by hand: one that stands still until moved, or the system's, moved ahead (or back) by what the
 * test adds.
 */
public final class StepClock extends Clock {
    private final Clock base;
    private volatile Duration moved = Duration.ZERO;

    /** A clock standing at {@code start}. */
    public StepClock(Instant start) {
        this(Clock.fixed(start, ZoneOffset.UTC));
    }

    /** {@code base}'s time, plus what {@link #advance} adds. */
    public StepClock(Clock base) {
        this.base = base;
    }

    public void advance(Duration d) {
        moved = moved.plus(d);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return base.instant().plus(moved);
    }
}
