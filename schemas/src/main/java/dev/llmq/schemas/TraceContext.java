package dev.llmq.schemas;

import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A W3C Trace Context (<a href="https://www.w3.org/TR/trace-context/">trace-context</a>): the {@code traceparent}
 * fields and the {@code tracestate} that travels with them. llmq carries one from the submission through the job
 * record, the worker and the provider call to the status, chunk and result records.
 *
 * <pre>{@code
 * TraceContext incoming = TraceContext.parse(request.header("traceparent"), request.header("tracestate"))
 *         .orElseGet(() -> TraceContext.newRoot(random));   // an invalid header is ignored, as the spec says
 * TraceContext forTheCall = incoming.child(random);          // same trace id, a new parent id
 * http.header("traceparent", forTheCall.traceparent());
 * }</pre>
 *
 * @param traceId 32 lower-case hex digits, not all zero
 * @param spanId the parent id: 16 lower-case hex digits, not all zero
 * @param flags 2 lower-case hex digits ({@code 01}: sampled)
 * @param tracestate the vendor list as received, or null; at most {@link #MAX_TRACESTATE_CHARS} characters
 */
public record TraceContext(String traceId, String spanId, String flags, String tracestate) {

    /** The version llmq writes. */
    public static final String VERSION = "00";
    /** Sampled, the flags of a trace llmq starts. */
    public static final String SAMPLED = "01";
    /**
     * The longest {@code tracestate} passed on: the spec's 32 list members of up to 256 characters would allow 8 KiB
     * per record; 512 is what the spec asks every vendor to propagate at least. A longer one is dropped whole.
     */
    public static final int MAX_TRACESTATE_CHARS = 512;

    private static final int TRACEPARENT_CHARS = 55;

    public TraceContext {
        if (!isHex(traceId, 32) || isZero(traceId)) {
            throw new IllegalArgumentException("trace id must be 32 lower-case hex digits, not all zero");
        }
        if (!isHex(spanId, 16) || isZero(spanId)) {
            throw new IllegalArgumentException("span id must be 16 lower-case hex digits, not all zero");
        }
        if (!isHex(flags, 2)) {
            throw new IllegalArgumentException("flags must be 2 lower-case hex digits");
        }
        tracestate = validTracestate(tracestate) ? tracestate : null;
    }

    /**
     * The context of a {@code traceparent} header and its {@code tracestate}, or empty when the traceparent is absent
     * or invalid (W3C: ignored, a new trace starts). Version {@code 00} must be exactly 55 characters; a later version
     * (not {@code ff}) is read by its first four fields, as the spec asks. A tracestate that is blank, longer than
     * {@link #MAX_TRACESTATE_CHARS} or not printable ASCII is dropped (the traceparent is kept).
     */
    public static Optional<TraceContext> parse(String traceparent, String tracestate) {
        if (traceparent == null) {
            return Optional.empty();
        }
        String v = traceparent.strip();
        if (v.length() < TRACEPARENT_CHARS || !isHex(v.substring(0, 2), 2) || v.startsWith("ff")) {
            return Optional.empty();
        }
        boolean v00 = v.startsWith(VERSION);
        if (v00 ? v.length() != TRACEPARENT_CHARS : v.length() > TRACEPARENT_CHARS && v.charAt(TRACEPARENT_CHARS) != '-') {
            return Optional.empty();
        }
        if (v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') {
            return Optional.empty();
        }
        String traceId = v.substring(3, 35);
        String spanId = v.substring(36, 52);
        String flags = v.substring(53, 55);
        if (!isHex(traceId, 32) || isZero(traceId) || !isHex(spanId, 16) || isZero(spanId) || !isHex(flags, 2)) {
            return Optional.empty();
        }
        return Optional.of(new TraceContext(traceId, spanId, flags, tracestate));
    }

    /** True when {@code value} is a traceparent llmq accepts ({@link #parse}). */
    public static boolean isValid(String traceparent) {
        return parse(traceparent, null).isPresent();
    }

    /** A new sampled trace: fresh trace and parent ids. */
    public static TraceContext newRoot(RandomGenerator random) {
        return new TraceContext(randomHex(random, 2), randomSpanId(random), SAMPLED, null);
    }

    /** The same trace, flags and state under a new parent id (the span of a hop that does not report spans). */
    public TraceContext child(RandomGenerator random) {
        return withSpanId(randomSpanId(random));
    }

    /** The same trace, flags and state with {@code spanId} as the parent id. */
    public TraceContext withSpanId(String spanId) {
        return new TraceContext(traceId, spanId, flags, tracestate);
    }

    /** The {@code traceparent} header value: {@code 00-<trace id>-<parent id>-<flags>}. */
    public String traceparent() {
        return VERSION + "-" + traceId + "-" + spanId + "-" + flags;
    }

    /** Whether the caller asked for the trace to be recorded. */
    public boolean sampled() {
        return (Integer.parseInt(flags, 16) & 1) == 1;
    }

    /** 16 hex digits, not all zero. */
    public static String randomSpanId(RandomGenerator random) {
        return randomHex(random, 1);
    }

    private static String randomHex(RandomGenerator random, int longs) {
        Objects.requireNonNull(random, "random");
        StringBuilder out = new StringBuilder(longs * 16);
        for (int i = 0; i < longs; i++) {
            long bits = random.nextLong();
            if (bits == 0 && i == longs - 1) {
                bits = 1; // all-zero ids are invalid
            }
            String hex = Long.toHexString(bits);
            out.append("0".repeat(16 - hex.length())).append(hex);
        }
        return out.toString();
    }

    private static boolean validTracestate(String value) {
        if (value == null || value.isBlank() || value.length() > MAX_TRACESTATE_CHARS) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(String value, int chars) {
        if (value == null || value.length() != chars) {
            return false;
        }
        for (int i = 0; i < chars; i++) {
            char c = value.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZero(String hex) {
        for (int i = 0; i < hex.length(); i++) {
            if (hex.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
