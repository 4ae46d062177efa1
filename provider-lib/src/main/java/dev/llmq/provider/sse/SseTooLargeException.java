package dev.llmq.provider.sse;

/** A line or an event of the stream passed the framer's limit; the framer buffered nothing past it. */
public final class SseTooLargeException extends IllegalStateException {

    private final int limit;

    public SseTooLargeException(int limit) {
        super("SSE event over the limit of " + limit + " bytes");
        this.limit = limit;
    }

    /** The limit passed, in bytes. */
    public int limit() {
        return limit;
    }
}
