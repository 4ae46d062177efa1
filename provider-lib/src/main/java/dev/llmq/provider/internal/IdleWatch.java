package dev.llmq.provider.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.CyclicTimeout;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A stream's idle timeout (the longest gap between SSE events) kept with one timer per stream that is set again only
 * when it fires: the reader marks each event with a volatile write and waits for its next read without a timeout of
 * its own. A timed wait on a virtual thread has the JDK set a timer and cancel it, and its timer thread wake, for
 * every read, about one per token.
 *
 * <p>When the timer finds the stream quiet for the whole timeout it wakes the reader through the body
 * ({@link BodyQueue#idle()}); otherwise it waits again for what is left of the timeout after the last event. The
 * reader that is woken asks {@link #expired()} once more, since events may have arrived ahead of the wake-up.
 */
final class IdleWatch extends CyclicTimeout implements AutoCloseable {

    private final long idleNanos;
    private final BodyQueue body;
    private volatile long lastEvent;
    private volatile boolean closed;

    IdleWatch(Scheduler scheduler, Duration idle, BodyQueue body) {
        super(scheduler);
        this.idleNanos = idle.toNanos();
        this.body = body;
        this.lastEvent = System.nanoTime();
        schedule(idleNanos, TimeUnit.NANOSECONDS);
    }

    /** An event arrived: the timeout counts from now. */
    void event() {
        lastEvent = System.nanoTime();
    }

    /**
     * Whether the stream has been quiet for the whole timeout; if not, the watch is set for what is left of it. For
     * the reader after the watch woke it, and for the watch itself when it fires.
     */
    boolean expired() {
        long left = idleNanos - (System.nanoTime() - lastEvent);
        if (left <= 0) {
            return true;
        }
        schedule(left, TimeUnit.NANOSECONDS);
        return false;
    }

    @Override
    public void onTimeoutExpired() {
        if (closed) {
            return;
        }
        if (expired()) {
            body.idle();
            return;
        }
        if (closed) { // closed while it was being set: the close's cancel may have come first
            destroy();
        }
    }

    @Override
    public void close() {
        closed = true;
        destroy();
    }
}
