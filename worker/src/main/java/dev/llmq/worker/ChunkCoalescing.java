package dev.llmq.worker;

import java.time.Duration;
import java.util.Objects;

/**
 * How consecutive plain content deltas of one stream are merged into one published chunk: the first content delta
 * of each run is published at once; after it, a merged chunk is published once it holds {@code maxChars} characters
 * of content or its first delta is {@code maxDelay} old, whichever comes first. Role, tool-call, finish and usage
 * chunks are never merged, and the merged contents concatenate to exactly what the provider sent. {@link #NONE} publishes every chunk as it comes.
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

    /**
     * From the config keys {@code llmq.worker.chunks.max_delay_ms} and {@code max_chars}: a delay of 0 turns
     * coalescing off.
     */
    public static ChunkCoalescing of(int maxDelayMs, int maxChars) {
        return maxDelayMs == 0 ? NONE : new ChunkCoalescing(Duration.ofMillis(maxDelayMs), maxChars);
    }

    /** Merge for at most {@code maxDelay} or {@code maxChars} characters. */
    public static ChunkCoalescing of(Duration maxDelay, int maxChars) {
        return new ChunkCoalescing(maxDelay, maxChars);
    }

    public boolean enabled() {
        return maxChars > 0;
    }
}
