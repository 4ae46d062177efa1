package dev.llmq.router.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * The latest latency samples of one kind (e.g. seconds per output token): at most {@code maxSize}, each counting for
 * {@code ttl} after it was taken. The average is recomputed only when the samples changed, so reading it on every
 * routing decision costs nothing. Not API; not thread-safe: the owner's lock guards it.
 */
public final class LatencyWindow {

    private final int maxSize;
    private final Duration ttl;
    /** {epoch millis, value}, oldest first. */
    private final Deque<double[]> samples = new ArrayDeque<>();
    /** NaN is a valid average: no samples. */
    private double average = Double.NaN;
    private boolean dirty;

    public LatencyWindow(int maxSize, Duration ttl) {
        if (maxSize < 1) {
            throw new IllegalArgumentException("maxSize must be >= 1, got " + maxSize);
        }
        this.maxSize = maxSize;
        this.ttl = Objects.requireNonNull(ttl, "ttl");
    }

    /** Adds a sample taken at {@code now}, dropping the oldest beyond {@code maxSize}. */
    public void add(Instant now, double value) {
        samples.addLast(new double[] {now.toEpochMilli(), value});
        while (samples.size() > maxSize) {
            samples.removeFirst();
        }
        dirty = true;
    }

    /** The average of the samples taken in the last {@code ttl} before {@code now} (inclusive), or NaN. */
    public double average(Instant now) {
        long oldest = oldestMillis(now);
        while (!samples.isEmpty() && samples.peekFirst()[0] < oldest) {
            samples.removeFirst();
            dirty = true;
        }
        if (dirty) {
            average = samples.stream().mapToDouble(s -> s[1]).average().orElse(Double.NaN);
            dirty = false;
        }
        return average;
    }

    /** {@code now.minus(ttl).toEpochMilli()} without allocating an Instant. */
    private long oldestMillis(Instant now) {
        long seconds = now.getEpochSecond() - ttl.getSeconds();
        int nanos = now.getNano() - ttl.getNano();
        if (nanos < 0) {
            seconds--;
            nanos += 1_000_000_000;
        }
        return Math.addExact(Math.multiplyExact(seconds, 1000L), nanos / 1_000_000);
    }
}
