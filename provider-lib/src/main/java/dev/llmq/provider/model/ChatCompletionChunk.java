package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/** The canonical stream event: OpenAI's {@code chat.completion.chunk}. Unknown fields are kept. */
public record ChatCompletionChunk(String id, long created, String model, List<ChunkChoice> choices, Usage usage,
                                  String systemFingerprint, ObjectNode extra) {

    public static final String OBJECT = "chat.completion.chunk";

    public ChatCompletionChunk {
        choices = List.copyOf(Objects.requireNonNull(choices, "choices"));
        extra = Extras.copy(extra);
    }

    /** One tool-call fragment: {@code index} is stable for the call; id, type and name come once, arguments in pieces. */
    public record ToolCallDelta(int index, String id, String type, String name, String arguments) {
        public ObjectNode toJson() {
            ObjectNode fn = JsonOut.create().str("name", name).str("arguments", arguments).build();
            JsonOut out = JsonOut.create().num("index", index).str("id", id).str("type", type);
            return fn.isEmpty() ? out.build() : out.node("function", fn).build();
        }

        static ToolCallDelta fromJson(JsonNode node) {
            JsonIn in = new JsonIn(node, "tool_call delta");
            Integer index = in.integer("index");
            JsonNode fn = in.raw("function");
            String name = null;
            String args = null;
            if (fn != null) {
                JsonIn f = new JsonIn(fn, "tool_call delta.function");
                name = f.str("name");
                args = f.str("arguments");
            }
            return new ToolCallDelta(index == null ? 0 : index, in.str("id"), in.str("type"), name, args);
        }
    }

    /** A choice's delta: any of role, content, refusal, tool-call fragments. */
    public record Delta(String role, String content, String refusal, List<ToolCallDelta> toolCalls, ObjectNode extra) {
        public Delta {
            toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
            extra = Extras.copy(extra);
        }

        public static Delta text(String content) {
            return new Delta(null, content, null, null, null);
        }

        public ObjectNode toJson() {
            return JsonOut.create().str("role", role).str("content", content).str("refusal", refusal)
                    .list("tool_calls", toolCalls, ToolCallDelta::toJson).extra(extra).build();
        }

        static Delta fromJson(JsonNode node) {
            if (node == null || node.isNull()) {
                return new Delta(null, null, null, null, null);
            }
            JsonIn in = new JsonIn(node, "delta");
            return new Delta(in.str("role"), in.str("content"), in.str("refusal"),
                    in.list("tool_calls", ToolCallDelta::fromJson), in.extra());
        }
    }

    public record ChunkChoice(int index, Delta delta, String finishReason, JsonNode logprobs, ObjectNode extra) {
        public ChunkChoice {
            Objects.requireNonNull(delta, "delta");
            logprobs = logprobs == null ? null : logprobs.deepCopy();
            extra = Extras.copy(extra);
        }

        public ObjectNode toJson() {
            ObjectNode o = JsonOut.create().num("index", index).node("delta", delta.toJson())
                    .node("logprobs", logprobs).nullable("finish_reason", finishReason).extra(extra).build();
            return o;
        }

        static ChunkChoice fromJson(JsonNode node) {
            JsonIn in = new JsonIn(node, "chunk choice");
            Integer index = in.integer("index");
            return new ChunkChoice(index == null ? 0 : index, Delta.fromJson(in.raw("delta")), in.str("finish_reason"),
                    in.any("logprobs"), in.extra());
        }
    }

    public ObjectNode toJson() {
        return JsonOut.create().str("id", id).str("object", OBJECT).num("created", created).str("model", model)
                .list("choices", choices, ChunkChoice::toJson).node("usage", usage == null ? null : usage.toJson())
                .str("system_fingerprint", systemFingerprint).extra(extra).build();
    }

    public static ChatCompletionChunk fromJson(JsonNode node) {
        JsonIn in = new JsonIn(node, "chat.completion.chunk");
        in.raw("object");
        Long created = in.lng("created");
        List<ChunkChoice> choices = in.list("choices", ChunkChoice::fromJson);
        return new ChatCompletionChunk(in.str("id"), created == null ? 0 : created, in.str("model"),
                choices == null ? List.of() : choices, Usage.fromJson(in.raw("usage")), in.str("system_fingerprint"),
                in.extra());
    }
}
