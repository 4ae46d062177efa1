package dev.llmq.provider.spi;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One prepared HTTP call to a provider: what the request mapper and the endpoint produced.
 *
 * @param uri full request URI (base, path, query such as {@code api-version})
 * @param headers request headers, auth included (never log them)
 * @param body the provider's JSON request body
 * @param adjustments parameters dropped, renamed or filled in, e.g. {@code dropped:logprobs}
 * @param forwardUsageChunk whether the caller asked for the usage-only last chunk of a stream
 *                          ({@code stream_options.include_usage}); when false the engine still reads usage from it
 *                          but does not hand that chunk to the sink, and removes {@code "usage": null} from chunks
 * @param secret the API key sent, so that error snippets can be scrubbed of it; never logged
 */
public record WireCall(URI uri, Map<String, String> headers, byte[] body, List<String> adjustments,
                       boolean forwardUsageChunk, String secret) {

    public WireCall {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(body, "body");
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        adjustments = adjustments == null ? List.of() : List.copyOf(adjustments);
    }

    @Override
    public String toString() {
        return "WireCall[" + uri + ", " + body.length + " bytes, adjustments=" + adjustments + "]";
    }
}
