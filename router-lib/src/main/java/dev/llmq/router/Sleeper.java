package dev.llmq.router;

import java.time.Duration;

/** Blocks the calling (virtual) thread between attempts; tests inject one that only advances a clock. */
@FunctionalInterface
public interface Sleeper {

    Sleeper THREAD = d -> Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));

    void sleep(Duration duration) throws InterruptedException;
}
