package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * The canonical response: OpenAI's {@code chat.completion}. Unknown fields (Azure's {@code prompt_filter_results},
 * {@code service_tier} ...) are kept.
 */
public record ChatCompletion(String id, long created, String model, List<Choice> choices, Usage usage,
                             String systemFingerprint, ObjectNode extra) {

    public static final String OBJECT = "chat.completion";

    public ChatCompletion {
        choices = List.copyOf(Objects.requireNonNull(choices, "choices"));
        extra = Extras.copy(extra);
    }

    /**
     * @param logprobs the choice's logprobs object as it came, or null
     * @param extra unknown fields of the choice (Azure's {@code content_filter_results})
     */
    public record Choice(int index, ChatMessage message, String finishReason, JsonNode logprobs, ObjectNode extra) {
        public Choice {
            Objects.requireNonNull(message, "message");
            logprobs = logprobs == null ? null : logprobs.deepCopy();
            extra = Extras.copy(extra);
        }

        public ObjectNode toJson() {
            JsonOut out = JsonOut.create().num("index", index).node("message", message.toJson(true));
            ObjectNode o = out.nullable("finish_reason", finishReason).extra(extra).build();
            if (logprobs == null) {
                o.putNull("logprobs");
            } else {
                o.set("logprobs", logprobs.deepCopy());
            }
            return o;
        }

        static Choice fromJson(JsonNode node) {
            JsonIn in = new JsonIn(node, "choice");
            Integer index = in.integer("index");
            return new Choice(index == null ? 0 : index, ChatMessage.fromJson(in.raw("message")),
                    in.str("finish_reason"), in.any("logprobs"), in.extra());
        }
    }

    public ObjectNode toJson() {
        return JsonOut.create().str("id", id).str("object", OBJECT).num("created", created).str("model", model)
                .list("choices", choices, Choice::toJson).node("usage", usage == null ? null : usage.toJson())
                .str("system_fingerprint", systemFingerprint).extra(extra).build();
    }

    public static ChatCompletion fromJson(JsonNode node) {
        JsonIn in = new JsonIn(node, "chat.completion");
        in.raw("object");
        Long created = in.lng("created");
        List<Choice> choices = in.list("choices", Choice::fromJson);
        return new ChatCompletion(in.str("id"), created == null ? 0 : created, in.str("model"),
                choices == null ? List.of() : choices, Usage.fromJson(in.raw("usage")), in.str("system_fingerprint"),
                in.extra());
    }
}
