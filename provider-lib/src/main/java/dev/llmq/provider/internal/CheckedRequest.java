package dev.llmq.provider.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.model.ChatRequest;
import dev.llmq.provider.spi.ParameterSupport;
import java.util.List;
import java.util.Objects;

/**
 * An OpenAI request after the first steps of mapping it field by field (Anthropic, Gemini), alike for every such
 * adapter: copied, checked against the adapter's parameter support, read into the canonical model, with at least
 * one message.
 *
 * @param json the checked copy (unsupported parameters dropped), for fields the canonical model does not name
 * @param request the canonical request
 */
public record CheckedRequest(ObjectNode json, ChatRequest request) {

    public CheckedRequest {
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(request, "request");
    }

    /**
     * @param provider provider name, for the unsupported-parameter error
     * @param adjustments receives the parameters dropped ({@code dropped:<name>})
     * @throws ProviderException {@code INVALID_REQUEST} / {@code UNSUPPORTED_PARAMETER}
     */
    public static CheckedRequest of(ObjectNode openAiRequest, ProviderTarget target, ParameterSupport support,
                                    String provider, List<String> adjustments) {
        if (openAiRequest == null) {
            throw ProviderException.of(ErrorKind.INVALID_REQUEST, "request body is missing");
        }
        ObjectNode checked = openAiRequest.deepCopy();
        adjustments.addAll(support.apply(checked, target.dropParams(), provider));
        ChatRequest req;
        try {
            req = ChatRequest.fromJson(checked);
        } catch (IllegalArgumentException e) {
            throw WireJson.invalid(e.getMessage(), null);
        }
        if (req.messages().isEmpty()) {
            throw WireJson.invalid("'messages' must be a non-empty array", "messages");
        }
        return new CheckedRequest(checked, req);
    }
}
