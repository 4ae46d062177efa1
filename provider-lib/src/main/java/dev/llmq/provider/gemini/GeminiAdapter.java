package dev.llmq.provider.gemini;

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

/**
 * The Gemini API protocol ({@code gemini/…}, Google AI Studio). The six pieces: {@link GeminiWire} (with
 * {@code GeminiSchema}), {@link GeminiRequestMapper} (with {@code GeminiContents}), {@link GeminiResponseMapper},
 * {@link GeminiStreamDecoder}, {@link GeminiErrorClassifier}, {@link GeminiEndpoint}.
 */
public final class GeminiAdapter implements ProviderAdapter {

    private final GeminiEndpoint endpoint = new GeminiEndpoint();
    private final GeminiRequestMapper requestMapper = new GeminiRequestMapper();
    private final GeminiResponseMapper responseMapper;
    private final GeminiErrorClassifier classifier;
    private final Clock clock;

    public GeminiAdapter(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.classifier = new GeminiErrorClassifier(clock);
        this.responseMapper = new GeminiResponseMapper(classifier, clock);
    }

    /** The request mapping alone, without building a {@link WireCall} (for benchmarks and tests). */
    public MappedRequest mapRequest(ProviderTarget target, ObjectNode openAiRequest) {
        return requestMapper.map(target, openAiRequest);
    }

    @Override
    public WireCall prepare(ProviderTarget target, ObjectNode openAiRequest, boolean stream) {
        return ParameterOverrides.map(target, openAiRequest, r -> requestMapper.map(target, r))
                .toCall(endpoint.uri(target, stream), endpoint.headers(target), target.apiKey());
    }

    @Override
    public ObjectNode decodeResponse(WireCall call, byte[] body) {
        return responseMapper.map(body, model(call), call.secret());
    }

    @Override
    public StreamDecoder streamDecoder(WireCall call) {
        return new GeminiStreamDecoder(classifier, clock, model(call), call.secret());
    }

    @Override
    public ProviderError classify(int status, HttpHeaders headers, byte[] body, WireCall call) {
        return classifier.classify(status, headers, body, call.secret());
    }

    @Override
    public String requestId(HttpHeaders headers) {
        return GeminiErrorClassifier.requestId(headers);
    }

    /** The model as named in the call's path ({@code .../models/<model>:generateContent}), for responses without
     *  {@code modelVersion}. */
    private static String model(WireCall call) {
        String path = call.uri().getPath();
        int slash = path.lastIndexOf("/models/");
        int colon = path.lastIndexOf(':');
        return slash >= 0 && colon > slash ? path.substring(slash + 8, colon) : null;
    }
}
