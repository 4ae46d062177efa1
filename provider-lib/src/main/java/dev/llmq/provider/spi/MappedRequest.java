package dev.llmq.provider.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.internal.WireJson;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a request mapper made of an OpenAI request, before it becomes a {@link WireCall}.
 *
 * @param body the provider's JSON request body
 * @param adjustments parameters dropped, renamed or filled in
 * @param callerWantsUsageChunk whether the caller asked for the usage-only last chunk of a stream
 */
public record MappedRequest(ObjectNode body, List<String> adjustments, boolean callerWantsUsageChunk) {

    public MappedRequest {
        Objects.requireNonNull(body, "body");
        adjustments = List.copyOf(adjustments);
    }

    /**
     * The call that sends this body (serialised) to {@code uri} with the endpoint's {@code headers}.
     *
     * @param secret the API key sent, to scrub from error snippets
     */
    public WireCall toCall(URI uri, Map<String, String> headers, String secret) {
        return new WireCall(uri, headers, WireJson.write(body), adjustments, callerWantsUsageChunk, secret);
    }
}
