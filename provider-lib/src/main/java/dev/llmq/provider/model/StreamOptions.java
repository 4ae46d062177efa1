package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code stream_options}; {@code include_usage} asks for a usage-only last chunk. */
public record StreamOptions(Boolean includeUsage, ObjectNode extra) {

    public StreamOptions {
        extra = Extras.copy(extra);
    }

    public ObjectNode toJson() {
        return JsonOut.create().bool("include_usage", includeUsage).extra(extra).build();
    }

    static StreamOptions fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        JsonIn in = new JsonIn(node, "stream_options");
        return new StreamOptions(in.bool("include_usage"), in.extra());
    }
}
