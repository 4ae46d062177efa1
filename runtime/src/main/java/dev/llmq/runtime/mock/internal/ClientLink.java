package dev.llmq.runtime.mock.internal;

import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;

/**
 * The connection of one request, watched while the mock waits (latency, time to first token, pacing), so the request
 * log can say when the client closed it. Jetty only notices a closed connection when it reads or writes; while a
 * handler sleeps nothing does, so waits of {@link #PROBE_EVERY} or longer are cut in slices of it and each slice
 * ends with a non-blocking read of the socket: end of stream means the client closed it. Shorter waits (a stream's
 * pacing) are not probed: the stream's next write fails instead, which marks the request too.
 *
 * <p>The probe reads at most one byte, which is lost if a client pipelined its next request on the connection; HTTP
 * clients of providers do not pipeline (the JDK's does not).
 */
final class ClientLink {

    /** How often a waiting request checks its connection: the delay before a closed connection is noticed. */
    static final Duration PROBE_EVERY = Duration.ofMillis(100);

    private final MockEngine engine;
    private final long sequence;
    private final EndPoint endPoint;
    private volatile boolean closed;

    private ClientLink(MockEngine engine, long sequence, EndPoint endPoint) {
        this.engine = engine;
        this.sequence = sequence;
        this.endPoint = endPoint;
    }

    static ClientLink of(Context ctx, MockEngine engine, long sequence) {
        EndPoint endPoint = null;
        try {
            endPoint = ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData()
                    .getConnection().getEndPoint();
        } catch (RuntimeException e) {
            // not a Jetty request (cannot happen with the mock's server): closes are seen on writes only
        }
        return new ClientLink(engine, sequence, endPoint);
    }

    /** Whether the client closed the connection (probing it now). */
    boolean closed() {
        if (closed) {
            return true;
        }
        if (endPoint != null) {
            boolean gone;
            try {
                gone = !endPoint.isOpen() || endPoint.isInputShutdown() || endPoint.fill(BufferUtil.allocate(1)) < 0;
            } catch (IOException | RuntimeException e) {
                gone = true;
            }
            if (gone) {
                markClosed();
            }
        }
        return closed;
    }

    /** Records that the client closed the connection (a failed write, a probe). */
    void markClosed() {
        if (!closed) {
            closed = true;
            engine.clientClosed(sequence);
        }
    }

    /**
     * Waits {@code d} on the (virtual) request thread, probing the connection; returns false, early, when the client
     * closed it (or the thread was interrupted).
     */
    boolean pause(Duration d) {
        long end = System.nanoTime() + Math.max(0, d.toNanos());
        if (d.compareTo(PROBE_EVERY) < 0) { // a short wait (stream pacing): the next write tells, no probe needed
            return sleepUntil(end) && !closed;
        }
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            if (!sleepUntil(System.nanoTime() + Math.min(left, PROBE_EVERY.toNanos())) || closed()) {
                return false;
            }
        }
    }

    private static boolean sleepUntil(long nanoTime) {
        long left = nanoTime - System.nanoTime();
        if (left <= 0) {
            return true;
        }
        try {
            Thread.sleep(Duration.ofNanos(left));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
