package dev.llmq.provider.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.spi.MappedRequest;
import dev.llmq.provider.spi.ParameterOverrides;
import dev.llmq.provider.spi.ProviderAdapter;
import dev.llmq.provider.spi.StreamDecoder;
import dev.llmq.provider.spi.WireCall;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The Anthropic Messages protocol ({@code anthropic/…}). The six pieces: {@link AnthropicWire},
 * {@link AnthropicRequestMapper} (with {@code AnthropicMessages}), {@link AnthropicResponseMapper},
 * {@link AnthropicStreamDecoder}, {@link AnthropicErrorClassifier}, {@link AnthropicEndpoint}.
 */
public final class AnthropicAdapter implements ProviderAdapter {

    private final AnthropicEndpoint endpoint = new AnthropicEndpoint();
    private final AnthropicRequestMapper requestMapper;
    private final AnthropicResponseMapper responseMapper;
    private final AnthropicErrorClassifier classifier;
    private final Clock clock;

    /**
     * @param maxOutputTokens a model's output-token limit (e.g. from the price table), to fill a missing
     *                        {@code max_tokens}
     */
    public AnthropicAdapter(Clock clock, Function<String, Optional<Long>> maxOutputTokens) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.requestMapper = new AnthropicRequestMapper(maxOutputTokens);
        this.classifier = new AnthropicErrorClassifier(clock);
        this.responseMapper = new AnthropicResponseMapper(classifier, clock);
    }

    /** The request mapping alone, without building a {@link WireCall} (for benchmarks and tests). */
    public MappedRequest mapRequest(ProviderTarget target, ObjectNode openAiRequest, boolean stream) {
        return requestMapper.map(target, openAiRequest, stream);
    }

    @Override
    public WireCall prepare(ProviderTarget target, ObjectNode openAiRequest, boolean stream) {
        return ParameterOverrides.map(target, openAiRequest, r -> requestMapper.map(target, r, stream))
                .toCall(endpoint.messagesUri(target), endpoint.headers(target), target.apiKey());
    }

    @Override
    public ObjectNode decodeResponse(WireCall call, byte[] body) {
        return responseMapper.map(body, jsonTool(call), call.secret());
    }

    @Override
    public StreamDecoder streamDecoder(WireCall call) {
        return new AnthropicStreamDecoder(classifier, clock, jsonTool(call), call.secret());
    }

    @Override
    public ProviderError classify(int status, HttpHeaders headers, byte[] body, WireCall call) {
        return classifier.classify(status, headers, body, call.secret());
    }

    @Override
    public String requestId(HttpHeaders headers) {
        return AnthropicErrorClassifier.requestId(headers);
    }

    private static boolean jsonTool(WireCall call) {
        return call.adjustments().contains(AnthropicWire.JSON_TOOL_ADJUSTMENT);
    }
}
