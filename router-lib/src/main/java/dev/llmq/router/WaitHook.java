package dev.llmq.router;

import java.time.Duration;

/**
 * What a job's caller does around each of the job's waits between attempts (for capacity, a cooldown, a breaker, a
 * Retry-After, a backoff): the worker gives the job's in-flight slot back for the wait and takes one again before the
 * next attempt. The hook must sleep through the given {@link Sleeper} (the router's, so tests keep their clock).
 */
@FunctionalInterface
public interface WaitHook {

    /** Sleeps, nothing around it. */
    WaitHook NONE = (duration, sleeper) -> sleeper.sleep(duration);

    /** Waits {@code duration} by calling {@code sleeper.sleep(duration)}, doing what it needs before and after. */
    void await(Duration duration, Sleeper sleeper) throws InterruptedException;

    /**
     * As {@link #await(Duration, Sleeper)}, saying why the job waits (one sentence for whoever looks at the job
     * meanwhile: no deployment can take it now, a retry's delay); by default the reason is not used.
     */
    default void await(Duration duration, Sleeper sleeper, String reason) throws InterruptedException {
        await(duration, sleeper);
    }
}
