package dev.llmq.router;

import dev.llmq.provider.Abort;
import java.time.Duration;

/** Blocks the calling (virtual) thread between attempts; tests inject one that only advances a clock. */
@FunctionalInterface
public interface Sleeper {

    /** Sleeps on the calling thread; a sleep of a job that is aborted ends at once. */
    Sleeper THREAD = new Sleeper() {
        @Override
        public void sleep(Duration d) throws InterruptedException {
            Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
        }

        @Override
        public void sleep(Duration d, Abort abort) throws InterruptedException {
            abort.await(d);
        }
    };

    void sleep(Duration duration) throws InterruptedException;

    /**
     * Sleeps unless {@code abort} fires first (then it may return early; the caller checks). The default ignores
     * the abort, for sleepers that only advance a clock.
     */
    default void sleep(Duration duration, Abort abort) throws InterruptedException {
        sleep(duration);
    }
}
