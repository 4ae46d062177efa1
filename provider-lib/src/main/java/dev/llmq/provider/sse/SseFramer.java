package dev.llmq.provider.sse;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental server-sent-events framer, one for every provider (WHATWG "event stream interpretation").
 *
 * <p>Bytes go in split anywhere (across lines, across multi-byte UTF-8 characters, between the CR and LF of a CRLF);
 * complete events come out. LF, CRLF and CR line endings are accepted; {@code :} comment lines (pings) are ignored;
 * multi-line {@code data} is joined with {@code \n}; events without any {@code data} line are not dispatched (as in
 * browsers). {@link #finish()} tells a clean end from one that cut an event off. Not thread-safe: one framer per
 * stream.
 */
public final class SseFramer {

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    /** The event limit of {@link #SseFramer()}. */
    public static final int DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

    private final int maxEventBytes;

    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private boolean lastWasCr;
    private boolean atStart = true;

    private String eventType;
    private StringBuilder data;
    private String lastEventId;
    private Duration retry;
    private int pendingEventBytes;

    /** A framer whose lines and events may hold up to {@value #DEFAULT_MAX_EVENT_BYTES} bytes. */
    public SseFramer() {
        this(DEFAULT_MAX_EVENT_BYTES);
    }

    /**
     * A framer that throws {@link SseTooLargeException} once a line, or an event's lines together, pass
     * {@code maxEventBytes}: nothing past the limit is buffered.
     */
    public SseFramer(int maxEventBytes) {
        if (maxEventBytes < 1) {
            throw new IllegalArgumentException("maxEventBytes must be >= 1, got " + maxEventBytes);
        }
        this.maxEventBytes = maxEventBytes;
    }

    /** Feeds bytes; returns the events completed by them, in order (often none). */
    public List<SseEvent> feed(byte[] bytes, int offset, int length) {
        List<SseEvent> out = new ArrayList<>(2);
        int end = offset + length;
        int start = offset;
        for (int i = offset; i < end; i++) {
            byte b = bytes[i];
            if (b == LF && lastWasCr) {
                lastWasCr = false;
                start = i + 1;
                continue;
            }
            lastWasCr = false;
            if (b == CR || b == LF) {
                append(bytes, start, i - start);
                lastWasCr = b == CR;
                endLine(out);
                start = i + 1;
            }
        }
        append(bytes, start, end - start);
        return out;
    }

    public List<SseEvent> feed(byte[] bytes) {
        return feed(bytes, 0, bytes.length);
    }

    public List<SseEvent> feed(ByteBuffer buffer) {
        if (buffer.hasArray()) {
            int len = buffer.remaining();
            List<SseEvent> events = feed(buffer.array(), buffer.arrayOffset() + buffer.position(), len);
            buffer.position(buffer.position() + len);
            return events;
        }
        byte[] copy = new byte[buffer.remaining()];
        buffer.get(copy);
        return feed(copy);
    }

    /**
     * Ends the stream. An unterminated last line is discarded (the spec's rule), and so is an event whose blank
     * line never came; either makes the end unclean.
     */
    public SseEnd finish() {
        int pending = line.size() + pendingEventBytes;
        boolean clean = pending == 0;
        line.reset();
        resetEvent();
        return new SseEnd(clean, pending);
    }

    private void append(byte[] bytes, int from, int len) {
        if (len <= 0) {
            return;
        }
        if ((long) pendingEventBytes + line.size() + len > maxEventBytes) {
            throw new SseTooLargeException(maxEventBytes);
        }
        line.write(bytes, from, len);
    }

    private void endLine(List<SseEvent> out) {
        byte[] raw = line.toByteArray();
        line.reset();
        int from = 0;
        if (atStart) {
            atStart = false;
            if (raw.length >= 3 && (raw[0] & 0xFF) == 0xEF && (raw[1] & 0xFF) == 0xBB && (raw[2] & 0xFF) == 0xBF) {
                from = 3;
            }
        }
        if (raw.length - from == 0) {
            dispatch(out);
            return;
        }
        if (raw[from] == ':') {
            return;
        }
        pendingEventBytes += raw.length + 1;
        if (pendingEventBytes > maxEventBytes) {
            throw new SseTooLargeException(maxEventBytes);
        }
        processField(new String(raw, from, raw.length - from, StandardCharsets.UTF_8));
    }

    private void processField(String text) {
        int colon = text.indexOf(':');
        String field;
        String value;
        if (colon < 0) {
            field = text;
            value = "";
        } else {
            field = text.substring(0, colon);
            int v = colon + 1;
            if (v < text.length() && text.charAt(v) == ' ') {
                v++;
            }
            value = text.substring(v);
        }
        switch (field) {
            case "event" -> eventType = value;
            case "data" -> {
                if (data == null) {
                    data = new StringBuilder(value.length());
                } else {
                    data.append('\n');
                }
                data.append(value);
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    lastEventId = value;
                }
            }
            case "retry" -> {
                if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9') && value.length() < 18) {
                    retry = Duration.ofMillis(Long.parseLong(value));
                }
            }
            default -> {
                // unknown fields are ignored, per the spec
            }
        }
    }

    private void dispatch(List<SseEvent> out) {
        if (data != null) {
            out.add(new SseEvent(eventType, data.toString(), lastEventId, retry));
        }
        resetEvent();
    }

    private void resetEvent() {
        eventType = null;
        data = null;
        retry = null;
        pendingEventBytes = 0;
    }
}
