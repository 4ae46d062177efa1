package dev.llmq.provider.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.sse.SseEvent;
import java.util.List;

/**
 * Turns one provider's SSE events into OpenAI {@code chat.completion.chunk} objects. One instance per stream; keeps
 * whatever state the provider's protocol needs (tool-call indexes, ids) in an explicit accumulator.
 */
public interface StreamDecoder {

    /**
     * Decodes one event into zero or more canonical chunks.
     *
     * @throws ProviderException for an error event (classified)
     */
    List<ObjectNode> decode(SseEvent event);

    /** Whether the provider's end marker has been seen (OpenAI {@code [DONE]}, Anthropic {@code message_stop} ...). */
    boolean ended();

    /**
     * The usage (OpenAI's shape) the provider has reported so far when its protocol reports it before the end, as
     * Anthropic's {@code message_start} and Gemini's every event do, though only the last chunk carries it; null when
     * none. A stream cut off before its end keeps it in its partial completion: what the provider bills for it.
     */
    default ObjectNode usageSoFar() {
        return null;
    }
}
