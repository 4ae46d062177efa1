package dev.llmq.provider.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import java.net.http.HttpHeaders;

/**
 * One provider protocol, as the HTTP engine sees it. It wires together the six pieces of a provider (wire records,
 * request mapper, response mapper, stream decoder, error classifier, endpoint and auth); the engine does the I/O,
 * timeouts, SSE framing, chunk assembly and timing for every provider alike.
 */
public interface ProviderAdapter {

    /**
     * Maps an OpenAI chat-completion request to this provider's call.
     *
     * @throws ProviderException {@code UNSUPPORTED_PARAMETER} / {@code INVALID_REQUEST} when it cannot be mapped
     */
    WireCall prepare(ProviderTarget target, ObjectNode openAiRequest, boolean stream);

    /** Maps a successful non-stream response body to an OpenAI {@code chat.completion}. */
    ObjectNode decodeResponse(WireCall call, byte[] body);

    /** A fresh decoder for one stream. */
    StreamDecoder streamDecoder(WireCall call);

    /** Classifies a non-2xx response. */
    ProviderError classify(int status, HttpHeaders headers, byte[] body, WireCall call);

    /** The provider's request id header value, or null. */
    String requestId(HttpHeaders headers);
}
