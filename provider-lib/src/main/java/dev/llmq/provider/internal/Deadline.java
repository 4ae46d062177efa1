package dev.llmq.provider.internal;

import java.time.Duration;

/** A point on the monotonic clock by which a call must be done. */
record Deadline(long atNanos) {

    static Deadline after(Duration timeout) {
        return new Deadline(System.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4));
    }

    long remainingNanos() {
        return Math.max(0, atNanos - System.nanoTime());
    }
}
