package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.mock.Fault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Builds Gemini {@code GenerateContentResponse} JSON and Google's error body. */
final class GeminiWire {

    static final int CONTEXT_WINDOW = 1_048_576;

    private static final String[] HARM_CATEGORIES = {"HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_DANGEROUS_CONTENT",
        "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_SEXUALLY_EXPLICIT"};

    /** An error as Google sends it; {@code retryDelay} adds a {@code RetryInfo} detail. */
    record Error(int status, String grpcStatus, String message, String reason, Optional<Duration> retryDelay) {
    }

    private final ObjectMapper json;

    GeminiWire(ObjectMapper json) {
        this.json = json;
    }

    /** {@code STOP}, {@code MAX_TOKENS} or {@code SAFETY}; a forced function call finishes with STOP. */
    static String finishReason(ReplyPlanner.Choice c) {
        return switch (c.finishReason()) {
            case "length" -> "MAX_TOKENS";
            case "content_filter" -> "SAFETY";
            default -> "STOP";
        };
    }

    /**
     * A response with one candidate per choice, each with its whole text (or function call), after its thought part
     * when {@code thoughts} (one per choice) is not null.
     */
    ObjectNode response(List<ReplyPlanner.Choice> choices, List<Thought> thoughts, int promptTokens,
                        String modelVersion, String responseId) {
        ObjectNode root = json.createObjectNode();
        ArrayNode candidates = root.putArray("candidates");
        int output = 0;
        for (ReplyPlanner.Choice c : choices) {
            ObjectNode cand = candidate(c, c.toolCall() != null ? null : c.content(), true);
            if (thoughts != null && cand.has("content")) {
                ((ArrayNode) cand.get("content").get("parts")).insert(0, thoughtPart(thoughts.get(c.index())));
            }
            candidates.add(cand);
            output += c.completionTokens();
        }
        return finish(root, promptTokens, output, thoughtTokens(thoughts), modelVersion, responseId);
    }

    /** A stream chunk's candidate holding only the choice's thought part. */
    ObjectNode thoughtCandidate(ReplyPlanner.Choice c, Thought thought) {
        ObjectNode cand = json.createObjectNode();
        ObjectNode content = cand.putObject("content");
        content.putArray("parts").add(thoughtPart(thought));
        content.put("role", "model");
        cand.put("index", c.index());
        return cand;
    }

    private ObjectNode thoughtPart(Thought thought) {
        return json.createObjectNode().put("text", thought.text()).put("thought", true);
    }

    /** The thoughts' tokens, all candidates together; 0 without thoughts. */
    static int thoughtTokens(List<Thought> thoughts) {
        return thoughts == null ? 0 : thoughts.stream().mapToInt(Thought::tokens).sum();
    }

    /** A candidate; {@code text} null means the whole function call (or no content when blocked). */
    ObjectNode candidate(ReplyPlanner.Choice c, String text, boolean last) {
        ObjectNode cand = json.createObjectNode();
        boolean blocked = "content_filter".equals(c.finishReason());
        if (!blocked) {
            ObjectNode content = cand.putObject("content");
            ArrayNode parts = content.putArray("parts");
            if (text != null) {
                parts.addObject().put("text", text);
            } else {
                ObjectNode call = parts.addObject().putObject("functionCall");
                call.put("name", c.toolCall().name());
                call.set("args", args(c));
            }
            content.put("role", "model");
        }
        if (last) {
            cand.put("finishReason", finishReason(c));
        }
        if (blocked) {
            cand.set("safetyRatings", safetyRatings(true));
        }
        cand.put("index", c.index());
        return cand;
    }

    /**
     * Adds usage ({@code candidatesTokenCount} when {@code outputTokens} is not 0; {@code thoughtsTokenCount} when
     * there were thoughts, counted apart from the candidates' tokens as Gemini counts them), model version and
     * response id to a response or stream chunk.
     */
    ObjectNode finish(ObjectNode root, int promptTokens, int outputTokens, int thoughtTokens, String modelVersion,
                      String responseId) {
        ObjectNode usage = root.putObject("usageMetadata");
        usage.put("promptTokenCount", promptTokens);
        if (outputTokens > 0) {
            usage.put("candidatesTokenCount", outputTokens);
        }
        usage.put("totalTokenCount", promptTokens + outputTokens + thoughtTokens);
        usage.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", promptTokens);
        if (thoughtTokens > 0) {
            usage.put("thoughtsTokenCount", thoughtTokens);
        }
        root.put("modelVersion", modelVersion);
        root.put("responseId", responseId);
        return root;
    }

