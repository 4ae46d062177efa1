package dev.llmq.provider;

/**
 * How much of a provider's answer a call reads before it gives up, so that a hostile or broken provider cannot
 * exhaust the caller's memory. Each limit fails the call with {@link ErrorKind#SERVER_ERROR} and a message naming
 * it; nothing past a limit is buffered.
 *
 * @param maxBodyBytes   largest non-stream body (and error body) read
 * @param maxEventBytes  largest SSE line, and largest SSE event (all its lines together)
 * @param maxStreamBytes most bytes one stream may send in all (an endless stream stops here, or at the call timeout)
 */
public record ResponseLimits(long maxBodyBytes, int maxEventBytes, long maxStreamBytes) {

    public static final long DEFAULT_MAX_BODY_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024;
    public static final long DEFAULT_MAX_STREAM_BYTES = 256L * 1024 * 1024;
    public static final ResponseLimits DEFAULTS =
            new ResponseLimits(DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_STREAM_BYTES);

    public ResponseLimits {
        if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxBodyBytes must be 1.." + (Integer.MAX_VALUE - 8) + ", got "
                    + maxBodyBytes);
        }
        if (maxEventBytes < 1) {
            throw new IllegalArgumentException("maxEventBytes must be >= 1, got " + maxEventBytes);
        }
        if (maxStreamBytes < maxEventBytes) {
            throw new IllegalArgumentException("maxStreamBytes must be >= maxEventBytes (" + maxEventBytes + "), got "
                    + maxStreamBytes);
        }
    }
}
