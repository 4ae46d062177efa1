package dev.llmq.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.internal.WireJson;
import dev.llmq.provider.model.Completions;
import dev.llmq.provider.spi.StreamDecoder;
import dev.llmq.provider.sse.SseEvent;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Gemini {@code streamGenerateContent?alt=sse} → OpenAI chunks (piece 4). Every event is a whole
 * {@code GenerateContentResponse} holding the next piece of each candidate: its text becomes a content delta, thought
 * parts {@code reasoning_content}, each {@code functionCall} (Gemini sends calls whole) one complete tool-call delta
 * with a stable per-candidate index and id, and a {@code finishReason} the choice's finish reason. Gemini sends no
 * {@code [DONE]}: the stream has ended cleanly once every candidate seen has a finish reason; then a usage-only
 * chunk carries the last {@code usageMetadata}. A stream that stops before is truncated (the engine says so). An
 * {@code error} object is classified; a blocked prompt is a content-policy error.
 *
 * <p>To measure decoding per chunk without HTTP, feed events without a {@code finishReason} repeatedly; each yields
 * one chunk.
 */
public final class GeminiStreamDecoder implements StreamDecoder {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** Per candidate: calls so far (the next tool-call index) and whether it finished. */
    private static final class CandidateState {
        private int calls;
        private boolean finished;
    }

    private final GeminiErrorClassifier classifier;
    private final Clock clock;
    private final String model;
    private final String secret;
    private final Map<Integer, CandidateState> candidates = new TreeMap<>();
    private String id;
    private String modelVersion;
    private long created;
    private GeminiWire.Usage usage;
    private boolean ended;

    public GeminiStreamDecoder(GeminiErrorClassifier classifier, Clock clock, String model, String secret) {
        this.classifier = classifier;
        this.clock = clock;
        this.model = model;
        this.secret = secret;
    }

    @Override
    public List<ObjectNode> decode(SseEvent event) {
        if (ended || event.data().isBlank()) {
            return List.of();
        }
        JsonNode response = parse(event.data());
        if (response.has("error")) {
            throw new ProviderException(classifier.classifyBody(0, null, response, null, secret));
        }
        GeminiResponseMapper.checkBlocked(response, secret);
        if (id == null) {
            id = GeminiResponseMapper.id(response);
            created = clock.instant().getEpochSecond();
        }
        modelVersion = response.path("modelVersion").asText(modelVersion != null ? modelVersion : model);
        GeminiWire.Usage u = GeminiWire.Usage.fromJson(response.get("usageMetadata"));
        usage = u != null ? u : usage;
        ObjectNode chunk = Completions.chunk(id, created, modelVersion);
        ArrayNode choices = chunk.putArray("choices");
        int position = 0;
        for (JsonNode candidate : response.path("candidates")) {
            int index = candidate.path("index").asInt(position++);
            ObjectNode choice = choice(index, candidate);
            if (choice != null) {
                choices.add(choice);
            }
        }
        ended = !candidates.isEmpty() && candidates.values().stream().allMatch(c -> c.finished);
        ObjectNode usageChunk = ended && usage != null
                ? Completions.usageChunk(id, created, modelVersion, usage.toOpenAi()) : null;
        if (choices.isEmpty()) {
            return usageChunk == null ? List.of() : List.of(usageChunk);
        }
        return usageChunk == null ? List.of(chunk) : List.of(chunk, usageChunk);
    }

    @Override
    public boolean ended() {
        return ended;
    }

    /** The last {@code usageMetadata} (Gemini's counts are cumulative). */
    @Override
    public ObjectNode usageSoFar() {
        return usage == null ? null : usage.toOpenAi();
    }

    private ObjectNode choice(int index, JsonNode candidate) {
        boolean first = !candidates.containsKey(index);
        CandidateState state = candidates.computeIfAbsent(index, i -> new CandidateState());
        GeminiResponseMapper.Parts parts = GeminiResponseMapper.Parts.read(candidate,
                GeminiResponseMapper.callIdPrefix(id, index), state.calls);
        ObjectNode delta = F.objectNode();
        if (first) {
            delta.put("role", "assistant");
        }
        if (parts.text() != null && !parts.text().isEmpty()) {
            delta.put("content", parts.text());
        }
        if (parts.thoughts() != null && !parts.thoughts().isEmpty()) {
            delta.put("reasoning_content", parts.thoughts());
        }
        if (!parts.calls().isEmpty()) {
            ArrayNode calls = delta.putArray("tool_calls");
            for (GeminiResponseMapper.Call c : parts.calls()) {
                Completions.addToolCallDelta(calls, state.calls++, c.id(), c.name(), c.arguments());
            }
        }
        String reason = candidate.path("finishReason").asText(null);
        String finish = GeminiWire.finishReason(reason, state.calls > 0);
        if (finish != null) {
            state.finished = true;
        }
        if (delta.isEmpty() && finish == null) {
            return null;
        }
        return Completions.deltaChoice(index, delta, finish);
    }

    private JsonNode parse(String data) {
        JsonNode node = WireJson.readEvent(data, secret);
        if (node != null && node.isArray() && node.size() == 1) {
            node = node.get(0);
        }
        if (node != null && node.isObject()) {
            return node;
        }
        throw WireJson.notAnObject(data, secret);
    }
}
