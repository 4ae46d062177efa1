package dev.llmq.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.internal.WireJson;
import dev.llmq.provider.model.Completions;
import dev.llmq.provider.spi.Redaction;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Gemini {@code GenerateContentResponse} → OpenAI {@code chat.completion} (piece 3): each candidate a choice (its
 * {@code index}), text parts concatenated into {@code content}, thought parts into {@code reasoning_content},
 * {@code functionCall} parts into {@code tool_calls} (arguments = {@code args} as a JSON string; the call's own
 * {@code id} when Gemini gives one, else {@code call_<responseId>_<candidate>_<n>}, stable for a response; a part's
 * {@code thoughtSignature} rides along in the id, see {@link GeminiWire#THOUGHT_SIGNATURE_SEPARATOR}), the
 * finish reason by {@link GeminiWire#finishReason}, usage by {@link GeminiWire.Usage}. A response without
 * candidates whose {@code promptFeedback.blockReason} is set is a {@code CONTENT_POLICY} error; one without
 * candidates nor block reason a {@code SERVER_ERROR} (see {@link #checkAnswered}). {@code id} is the
 * {@code responseId}, {@code model} the {@code modelVersion}, {@code created} the injected clock's time.
 */
public final class GeminiResponseMapper {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** One function call read from a candidate's parts. */
    record Call(String id, String name, String arguments) {
    }

    /** What one candidate's parts hold: text, thoughts (null when none) and calls. */
    record Parts(String text, String thoughts, List<Call> calls) {
        static Parts read(JsonNode candidate, String callIdPrefix, int callsBefore) {
            StringBuilder text = null;
            StringBuilder thoughts = null;
            List<Call> calls = new ArrayList<>();
            for (JsonNode part : candidate.path("content").path("parts")) {
                if (part.has("functionCall")) {
                    JsonNode fc = part.get("functionCall");
                    JsonNode args = fc.path("args");
                    String id = fc.path("id").isTextual() && !fc.path("id").asText().isEmpty() ? fc.get("id").asText()
                            : callIdPrefix + (callsBefore + calls.size());
                    if (part.path("thoughtSignature").isTextual()) {
                        id = id + GeminiWire.THOUGHT_SIGNATURE_SEPARATOR + part.get("thoughtSignature").asText();
                    }
                    calls.add(new Call(id, fc.path("name").asText(), args.isObject() ? args.toString() : "{}"));
                } else if (part.path("text").isTextual()) {
                    if (part.path("thought").asBoolean(false)) {
                        thoughts = (thoughts == null ? new StringBuilder() : thoughts).append(part.get("text").asText());
                    } else {
                        text = (text == null ? new StringBuilder() : text).append(part.get("text").asText());
                    }
                }
            }
            return new Parts(text == null ? null : text.toString(), thoughts == null ? null : thoughts.toString(),
                    calls);
        }
    }

    private final GeminiErrorClassifier classifier;
    private final Clock clock;

    public GeminiResponseMapper(GeminiErrorClassifier classifier, Clock clock) {
        this.classifier = classifier;
        this.clock = clock;
    }

    public ObjectNode map(byte[] body, String model, String secret) {
        ObjectNode response = WireJson.readResponse(body, secret);
        if (response.has("error")) {
            throw new ProviderException(classifier.classifyBody(200, null, response, body,
                    secret));
        }
        checkBlocked(response, secret);
        checkAnswered(response, secret);
        String id = id(response);
        ObjectNode out = Completions.completion(id, clock.instant().getEpochSecond(),
                response.path("modelVersion").asText(model));
        ArrayNode choices = out.putArray("choices");
        int position = 0;
        for (JsonNode candidate : response.path("candidates")) {
            int index = candidate.path("index").asInt(position++);
            Parts parts = Parts.read(candidate, callIdPrefix(id, index), 0);
            ArrayNode calls = F.arrayNode();
            for (Call c : parts.calls()) {
                Completions.addToolCall(calls, c.id(), c.name(), c.arguments());
            }
            ObjectNode msg = Completions.assistantMessage().content(parts.text()).reasoning(parts.thoughts())
                    .toolCalls(calls).build();
            choices.add(Completions.messageChoice(index, msg,
                    GeminiWire.finishReason(candidate.path("finishReason").asText(null), !parts.calls().isEmpty())));
        }
        GeminiWire.Usage usage = GeminiWire.Usage.fromJson(response.get("usageMetadata"));
        if (usage != null) {
            out.set("usage", usage.toOpenAi());
        }
        return out;
    }

    static String id(JsonNode response) {
        return response.path("responseId").asText("gemini");
    }

    static String callIdPrefix(String responseId, int candidate) {
        return "call_" + responseId + "_" + candidate + "_";
    }

    /** A prompt Gemini refused outright (no candidates, {@code promptFeedback.blockReason} set), with the 200 it came in. */
    static void checkBlocked(JsonNode response, String secret) {
        String reason = response.path("promptFeedback").path("blockReason").asText(null);
        if (reason != null && response.path("candidates").isEmpty()) {
            throw new ProviderException(ProviderError.builder(ErrorKind.CONTENT_POLICY).httpStatus(200)
                    .providerType("blockReason").providerCode(reason).message("gemini blocked the prompt: " + reason)
                    .param("messages").snippet(Redaction.snippet(response.toString(), secret)).build());
        }
    }

    /**
     * An answer without candidates that no block reason explains: Google's contract is that candidates are missing
     * only when the prompt was blocked ({@code promptFeedback}), yet Gemini 2.5 models answer so at times (a 200 with
     * usage alone). It is no completion an OpenAI client can read ({@code choices[0]}), and trying again may get
     * one, so it is a retryable {@code SERVER_ERROR} that counts against the deployment, with the 200 it came in.
     */
    static void checkAnswered(JsonNode response, String secret) {
        if (response.path("candidates").isEmpty()) {
            throw new ProviderException(ProviderError.builder(ErrorKind.SERVER_ERROR).httpStatus(200)
                    .providerType("no_candidates").message("gemini answered without any candidate and without a"
                            + " promptFeedback.blockReason")
                    .snippet(Redaction.snippet(response.toString(), secret)).build());
        }
    }
}
