package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Decides, protocol-neutrally, what each choice of a reply contains. */
public final class ReplyPlanner {

    /** What the reply must look like, parsed from any protocol's request. */
    public record Input(long seed, int completionTokens, Integer maxTokens, int n, JsonMode jsonMode,
                        ForcedTool tool, List<String> stop) {
        public Input {
            if (n < 1) {
                throw new IllegalArgumentException("n must be >= 1");
            }
            Objects.requireNonNull(jsonMode, "jsonMode");
            stop = List.copyOf(stop);
        }

        public Input(long seed, int completionTokens, Integer maxTokens, int n, JsonMode jsonMode, ForcedTool tool) {
            this(seed, completionTokens, maxTokens, n, jsonMode, tool, List.of());
        }
    }

    /** Plain text, any JSON object, or an object following a JSON schema. */
    public sealed interface JsonMode {
        record None() implements JsonMode {
        }

        record AnyObject() implements JsonMode {
        }

        record Schema(JsonNode schema) implements JsonMode {
        }
    }

    /**
     * A tool call the request forces; {@code named} is true when the caller named the function
     * (OpenAI then answers {@code finish_reason: "stop"}), false for {@code "required"}.
     */
    public record ForcedTool(String name, JsonNode parameters, boolean named) {
    }

    /**
     * One choice: either text ({@code content}) or a tool call, each with its stream pieces.
     * {@code finishReason} is OpenAI's ({@code stop}, {@code length}, {@code tool_calls});
     * {@code stopSequence} is the stop sequence that ended the text, or null.
     */
    public record Choice(int index, String content, ToolCall toolCall, List<String> pieces, String finishReason,
                         int completionTokens, String stopSequence) {
        public Choice {
            pieces = List.copyOf(pieces);
        }

        /** The same choice, emptied by a content filter. */
        public Choice filtered() {
            return new Choice(index, "", null, List.of(), "content_filter", 0, null);
        }
    }

    public record ToolCall(String id, String name, String arguments) {
    }

    private final ObjectMapper json;
    private final MockEngine engine;

    public ReplyPlanner(ObjectMapper json, MockEngine engine) {
        this.json = json;
        this.engine = engine;
    }

    public List<Choice> plan(Input in) {
        int count = in.maxTokens() == null ? in.completionTokens() : Math.min(in.completionTokens(), in.maxTokens());
        boolean cut = count < in.completionTokens();
        List<Choice> out = new ArrayList<>(in.n());
        for (int i = 0; i < in.n(); i++) {
            List<String> words = TextGenerator.words(in.seed() + i, count);
            String text = String.join(" ", words);
            int tokens = words.size();
            if (in.tool() != null) {
                String args = json.valueToTree(example(in.tool().parameters(), text, tokens)).toString();
                ToolCall call = new ToolCall(engine.newId("call_", 24), in.tool().name(), args);
                String finish = cut ? "length" : in.tool().named() ? "stop" : "tool_calls";
                out.add(new Choice(i, null, call, fixedPieces(args, 8), finish, Math.max(1, tokens), null));
                continue;
            }
            String stopped = null;
            if (in.jsonMode() instanceof JsonMode.None) {
                int at = -1;
                for (String s : in.stop()) {
                    int k = s.isEmpty() ? -1 : text.indexOf(s);
                    if (k >= 0 && (at < 0 || k < at)) {
                        at = k;
                        stopped = s;
                    }
                }
                if (stopped != null) {
                    text = text.substring(0, at);
                    tokens = TextGenerator.wordCount(text);
                }
            }
            String content = switch (in.jsonMode()) {
                case JsonMode.None none -> text;
                case JsonMode.AnyObject any -> json.createObjectNode().put("answer", text).toString();
                case JsonMode.Schema s -> example(s.schema(), text, tokens).toString();
            };
            String finish = stopped != null || !cut ? "stop" : "length";
            out.add(new Choice(i, content, null, TextGenerator.pieces(content), finish, tokens, stopped));
        }
        return out;
    }

    /** A value that fits a JSON schema: strings get the generated text, numbers the token count. */
    JsonNode example(JsonNode schema, String text, int tokens) {
        if (schema == null || !schema.isObject()) {
            return json.createObjectNode();
        }
        JsonNode enumValues = schema.get("enum");
        if (enumValues != null && enumValues.isArray() && !enumValues.isEmpty()) {
            return enumValues.get(0);
        }
        String type = schema.path("type").isArray() ? schema.path("type").path(0).asText("object")
                : schema.path("type").asText(schema.has("properties") ? "object" : "string");
        return switch (type) {
            case "string" -> json.getNodeFactory().textNode(text);
            case "integer", "number" -> json.getNodeFactory().numberNode(tokens);
            case "boolean" -> json.getNodeFactory().booleanNode(true);
            case "null" -> json.getNodeFactory().nullNode();
            case "array" -> {
                ArrayNode arr = json.createArrayNode();
                if (schema.has("items") && schema.path("minItems").asInt(0) > 0) {
                    arr.add(example(schema.get("items"), text, tokens));
                }
                yield arr;
            }
            default -> objectExample(schema, text, tokens);
        };
    }

    private ObjectNode objectExample(JsonNode schema, String text, int tokens) {
        ObjectNode obj = json.createObjectNode();
        JsonNode props = schema.path("properties");
        List<String> names = new ArrayList<>();
        if (schema.path("required").isArray()) {
            schema.path("required").forEach(r -> names.add(r.asText()));
        } else {
            props.fieldNames().forEachRemaining(names::add);
        }
        for (String name : names) {
            obj.set(name, example(props.get(name), text, tokens));
        }
        return obj;
    }

    private static List<String> fixedPieces(String s, int size) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < s.length(); i += size) {
            out.add(s.substring(i, Math.min(s.length(), i + size)));
        }
        return out;
    }
}
