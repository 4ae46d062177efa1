package dev.llmq.provider.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.io.Content;

/**
 * One exchange on Jetty's client: its head as a future, then its body handed to a {@link BodyQueue} one read at a
 * time. Jetty reads the next chunk from the connection only when the queue has asked for more (back-pressure: a slow
 * reader holds the connection back rather than filling memory); each chunk is copied out as it arrives, and Jetty
 * releases it.
 *
 * <p>Jetty calls in on its own threads (the head, each chunk, the end), the reader asks for more and cancels on its
 * own; every signal to the queue is given holding this object's lock, so the queue sees the data and then the end,
 * in order and once. Jetty's "read the next chunk" is run outside the lock.
 */
final class JettyExchange implements Flow.Subscription {

    private static final Object END = new Object();

    private final Request request;
    private final CompletableFuture<Response> head = new CompletableFuture<>();
    /** Signals not yet given to the queue: chunks' bytes, then END or a failure. */
    private final ArrayDeque<Object> signals = new ArrayDeque<>(2);

    private Flow.Subscriber<? super List<ByteBuffer>> subscriber;
    private long demand;
    /** Jetty's way to read the next chunk, held while the queue wants none. */
    private Runnable next;
    private boolean ended;
    private boolean done;

    JettyExchange(Request request) {
        this.request = request;
    }

    void send() {
        request.onResponseHeaders(head::complete)
                .onResponseContentAsync(this::onContent)
                .send(this::onComplete);
    }

    /** Completes with the response once its head arrived; fails as the exchange does before that. */
    CompletableFuture<Response> head() {
        return head;
    }

    /** Hands the body to {@code body}, which asks for it one read at a time. */
    void subscribe(Flow.Subscriber<? super List<ByteBuffer>> body) {
        synchronized (this) {
            subscriber = body;
        }
        body.onSubscribe(this);
    }

    @Override
    public void request(long n) {
        Runnable read;
        synchronized (this) {
            demand += n;
            read = deliver();
        }
        if (read != null) {
            read.run();
        }
    }

    /** Aborts the exchange (its connection is closed, or its HTTP/2 stream reset). */
    @Override
    public void cancel() {
        synchronized (this) {
            done = true;
            signals.clear();
            next = null;
        }
        request.abort(new CancellationException("the call was cancelled"));
    }

    private void onContent(Response response, Content.Chunk chunk, Runnable readNext) {
        Runnable read;
        synchronized (this) {
            if (done) {
                return;
            }
            if (chunk.hasRemaining()) {
                ByteBuffer b = chunk.getByteBuffer();
                byte[] copy = new byte[b.remaining()];
                b.get(copy);
                signals.add(List.of(ByteBuffer.wrap(copy)));
            }
            if (chunk.isLast()) {
                end(END);
            } else {
                next = readNext;
            }
            read = deliver();
        }
        if (read != null) {
            read.run();
        }
    }

    private void onComplete(Result result) {
        if (result.isFailed()) {
            head.completeExceptionally(result.getFailure());
        }
        synchronized (this) {
            end(result.isFailed() ? result.getFailure() : END); // the end of a body with no last chunk, or none
            deliver();
        }
    }

    private void end(Object how) {
        if (!ended) {
            ended = true;
            next = null;
            signals.add(how);
        }
    }

    /**
     * Gives the queue what it asked for, and the end once the data before it is taken; returns Jetty's read of the
     * next chunk when the queue wants more than is here.
     */
    private Runnable deliver() {
        Flow.Subscriber<? super List<ByteBuffer>> s = subscriber;
        while (s != null && !done && !signals.isEmpty()) {
            Object signal = signals.peek();
            if (signal == END) {
                signals.poll();
                done = true;
                s.onComplete();
            } else if (signal instanceof Throwable t) {
                signals.poll();
                done = true;
                s.onError(t instanceof IOException ? t : new IOException(t));
            } else if (demand > 0) {
                signals.poll();
                demand--;
                @SuppressWarnings("unchecked")
                List<ByteBuffer> bytes = (List<ByteBuffer>) signal;
                s.onNext(bytes);
            } else {
                return null;
            }
        }
        if (done || demand == 0 || next == null) {
            return null;
        }
        Runnable read = next;
        next = null;
        return read;
    }
}
