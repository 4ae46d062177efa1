package dev.llmq.runtime.mock.internal;

import dev.llmq.runtime.mock.MockBehavior;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Writes one server-sent-event stream for any protocol: the time to first token, the pacing of pieces,
 * the event framing ({@code event:} line or not, {@code \n\n} or {@code \r\n\r\n}), and the fault that ends
 * it early: after {@code limit} events nothing more is sent, except the optional error event.
 */
final class SseWriter {

    private final HttpServletResponse res;
    private final MockBehavior behavior;
    private final int limit;
    private final String separator;
    private final String[] errorEvent;
    private final ClientLink link;
    private OutputStream out;
    private int written;
    private boolean ended;
    private long start;

    /**
     * @param limit      events before the stream ends early; -1 for no limit
     * @param errorEvent {@code {eventName or null, data}} sent once when the limit is reached, or null
     */
    SseWriter(HttpServletResponse res, MockBehavior behavior, int limit, String separator, String[] errorEvent,
              ClientLink link) {
        this.link = link;
        this.res = res;
        this.behavior = behavior;
        this.limit = limit;
        this.separator = separator;
        this.errorEvent = errorEvent;
    }

    /** Sends the headers, waits the time to first token and opens the body. */
    void open() throws IOException {
        res.setStatus(200);
        res.setContentType("text/event-stream; charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        if (!link.pause(behavior.timeToFirstToken())) {
            throw new IOException("the client closed the connection");
        }
        out = res.getOutputStream();
        start = System.nanoTime();
    }

    /**
     * Waits until piece {@code i} (0-based) is due at the behaviour's tokens per second.
     *
     * @throws IOException when the client closed the connection meanwhile
     */
    void pace(int i) throws IOException {
        double tps = behavior.tokensPerSecond();
        if (i > 0 && tps > 0) {
            long wait = start + (long) (i * 1_000_000_000L / tps) - System.nanoTime();
            if (wait > 0 && !link.pause(Duration.ofNanos(wait))) {
                throw new IOException("the client closed the connection");
            }
        }
    }

    /** Writes one event; false once the stream has ended early (the caller must stop). */
    boolean send(String event, String data) throws IOException {
        if (ended) {
            return false;
        }
        if (limit >= 0 && written >= limit) {
            ended = true;
            if (errorEvent != null) {
                write(errorEvent[0], errorEvent[1]);
            }
            out.flush();
            return false;
        }
        write(event, data);
        written++;
        return true;
    }

    /**
     * Ends the stream with a final marker such as {@code data: [DONE]} (null for none) unless it already
     * ended; a pending error event is sent instead of the marker when the stream had fewer events than the limit.
     */
    void finish(String data) throws IOException {
        if (!ended && errorEvent != null) {
            write(errorEvent[0], errorEvent[1]);
        } else if (!ended && data != null) {
            write(null, data);
        }
        ended = true;
        out.flush();
    }

    private void write(String event, String data) throws IOException {
        StringBuilder sb = new StringBuilder(data.length() + 32);
        if (event != null) {
            sb.append("event: ").append(event).append(separator, 0, separator.length() / 2);
        }
        sb.append("data: ").append(data).append(separator);
        try {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            link.markClosed();
            throw e;
        }
    }
}
