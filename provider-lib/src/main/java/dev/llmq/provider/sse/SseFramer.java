package dev.llmq.provider.sse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ID = "id".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RETRY = "retry".getBytes(StandardCharsets.US_ASCII);
    /** The event limit of {@link #SseFramer()}. */
    public static final int DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

    private final int maxEventBytes;

    /** The current line's bytes so far (a line split across feeds); grows as needed, reused between lines. */
    private byte[] line = new byte[256];
    private int lineLength;
    private boolean lastWasCr;
    private boolean atStart = true;

    private String eventType;
    /** The event's only {@code data} line so far, until a second one makes {@link #moreData} necessary. */
    private String data;
    private StringBuilder moreData;
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
        List<SseEvent> out = null;
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
                lastWasCr = b == CR;
                if (lineLength == 0) {
                    // the whole line is in this buffer: read it where it lies, no copy
                    out = endLine(bytes, start, i - start, out);
                } else {
                    append(bytes, start, i - start);
                    out = endLine(line, 0, lineLength, out);
                    lineLength = 0;
                }
                start = i + 1;
            }
        }
        append(bytes, start, end - start);
        return out == null ? List.of() : out;
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
        int pending = lineLength + pendingEventBytes;
        boolean clean = pending == 0;
        lineLength = 0;
        resetEvent();
        return new SseEnd(clean, pending);
    }

    private void append(byte[] bytes, int from, int len) {
        if (len <= 0) {
            return;
        }
        if ((long) pendingEventBytes + lineLength + len > maxEventBytes) {
            throw new SseTooLargeException(maxEventBytes);
        }
        if (lineLength + len > line.length) {
            line = Arrays.copyOf(line, Math.max(lineLength + len, Math.min(maxEventBytes, line.length * 2)));
        }
        System.arraycopy(bytes, from, line, lineLength, len);
        lineLength += len;
    }

    /** One complete line, {@code raw[from, from + length)} without its end; returns {@code out} or a new list. */
    private List<SseEvent> endLine(byte[] raw, int from, int length, List<SseEvent> out) {
        if ((long) pendingEventBytes + length > maxEventBytes) {
            throw new SseTooLargeException(maxEventBytes);
        }
        int end = from + length;
        if (atStart) {
            atStart = false;
            if (length >= 3 && (raw[from] & 0xFF) == 0xEF && (raw[from + 1] & 0xFF) == 0xBB
                    && (raw[from + 2] & 0xFF) == 0xBF) {
                from += 3;
            }
        }
        if (end - from == 0) {
            return dispatch(out);
        }
        if (raw[from] == ':') {
            return out;
        }
        pendingEventBytes += length + 1;
        if (pendingEventBytes > maxEventBytes) {
            throw new SseTooLargeException(maxEventBytes);
        }
        processField(raw, from, end);
        return out;
    }

    /** The field of the line {@code raw[from, end)}, read from the bytes: only a value kept is made a string. */
    private void processField(byte[] raw, int from, int end) {
        int colon = from;
        while (colon < end && raw[colon] != ':') {
            colon++;
        }
        int v = colon < end ? colon + 1 : end;
        if (v < end && raw[v] == ' ') {
            v++;
        }
        int fieldLength = colon - from;
        if (is(raw, from, fieldLength, DATA)) {
            String value = new String(raw, v, end - v, StandardCharsets.UTF_8);
            if (data == null) {
                data = value;
            } else {
                if (moreData == null) {
                    moreData = new StringBuilder(data.length() + 1 + value.length()).append(data);
                }
                moreData.append('\n').append(value);
            }
        } else if (is(raw, from, fieldLength, EVENT)) {
            eventType = new String(raw, v, end - v, StandardCharsets.UTF_8);
        } else if (is(raw, from, fieldLength, ID)) {
            String value = new String(raw, v, end - v, StandardCharsets.UTF_8);
            if (value.indexOf('\0') < 0) {
                lastEventId = value;
            }
        } else if (is(raw, from, fieldLength, RETRY)) {
            int digits = end - v;
            boolean allDigits = digits > 0 && digits < 18;
            for (int i = v; i < end && allDigits; i++) {
                allDigits = raw[i] >= '0' && raw[i] <= '9';
            }
            if (allDigits) {
                retry = Duration.ofMillis(Long.parseLong(new String(raw, v, digits, StandardCharsets.US_ASCII)));
            }
        }
        // unknown fields are ignored, per the spec
    }

    private static boolean is(byte[] raw, int from, int length, byte[] name) {
        return length == name.length && Arrays.equals(raw, from, from + length, name, 0, length);
    }

    private List<SseEvent> dispatch(List<SseEvent> out) {
        if (data != null) {
            if (out == null) {
                out = new ArrayList<>(2);
            }
            out.add(new SseEvent(eventType, moreData != null ? moreData.toString() : data, lastEventId, retry));
        }
        resetEvent();
        return out;
    }

    private void resetEvent() {
        eventType = null;
        data = null;
        moreData = null;
        retry = null;
        pendingEventBytes = 0;
    }
}
