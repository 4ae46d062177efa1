package dev.llmq.cli;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a step now and then again a fixed delay after each run ends, on a scheduler, until the step says it is done,
 * throws, or the calling thread is interrupted: the waits of {@code llmq usage --watch} and of the demo's wait for the
 * usage aggregator, and the benchmarks' polls, without a sleep loop and without ever running two steps at once.
 */
public final class Repeat {

    /** One run; returns whether to run again. */
    @FunctionalInterface
    public interface Step {
        boolean run() throws Exception;
    }

    /** The longest {@link #every} waits for a step in flight to end once it stops (the step is interrupted). */
    static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private Repeat() {
    }

    /**
     * Blocks the caller until the step returns false (normal return), throws (rethrown: an {@link Exception} as it
     * is) or the caller is interrupted ({@link InterruptedException}; the step in flight is interrupted too). No step
     * runs after this returns.
     */
    public static void every(Duration delay, Step step) throws Exception {
        Objects.requireNonNull(step, "step");
        if (delay.isNegative() || delay.isZero()) {
            throw new IllegalArgumentException("delay must be positive, got " + delay);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "llmq-repeat");
            t.setDaemon(true);
            return t;
        });
        try {
            scheduler.scheduleWithFixedDelay(() -> {
                try {
                    if (!step.run()) {
                        done.complete(null);
                    }
                } catch (Exception | Error e) {
                    done.completeExceptionally(e);
                }
                if (done.isDone()) {
                    throw new CancellationMarker();
                }
            }, 0, delay.toNanos(), TimeUnit.NANOSECONDS);
            done.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        } finally {
            scheduler.shutdownNow();
            awaitStop(scheduler);
        }
    }

    /** Waits (bounded) until a step in flight has ended, so that none runs once {@link #every} returned. */
    private static void awaitStop(ScheduledExecutorService scheduler) {
        try {
            if (!scheduler.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("a repeated step did not stop within " + STOP_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Thrown out of the scheduled task once done, so that the scheduler runs it no more. */
    private static final class CancellationMarker extends RuntimeException {
        CancellationMarker() {
            super(null, null, false, false);
        }
    }
}
