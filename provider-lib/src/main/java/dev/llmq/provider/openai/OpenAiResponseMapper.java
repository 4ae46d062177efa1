package dev.llmq.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.internal.WireJson;

/**
 * OpenAI-family response body → canonical {@code chat.completion}: the provider's object as returned ({@code model}
 * as the provider named it, unknown fields and Azure's filter results kept), but for a {@code finish_reason} outside
 * OpenAI's values, which {@link FinishReasons} maps. A 200 whose body is an error object (with no choices, or
 * {@code null} or empty ones) is classified as one.
 */
public final class OpenAiResponseMapper {

    private final OpenAiErrorClassifier classifier;

    public OpenAiResponseMapper(OpenAiErrorClassifier classifier) {
        this.classifier = classifier;
    }

    public ObjectNode map(byte[] body, String secret) {
        ObjectNode completion = WireJson.readResponse(body, secret);
        JsonNode choices = completion.path("choices");
        if (completion.hasNonNull("error") && (choices.isMissingNode() || choices.isNull() || choices.isEmpty())) {
            throw new ProviderException(classifier.classifyEvent(completion, secret));
        }
        if (!completion.path("choices").isArray()) {
            throw WireJson.unreadable(body, secret, "response has no 'choices'", null);
        }
        FinishReasons.normalise(completion, true);
        return completion;
    }
}
