package dev.llmq.provider;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A signal that stops one job's work from another thread: a call in flight has its HTTP exchange closed at once
 * (the request cancelled, or the response body's subscription cancelled) and ends with a {@link ProviderException}
 * of the abort's error ({@link ErrorKind#CANCELLED} or {@link ErrorKind#EXPIRED}, which do not count against the
 * deployment's health); a wait between attempts ends early. The first {@link #abort} wins; later ones are ignored.
 * Thread-safe.
 */
public final class Abort {

    private final CountDownLatch fired = new CountDownLatch(1);
    private final List<Runnable> listeners = new ArrayList<>();
    private ProviderError reason;

    /** Aborts with {@code why} (its kind should be {@link ErrorKind#aborted() an abort kind}); true if this was the first. */
    public boolean abort(ProviderError why) {
        Objects.requireNonNull(why, "why");
        List<Runnable> toRun;
        synchronized (listeners) {
            if (reason != null) {
                return false;
            }
            reason = why;
            toRun = List.copyOf(listeners);
            listeners.clear();
        }
        fired.countDown();
        toRun.forEach(Abort::runQuietly);
        return true;
    }

    public boolean aborted() {
        return fired.getCount() == 0;
    }

    /** Why it was aborted, or null while it was not. */
    public ProviderError reason() {
        synchronized (listeners) {
            return reason;
        }
    }

    /** The exception a call stopped by this abort throws (null while not aborted). */
    public ProviderException exception(com.fasterxml.jackson.databind.node.ObjectNode partial) {
        ProviderError why = reason();
        return why == null ? null : new ProviderException(why, null, partial);
    }

    /**
     * Runs {@code action} when aborted (at once, on this thread, if it already is); returns what removes it again, to
     * call when the work it would stop is over.
     */
    public Runnable onAbort(Runnable action) {
        Objects.requireNonNull(action, "action");
        synchronized (listeners) {
            if (reason == null) {
                listeners.add(action);
                return () -> {
                    synchronized (listeners) {
                        listeners.remove(action);
                    }
                };
            }
        }
        runQuietly(action);
        return () -> { };
    }

    /** Waits up to {@code timeout}; true when aborted by then. */
    public boolean await(Duration timeout) throws InterruptedException {
        return fired.await(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    }

    private static void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Abort.class).warn("abort action failed", e);
        }
    }
}
