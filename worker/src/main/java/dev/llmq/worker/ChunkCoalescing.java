package dev.llmq.worker;

import java.time.Duration;
import java.util.Objects;

/**
 * How consecutive plain content deltas of one stream are merged into one published chunk: a merged chunk is
 * published once it holds {@code maxChars} characters of content or its first delta is {@code maxDelay} old,
 * whichever comes first. Role, tool-call, finish and usage chunks are never merged, and the merged contents
 * concatenate to exactly what the provider sent. {@link #NONE} publishes every chunk as it comes.
 */
public record ChunkCoalescing(Duration maxDelay, int maxChars) {

    public static final ChunkCoalescing NONE = new ChunkCoalescing(Duration.ZERO, 0);

    public ChunkCoalescing {
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (maxDelay.isNegative()) {
            throw new IllegalArgumentException("maxDelay must not be negative");
        }
        if (maxChars < 0) {
            throw new IllegalArgumentException("maxChars must be >= 0");
        }
        if (maxDelay.isZero() != (maxChars == 0)) {
            throw new IllegalArgumentException("maxDelay and maxChars are both zero (off) or both positive");
        }
    }

    /** Merge for at most {@code maxDelay} or {@code maxChars} characters. */
    public static ChunkCoalescing of(Duration maxDelay, int maxChars) {
        return new ChunkCoalescing(maxDelay, maxChars);
    }

    public boolean enabled() {
        return maxChars > 0;
    }
}
