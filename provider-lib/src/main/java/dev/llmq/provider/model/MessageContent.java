package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A message's {@code content}: a plain string or an array of parts. */
public sealed interface MessageContent {

    JsonNode toJson();

    /** The concatenated text of the content (parts that are not text are skipped). */
    String text();

    record Text(String value) implements MessageContent {
        public Text {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public JsonNode toJson() {
            return JsonNodeFactory.instance.textNode(value);
        }

        @Override
        public String text() {
            return value;
        }
    }

    record Parts(List<ContentPart> parts) implements MessageContent {
        public Parts {
            parts = List.copyOf(parts);
        }

        @Override
        public JsonNode toJson() {
            var a = JsonNodeFactory.instance.arrayNode();
            parts.forEach(p -> a.add(p.toJson()));
            return a;
        }

        @Override
        public String text() {
            StringBuilder sb = new StringBuilder();
            for (ContentPart p : parts) {
                if (p instanceof ContentPart.Text t) {
                    sb.append(t.text());
                }
            }
            return sb.toString();
        }
    }

    static MessageContent fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return new Text(node.asText());
        }
        if (node.isArray()) {
            List<ContentPart> parts = new ArrayList<>(node.size());
            node.forEach(n -> parts.add(ContentPart.fromJson(n)));
            return new Parts(parts);
        }
        throw new IllegalArgumentException("message content must be a string or an array of parts");
    }
}
