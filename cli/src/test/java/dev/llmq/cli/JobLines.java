package dev.llmq.cli;

import dev.llmq.schemas.Json;

/** Batch-input lines for tests. */
final class JobLines {

    private JobLines() {
    }

    /** One non-streaming chat job on {@code modelGroup}. */
    static String line(String customId, String modelGroup) {
        var line = Json.mapper().createObjectNode().put("custom_id", customId).put("method", "POST")
                .put("url", "/v1/chat/completions");
        var body = line.putObject("body").put("model", modelGroup);
        body.putArray("messages").addObject().put("role", "user").put("content", "Say hello.");
        return line.toString();
    }
}
