package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.config.ConfigKey;
import dev.llmq.config.IngestLimits;
import dev.llmq.config.LlmqKeys;
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

    /** The integer priority {@code "interactive"} stands for; any integer above 0 is interactive. */
    static final int INTERACTIVE = 1;
    /** The integer priority {@code "batch"} stands for; 0 and below are batch. */
    static final int BATCH = 0;

    /** Whether a job of this integer priority is interactive. */
    static boolean interactive(int priority) {
        return priority > 0;
    }

    /** Removes and validates llmq's fields from {@code node} (which is modified), within {@code limits}. */
    static JobFields extract(ObjectNode node, IngestLimits limits) {
        String customId = customId(node.remove("custom_id"), limits);
        Map<String, String> metadata = metadata(node.remove("metadata"), limits);
        List<String> tags = tags(node.remove("tags"), limits);
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

    private static String customId(JsonNode n, IngestLimits limits) {
        if (absent(n)) {
            return null;
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw ApiException.invalid("invalid_type", "custom_id", "'custom_id' must be a non-empty string");
        }
        checkLength(n.asText(), "custom_id", limits.maxCustomIdChars(), LlmqKeys.LIMIT_MAX_CUSTOM_ID_CHARS);
        return n.asText();
    }

    /** A {@code metadata} object (string to string) within {@code limits}, or null when absent; else 400. */
    static Map<String, String> metadata(JsonNode n, IngestLimits limits) {
        if (absent(n)) {
            return null;
        }
        if (!n.isObject()) {
            throw ApiException.invalid("invalid_type", "metadata", "'metadata' must be an object of string values");
        }
        checkCount(n.size(), "metadata", limits.maxMetadataPairs(), LlmqKeys.LIMIT_MAX_METADATA_PAIRS);
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            String key = ChatRequestSchema.cut(e.getKey());
            if (e.getKey().length() > limits.maxMetadataKeyChars()) {
                throw ApiException.invalid("string_above_max_length", "metadata", "the 'metadata' key '" + key
                        + "' is " + e.getKey().length() + " characters long; the limit is "
                        + limits.maxMetadataKeyChars() + " (" + LlmqKeys.LIMIT_MAX_METADATA_KEY_CHARS.name() + ")");
            }
            if (!e.getValue().isTextual()) {
                throw ApiException.invalid("invalid_type", "metadata." + key,
                        "'metadata' values must be strings; '" + key + "' is not");
            }
            checkLength(e.getValue().asText(), "metadata." + key, limits.maxMetadataValueChars(),
                    LlmqKeys.LIMIT_MAX_METADATA_VALUE_CHARS);
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static List<String> tags(JsonNode n, IngestLimits limits) {
        if (absent(n)) {
            return null;
        }
        if (!n.isArray()) {
            throw ApiException.invalid("invalid_type", "tags", "'tags' must be an array of strings");
        }
        checkCount(n.size(), "tags", limits.maxTags(), LlmqKeys.LIMIT_MAX_TAGS);
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode t = n.get(i);
            if (!t.isTextual() || t.asText().isBlank()) {
                throw ApiException.invalid("invalid_type", "tags[" + i + "]", "'tags' must be an array of non-empty"
                        + " strings; tags[" + i + "] is " + ChatRequestSchema.snippet(t));
            }
            checkLength(t.asText(), "tags[" + i + "]", limits.maxTagChars(), LlmqKeys.LIMIT_MAX_TAG_CHARS);
            out.add(t.asText());
        }
        return out;
    }

    private static void checkLength(String value, String param, int max, ConfigKey<Integer> key) {
        if (value.length() > max) {
            throw ApiException.invalid("string_above_max_length", param, "'" + param + "' is " + value.length()
                    + " characters long; the limit is " + max + " (" + key.name() + ")");
        }
    }

    private static void checkCount(int count, String param, int max, ConfigKey<Integer> key) {
        if (count > max) {
            throw ApiException.invalid("array_above_max_length", param, "'" + param + "' holds " + count
                    + " entries; the limit is " + max + " (" + key.name() + ")");
        }
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
                                + ChatRequestSchema.cut(n.asText()) + "'");
            };
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw ApiException.invalid("invalid_type", "priority",
                    "'priority' must be \"interactive\" or \"batch\" (or an integer: above 0 is interactive)");
        }
        return n.intValue();
    }
}
