package dev.llmq.provider.sse;

/**
 * How a byte stream ended, as far as framing can tell.
 *
 * @param clean true when the stream ended on an event boundary (nothing half-read); false when a line or an event
 *              was cut off. A provider's own end marker (OpenAI's {@code [DONE]}, Anthropic's {@code message_stop})
 *              is checked by its stream decoder, not here.
 * @param pendingBytes how many bytes of an unfinished event were discarded
 */
public record SseEnd(boolean clean, int pendingBytes) {

    public SseEnd {
        if (pendingBytes < 0) {
            throw new IllegalArgumentException("pendingBytes must be >= 0");
        }
    }
}
