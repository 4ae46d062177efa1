package dev.llmq.provider.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;

/**
 * Turns a response body publisher into blocking reads, one network read at a time (back-pressure: the next read is
 * requested only once the previous one was taken). Closing it cancels the subscription, which
 * aborts the exchange.
 */
final class BodyQueue implements Flow.Subscriber<List<ByteBuffer>>, AutoCloseable {

    private static final Object END = new Object();
    private static final Object ABORTED = new Object();
    private static final Object IDLE = new Object();

    private record Failure(Throwable cause) {
    }

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean finished;
    private volatile boolean closed;
    private volatile boolean aborted;

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s; // set before closed is read: a close racing with this sees it, or this sees the close
        if (closed) {
            s.cancel();
            return;
        }
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
        queue.add(new Failure(throwable));
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    /**
     * The next buffers, or null at the end of the body; waits as long as it takes (the exchange's own timeout, or an
     * abort, ends the wait).
     *
     * @throws TimeoutException when the exchange timed out (Jetty's timeout for the request; the cause says so), or,
     *                          without a cause, when {@link #idle()} woke the reader
     * @throws IOException when the body failed (connection reset, cut off)
     */
    List<ByteBuffer> next() throws InterruptedException, TimeoutException, IOException {
        if (aborted) {
            finished = true;
            throw new AbortedException();
        }
        return finished ? null : taken(queue.take());
    }

    /** Wakes the reader, whose read throws a {@link TimeoutException} without a cause: a stream's idle watch fired. */
    void idle() {
        queue.add(IDLE);
    }

    @SuppressWarnings("unchecked")
    private List<ByteBuffer> taken(Object item) throws TimeoutException, IOException {
        if (aborted) { // whatever the cancelled subscription sent last (an error, an end) is the abort's doing
            finished = true;
            throw new AbortedException();
        }
        if (item == END) {
            finished = true;
            return null;
        }
        if (item == ABORTED) {
            finished = true;
            throw new AbortedException();
        }
        if (item == IDLE) {
            throw new TimeoutException(); // the body goes on: the watch's reader decides whether it waits again
        }
        if (item instanceof Failure f) {
            finished = true;
            if (Exchanges.timedOut(f.cause())) {
                TimeoutException timeout = new TimeoutException();
                timeout.initCause(f.cause());
                throw timeout;
            }
            throw f.cause() instanceof IOException io ? io : new IOException(f.cause());
        }
        Flow.Subscription s = subscription;
        if (s != null) {
            s.request(1);
        }
        return (List<ByteBuffer>) item;
    }

    /** Closes the body from another thread and wakes the reader, whose next read throws {@link AbortedException}. */
    void abort() {
        aborted = true;
        closed = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            // always, whatever the reader saw: once it sees the abort it marks the body finished, and a close()
            // that read that mark would leave the connection streaming to its end
            s.cancel();
        }
        queue.add(ABORTED);
    }

    /** Thrown by a read after {@link #abort()}. */
    static final class AbortedException extends RuntimeException {
        AbortedException() {
            super("aborted", null, false, false);
        }
    }

    @Override
    public void close() {
        closed = true;
        Flow.Subscription s = subscription;
        if (s != null && !finished) {
            s.cancel();
        }
    }
}
