package dev.llmq.provider.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.internal.WireJson;
import dev.llmq.provider.spi.StreamDecoder;
import dev.llmq.provider.sse.SseEvent;
import java.util.List;

/**
 * OpenAI SSE → canonical chunks. OpenAI's events already are {@code chat.completion.chunk} objects, so each is passed
 * on as it came (Azure's {@code prompt_filter_results} / {@code content_filter_results} included), but for a
 * {@code finish_reason} outside OpenAI's values, which {@link FinishReasons} maps; {@code [DONE]} ends the stream;
 * an {@code {"error": ...}} event (or an {@code event: error}) becomes a classified error.
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
        if (!(WireJson.readEvent(data, secret) instanceof ObjectNode chunk)) {
            throw WireJson.notAnObject(data, secret);
        }
        if (chunk.hasNonNull("error") || "error".equals(event.event())) {
            throw new ProviderException(classifier.classifyEvent(chunk, secret));
        }
        FinishReasons.normalise(chunk, false);
        return List.of(chunk);
    }

    @Override
    public boolean ended() {
        return ended;
    }
}
