package dev.llmq.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.model.Completions;
import dev.llmq.provider.spi.Usages;
import dev.llmq.schemas.TokenUsage;
import java.util.Map;
import java.util.TreeMap;

/**
 * Assembles OpenAI {@code chat.completion.chunk} objects into the {@code chat.completion} they add up to: content,
 * refusal and reasoning text concatenated per choice, tool calls assembled by their index (id, name and argument
 * fragments), the finish reason, logprobs, content-filter results and usage. Provider independent: every stream
 * decoder emits canonical chunks and this builds the final completion. Not thread-safe.
 */
public final class ChunkAccumulator {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Map<Integer, ChoiceState> choices = new TreeMap<>();
    private String id;
    private long created;
    private String model;
    private String systemFingerprint;
    private String serviceTier;
    private JsonNode usage;
    private ArrayNode promptFilterResults;
    private int chunks;

    /** Adds one chunk. */
    public void add(ObjectNode chunk) {
        chunks++;
        id = text(chunk, "id", id);
        model = text(chunk, "model", model);
        systemFingerprint = text(chunk, "system_fingerprint", systemFingerprint);
        serviceTier = text(chunk, "service_tier", serviceTier);
        if (chunk.path("created").canConvertToLong() && chunk.path("created").asLong() > 0) {
            created = chunk.get("created").asLong();
        }
        if (chunk.hasNonNull("usage") && chunk.get("usage").isObject()) {
            usage = chunk.get("usage").deepCopy();
        }
        JsonNode pfr = chunk.get("prompt_filter_results");
        if (pfr != null && pfr.isArray()) {
            if (promptFilterResults == null) {
                promptFilterResults = NODES.arrayNode();
            }
            promptFilterResults.addAll(((ArrayNode) pfr).deepCopy());
        }
        for (JsonNode c : chunk.path("choices")) {
            int index = c.path("index").asInt(0);
            choices.computeIfAbsent(index, ChoiceState::new).add(c);
        }
    }

    /** Whether a chunk carries generated output (text, refusal, reasoning or a tool call), for time to first token. */
    public static boolean hasOutput(JsonNode chunk) {
        for (JsonNode c : chunk.path("choices")) {
            JsonNode delta = c.path("delta");
            if (nonEmptyText(delta, "content") || nonEmptyText(delta, "refusal")
                    || nonEmptyText(delta, "reasoning_content") || delta.path("tool_calls").size() > 0
                    || delta.hasNonNull("function_call")) {
                return true;
            }
        }
        return false;
    }

    /** Whether a chunk is the usage-only last chunk of an {@code include_usage} stream. */
    public static boolean isUsageOnly(JsonNode chunk) {
        return chunk.path("choices").isArray() && chunk.path("choices").isEmpty() && chunk.hasNonNull("usage")
                && !chunk.has("prompt_filter_results");
    }

    public int chunkCount() {
        return chunks;
    }

    public TokenUsage usage() {
        return Usages.fromOpenAi(usage);
    }

    /** The {@code chat.completion} assembled so far. */
    public ObjectNode completion() {
        ObjectNode out = Completions.completion(id, created, model);
        if (systemFingerprint != null) {
            out.put("system_fingerprint", systemFingerprint);
        }
        if (serviceTier != null) {
            out.put("service_tier", serviceTier);
        }
        if (promptFilterResults != null) {
            out.set("prompt_filter_results", promptFilterResults.deepCopy());
        }
        ArrayNode cs = out.putArray("choices");
        choices.values().forEach(c -> cs.add(c.toJson()));
        if (usage != null) {
            out.set("usage", usage.deepCopy());
        }
        return out;
    }

