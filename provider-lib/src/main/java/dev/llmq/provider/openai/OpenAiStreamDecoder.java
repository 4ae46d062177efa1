package dev.llmq.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.spi.Redaction;
import dev.llmq.provider.spi.StreamDecoder;
import dev.llmq.provider.sse.SseEvent;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.util.List;

/**
 * OpenAI SSE → canonical chunks. OpenAI's events already are {@code chat.completion.chunk} objects, so each is passed
 * on as it came (Azure's {@code prompt_filter_results} / {@code content_filter_results} included); {@code [DONE]} ends
 * the stream; an {@code {"error": ...}} event (or an {@code event: error}) becomes a classified error.
 */
public final class OpenAiStreamDecoder implements StreamDecoder {

    static final String DONE = "[DONE]";

    private final OpenAiErrorClassifier classifier;
    private final String secret;
    private boolean ended;

    public OpenAiStreamDecoder(OpenAiErrorClassifier classifier, String secret) {
        this.classifier = classifier;
        this.secret = secret;
    }

    @Override
    public List<ObjectNode> decode(SseEvent event) {
        String data = event.data().strip();
        if (ended || data.isEmpty()) {
            return List.of();
        }
        if (DONE.equals(data)) {
            ended = true;
            return List.of();
        }
        JsonNode node;
        try {
            node = Json.mapper().readTree(data);
        } catch (IOException e) {
            throw new ProviderException(new ProviderError(ErrorKind.SERVER_ERROR, 200, null, null,
                    "unparseable stream event", null, null, null, Redaction.snippet(data, secret)), e);
        }
        if (!(node instanceof ObjectNode chunk)) {
            throw new ProviderException(new ProviderError(ErrorKind.SERVER_ERROR, 200, null, null,
                    "stream event is not a JSON object", null, null, null, Redaction.snippet(data, secret)));
        }
        if (chunk.hasNonNull("error") || "error".equals(event.event())) {
            throw new ProviderException(classifier.classifyEvent(chunk, secret));
        }
        return List.of(chunk);
    }

    @Override
    public boolean ended() {
        return ended;
    }
}