    /** A 200 answer to a blocked prompt: no candidates, {@code promptFeedback.blockReason: SAFETY}. */
    ObjectNode promptBlocked(int promptTokens, String modelVersion, String responseId) {
        ObjectNode root = json.createObjectNode();
        ObjectNode feedback = root.putObject("promptFeedback");
        feedback.put("blockReason", "SAFETY");
        feedback.set("safetyRatings", safetyRatings(true));
        ObjectNode usage = root.putObject("usageMetadata");
        usage.put("promptTokenCount", promptTokens);
        usage.put("totalTokenCount", promptTokens);
        root.put("modelVersion", modelVersion);
        root.put("responseId", responseId);
        return root;
    }

    ArrayNode safetyRatings(boolean blocked) {
        ArrayNode arr = json.createArrayNode();
        for (String category : HARM_CATEGORIES) {
            boolean hit = blocked && category.equals("HARM_CATEGORY_DANGEROUS_CONTENT");
            ObjectNode r = arr.addObject().put("category", category).put("probability", hit ? "HIGH" : "NEGLIGIBLE");
            if (hit) {
                r.put("blocked", true);
            }
        }
        return arr;
    }

    /** A shared fault in Google's statuses. */
    static Error error(Fault.HttpError e, String model, int promptTokens) {
        if ("context_length_exceeded".equals(e.code())) {
            return new Error(400, "INVALID_ARGUMENT", "The input token count (" + (CONTEXT_WINDOW + promptTokens)
                    + ") exceeds the maximum number of tokens allowed (" + CONTEXT_WINDOW + ").", null, Optional.empty());
        }
        if ("insufficient_quota".equals(e.code())) { // Google's answer once a project's prepaid credits are spent
            return new Error(402, "RESOURCE_EXHAUSTED", "Your prepayment credits are depleted. Please go to AI Studio"
                    + " at https://ai.studio/projects to manage your project and billing.", null, Optional.empty());
        }
        if ("invalid_api_key".equals(e.code())) {
            return invalidKey();
        }
        return switch (e.status()) {
            case 400 -> new Error(400, "INVALID_ARGUMENT", e.message(), null, Optional.empty());
            case 401 -> new Error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", null,
                    Optional.empty());
            case 403 -> new Error(403, "PERMISSION_DENIED", "The caller does not have permission", null,
                    Optional.empty());
            case 404 -> new Error(404, "NOT_FOUND", "models/" + model + " is not found for API version v1beta, or "
                    + "is not supported for generateContent.", null, Optional.empty());
            case 429 -> new Error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", null,
                    Optional.of(e.retryAfter().orElse(Duration.ofSeconds(1))));
            case 500 -> new Error(500, "INTERNAL", "An internal error has occurred. Please retry or report in "
                    + "https://developers.generativeai.google/guide/troubleshooting", null, Optional.empty());
            case 503, 529 -> new Error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", null,
                    Optional.empty());
            case 504 -> new Error(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.", null,
                    Optional.empty());
            default -> new Error(e.status(), e.status() >= 500 ? "UNKNOWN" : "FAILED_PRECONDITION", e.message(), null,
                    Optional.empty());
        };
    }

    static Error invalidKey() {
        return new Error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", "API_KEY_INVALID",
                Optional.empty());
    }

    /** {@code {"error":{"code","message","status","details":[…]}}} */
    ObjectNode errorBody(Error e) {
        ObjectNode root = json.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("code", e.status());
        err.put("message", e.message());
        err.put("status", e.grpcStatus());
        if (e.reason() == null && e.retryDelay().isEmpty()) {
            return root;
        }
        ArrayNode details = err.putArray("details");
        if (e.reason() != null) {
            ObjectNode info = details.addObject();
            info.put("@type", "type.googleapis.com/google.rpc.ErrorInfo");
            info.put("reason", e.reason());
            info.put("domain", "googleapis.com");
            info.putObject("metadata").put("service", "generativelanguage.googleapis.com");
        }
        e.retryDelay().ifPresent(d -> {
            ObjectNode quota = details.addObject();
            quota.put("@type", "type.googleapis.com/google.rpc.QuotaFailure");
            quota.putArray("violations").addObject()
                    .put("quotaMetric", "generativelanguage.googleapis.com/generate_content_requests")
                    .put("quotaId", "GenerateRequestsPerMinutePerProjectPerModel")
                    .put("quotaValue", "15");
            ObjectNode help = details.addObject();
            help.put("@type", "type.googleapis.com/google.rpc.Help");
            help.putArray("links").addObject().put("description", "Learn more about Gemini API quotas")
                    .put("url", "https://ai.google.dev/gemini-api/docs/rate-limits");
            details.addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                    .put("retryDelay", ((d.toMillis() + 999) / 1000) + "s");
        });
        return root;
    }

    private com.fasterxml.jackson.databind.JsonNode args(ReplyPlanner.Choice c) {
        try {
            return json.readTree(c.toolCall().arguments());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the planner produced arguments that are not JSON", e);
        }
    }
}