    private static String text(JsonNode node, String field, String current) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() && !v.asText().isEmpty() ? v.asText() : current;
    }

    private static boolean nonEmptyText(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() && !v.asText().isEmpty();
    }

    private static final class ChoiceState {
        private final int index;
        private final Map<Integer, ToolCallState> toolCalls = new TreeMap<>();
        private String role;
        private StringBuilder content;
        private StringBuilder refusal;
        private StringBuilder reasoning;
        private ArrayNode thinkingBlocks;
        private String finishReason;
        private ArrayNode logprobContent;
        private ArrayNode logprobRefusal;
        private JsonNode contentFilterResults;
        private ToolCallState functionCall;

        ChoiceState(int index) {
            this.index = index;
        }

        void add(JsonNode c) {
            JsonNode delta = c.path("delta");
            role = text(delta, "role", role);
            content = append(content, delta.get("content"));
            refusal = append(refusal, delta.get("refusal"));
            reasoning = append(reasoning, delta.get("reasoning_content"));
            thinkingBlocks = appendArray(thinkingBlocks, delta.get("thinking_blocks")); // each whole, in one chunk
            for (JsonNode tc : delta.path("tool_calls")) {
                int i = tc.path("index").asInt(toolCalls.size());
                toolCalls.computeIfAbsent(i, k -> new ToolCallState()).add(tc);
            }
            if (delta.path("function_call").isObject()) {
                if (functionCall == null) {
                    functionCall = new ToolCallState();
                }
                functionCall.addFunction(delta.get("function_call"));
            }
            finishReason = text(c, "finish_reason", finishReason);
            JsonNode lp = c.path("logprobs");
            logprobContent = appendArray(logprobContent, lp.get("content"));
            logprobRefusal = appendArray(logprobRefusal, lp.get("refusal"));
            if (c.hasNonNull("content_filter_results")) {
                contentFilterResults = c.get("content_filter_results").deepCopy();
            }
        }

        ObjectNode toJson() {
            ArrayNode calls = NODES.arrayNode();
            toolCalls.values().forEach(t -> t.addTo(calls));
            ObjectNode message = Completions.assistantMessage().role(role).content(string(content))
                    .refusal(string(refusal)).reasoning(string(reasoning)).thinkingBlocks(thinkingBlocks)
                    .toolCalls(calls).build();
            if (functionCall != null) {
                message.set("function_call", functionCall.function());
            }
            ObjectNode choice = Completions.messageChoice(index, message, finishReason);
            if (logprobContent != null || logprobRefusal != null) {
                ObjectNode lp = NODES.objectNode();
                lp.set("content", logprobContent);
                lp.set("refusal", logprobRefusal);
                choice.set("logprobs", lp);
            }
            if (contentFilterResults != null) {
                choice.set("content_filter_results", contentFilterResults.deepCopy());
            }
            return choice;
        }

        private static String string(StringBuilder sb) {
            return sb == null ? null : sb.toString();
        }

        private static StringBuilder append(StringBuilder sb, JsonNode v) {
            if (v == null || !v.isTextual()) {
                return sb;
            }
            StringBuilder out = sb == null ? new StringBuilder() : sb;
            return out.append(v.asText());
        }

        private static ArrayNode appendArray(ArrayNode acc, JsonNode v) {
            if (v == null || !v.isArray()) {
                return acc;
            }
            ArrayNode out = acc == null ? NODES.arrayNode() : acc;
            out.addAll((ArrayNode) v.deepCopy());
            return out;
        }
    }

    private static final class ToolCallState {
        private String id;
        private String type;
        private String name;
        private final StringBuilder arguments = new StringBuilder();

        void add(JsonNode tc) {
            id = text(tc, "id", id);
            type = text(tc, "type", type);
            addFunction(tc.path("function"));
        }

        void addFunction(JsonNode fn) {
            name = text(fn, "name", name);
            JsonNode args = fn.get("arguments");
            if (args != null && args.isTextual()) {
                arguments.append(args.asText());
            }
        }

        ObjectNode function() {
            ObjectNode fn = NODES.objectNode();
            fn.put("name", name);
            fn.put("arguments", arguments.toString());
            return fn;
        }

        void addTo(ArrayNode calls) {
            ObjectNode call = Completions.addToolCall(calls, id, name, arguments.toString());
            if (type != null && !Completions.FUNCTION_TYPE.equals(type)) {
                call.put("type", type);
            }
        }
    }
}
