package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * llmq's own per-job fields, taken out of a submitted object so the forwarded body is a clean OpenAI request:
 * {@code custom_id}, {@code metadata} (string to string), {@code tags} (strings), {@code priority} and when the job
 * expires ({@link JobDeadline}: {@code expires_at} or {@code deadline}, or {@code completion_window}). Null members
 * were absent.
 *
 * <p>{@code priority} is {@code "interactive"} or {@code "batch"} (the default), or an integer as before: above 0 is
 * interactive, 0 and below batch. The job record keeps the integer ({@code interactive} is {@link #INTERACTIVE}, batch
 * {@link #BATCH}); an interactive job goes to the interactive jobs topic, which workers serve first.
 */
record JobFields(String customId, Map<String, String> metadata, List<String> tags, Integer priorityOrNull,
                 JobDeadline deadline) {

    static final int MAX_CUSTOM_ID = 512;
    static final int MAX_TAG = 128;
    /** The integer priority {@code "interactive"} stands for; any integer above 0 is interactive. */
    static final int INTERACTIVE = 1;
    /** The integer priority {@code "batch"} stands for; 0 and below are batch. */
    static final int BATCH = 0;

    /** Whether a job of this integer priority is interactive. */
    static boolean interactive(int priority) {
        return priority > 0;
    }

    /** Removes and validates llmq's fields from {@code node} (which is modified). */
    static JobFields extract(ObjectNode node) {
        String customId = customId(node.remove("custom_id"));
        Map<String, String> metadata = metadata(node.remove("metadata"));
        List<String> tags = tags(node.remove("tags"));
        Integer priority = priority(node.remove("priority"));
        JobDeadline deadline = JobDeadline.extract(node);
        return new JobFields(customId, metadata, tags, priority, deadline);
    }

    /** Field by field, this one's values where present, else {@code other}'s. */
    JobFields orElse(JobFields other) {
        return new JobFields(customId != null ? customId : other.customId,
                metadata != null ? metadata : other.metadata,
                tags != null ? tags : other.tags,
                priorityOrNull != null ? priorityOrNull : other.priorityOrNull,
                deadline != null ? deadline : other.deadline);
    }

    int priority() {
        return priorityOrNull == null ? 0 : priorityOrNull;
    }

    private static boolean absent(JsonNode n) {
        return n == null || n.isNull();
    }

    private static String customId(JsonNode n) {
        if (absent(n)) {
            return null;
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw ApiException.invalid("invalid_type", "custom_id", "'custom_id' must be a non-empty string");
        }
        if (n.asText().length() > MAX_CUSTOM_ID) {
            throw ApiException.invalid("invalid_value", "custom_id",
                    "'custom_id' must be at most " + MAX_CUSTOM_ID + " characters");
        }
        return n.asText();
    }

    private static Map<String, String> metadata(JsonNode n) {
        if (absent(n)) {
            return null;
        }
        if (!n.isObject()) {
            throw ApiException.invalid("invalid_type", "metadata", "'metadata' must be an object of string values");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (!e.getValue().isTextual()) {
                throw ApiException.invalid("invalid_type", "metadata." + e.getKey(),
                        "'metadata' values must be strings; '" + e.getKey() + "' is not");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static List<String> tags(JsonNode n) {
        if (absent(n)) {
            return null;
        }
        if (!n.isArray()) {
            throw ApiException.invalid("invalid_type", "tags", "'tags' must be an array of strings");
        }
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode t : n) {
            if (!t.isTextual() || t.asText().isBlank() || t.asText().length() > MAX_TAG) {
                throw ApiException.invalid("invalid_type", "tags",
                        "'tags' must be an array of non-empty strings of at most " + MAX_TAG + " characters");
            }
            out.add(t.asText());
        }
        return out;
    }

    private static Integer priority(JsonNode n) {
        if (absent(n)) {
            return null;
        }
        if (n.isTextual()) {
            return switch (n.asText()) {
                case "interactive" -> INTERACTIVE;
                case "batch" -> BATCH;
                default -> throw ApiException.invalid("invalid_value", "priority",
                        "'priority' must be \"interactive\" or \"batch\" (or an integer: above 0 is interactive), got '"
                                + n.asText() + "'");
            };
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw ApiException.invalid("invalid_type", "priority",
                    "'priority' must be \"interactive\" or \"batch\" (or an integer: above 0 is interactive)");
        }
        return n.intValue();
    }
}
