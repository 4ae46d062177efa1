package dev.llmq.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.spi.Redaction;
import dev.llmq.schemas.Json;
import java.io.IOException;

/**
 * OpenAI-family response body → canonical {@code chat.completion}: the provider's object as returned ({@code model}
 * as the provider named it, unknown fields and Azure's filter results kept). A 200 whose body is an error object is
 * classified as one.
 */
public final class OpenAiResponseMapper {

    private final OpenAiErrorClassifier classifier;

    public OpenAiResponseMapper(OpenAiErrorClassifier classifier) {
        this.classifier = classifier;
    }

    public ObjectNode map(byte[] body, String secret) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(body);
        } catch (IOException e) {
            throw unreadable(body, secret, "response is not JSON", e);
        }
        if (!(node instanceof ObjectNode completion)) {
            throw unreadable(body, secret, "response is not a JSON object", null);
        }
        if (completion.hasNonNull("error") && !completion.has("choices")) {
            throw new ProviderException(classifier.classifyEvent(completion, secret));
        }
        if (!completion.path("choices").isArray()) {
            throw unreadable(body, secret, "response has no 'choices'", null);
        }
        return completion;
    }

    private static ProviderException unreadable(byte[] body, String secret, String why, Throwable cause) {
        return new ProviderException(new ProviderError(ErrorKind.SERVER_ERROR, 200, null, null, why, null, null,
                null, Redaction.snippet(body, secret)), cause);
    }
}
