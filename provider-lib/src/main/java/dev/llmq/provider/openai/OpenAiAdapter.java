package dev.llmq.provider.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.spi.ParameterOverrides;
import dev.llmq.provider.spi.ParameterSupport;
import dev.llmq.provider.spi.MappedRequest;
import dev.llmq.provider.spi.ProviderAdapter;
import dev.llmq.provider.spi.StreamDecoder;
import dev.llmq.provider.spi.WireCall;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The OpenAI chat-completions protocol for one endpoint: OpenAI itself, Azure OpenAI, or an OpenAI-compatible
 * server. The six pieces: wire records are OpenAI's own (the canonical model), {@link OpenAiRequestMapper},
 * {@link OpenAiResponseMapper}, {@link OpenAiStreamDecoder}, {@link OpenAiErrorClassifier}, {@link OpenAiEndpoint}.
 */
public final class OpenAiAdapter implements ProviderAdapter {

    private final OpenAiEndpoint endpoint;
    private final ParameterSupport parameters;
    private final OpenAiRequestMapper requestMapper = new OpenAiRequestMapper();
    private final OpenAiResponseMapper responseMapper;
    private final OpenAiErrorClassifier classifier;

    public OpenAiAdapter(OpenAiEndpoint endpoint, ParameterSupport parameters, Clock clock) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.parameters = Objects.requireNonNull(parameters, "parameters");
        this.classifier = new OpenAiErrorClassifier(clock);
        this.responseMapper = new OpenAiResponseMapper(classifier);
    }

    /** OpenAI itself or a compatible server, with its declared parameter support. */
    public static OpenAiAdapter compatible(CompatibleProvider provider, Clock clock) {
        return new OpenAiAdapter(provider, provider.parameters(), clock);
    }

    /** Azure OpenAI. */
    public static OpenAiAdapter azure(Clock clock) {
        return new OpenAiAdapter(new AzureEndpoint(), ParameterSupport.ALL, clock);
    }

    public OpenAiEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public WireCall prepare(ProviderTarget target, ObjectNode openAiRequest, boolean stream) {
        MappedRequest mapped = ParameterOverrides.map(target, openAiRequest,
                r -> requestMapper.map(target, r, stream, endpoint, parameters));
        Map<String, String> headers = new LinkedHashMap<>(endpoint.headers(target));
        return mapped.toCall(endpoint.chatCompletionsUri(target), headers, target.apiKey());
    }

    @Override
    public ObjectNode decodeResponse(WireCall call, byte[] body) {
        return responseMapper.map(body, call.secret());
    }

    @Override
    public StreamDecoder streamDecoder(WireCall call) {
        return new OpenAiStreamDecoder(classifier, call.secret());
    }

    @Override
    public ProviderError classify(int status, HttpHeaders headers, byte[] body, WireCall call) {
        return classifier.classify(status, headers, body, call.secret());
    }

    @Override
    public String requestId(HttpHeaders headers) {
        return OpenAiErrorClassifier.requestId(headers);
    }
}
