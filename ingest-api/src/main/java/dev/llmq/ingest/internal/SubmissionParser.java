package dev.llmq.ingest.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Turns a {@code POST /v1/jobs} body into validated jobs, or throws {@link ApiException} naming the problem.
 *
 * <p>Accepted forms: one chat-completion object; a JSON array of them; NDJSON (one per line, blank lines ignored).
 * In the array and NDJSON forms an element may also be an OpenAI batch-input line
 * ({@code custom_id, method, url, body}). llmq's fields ({@link JobFields}) are taken out of the forwarded body.
 * Pure: no I/O, the size limit is enforced by the reader of the body.
 */
public final class SubmissionParser {

    private static final Set<String> CHAT_URLS = Set.of("/v1/chat/completions", "/chat/completions");

    private final ObjectMapper mapper;
    private final Supplier<Set<String>> modelGroups;

    public SubmissionParser(ObjectMapper mapper, Supplier<Set<String>> modelGroups) {
        this.mapper = Objects.requireNonNull(mapper, "mapper").copy()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.modelGroups = Objects.requireNonNull(modelGroups, "modelGroups");
    }

    /**
     * @param contentType the request's {@code Content-Type}, may be null
     * @param now the submission time: a {@code completion_window} counts from it, and an expiry not after it is refused
     */
    public ParsedSubmission parse(byte[] body, String contentType, Instant now) {
        Set<String> groups = Set.copyOf(modelGroups.get());
        if (isNdjson(contentType)) {
            return new ParsedSubmission(true, parseNdjson(body, groups, now));
        }
        JsonNode root = readJson(body, 0, body.length);
        if (root.isArray()) {
            return new ParsedSubmission(true, parseArray(root, groups, now));
        }
        if (!root.isObject()) {
            throw ApiException.invalid("invalid_request", null,
                    "the body must be a chat-completion request object, a JSON array of them, or NDJSON");
        }
        return new ParsedSubmission(false, List.of(parseJob((ObjectNode) root, groups, false, now)));
    }

    static boolean isNdjson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String ct = contentType.toLowerCase(Locale.ROOT);
        return ct.contains("ndjson") || ct.contains("jsonl") || ct.contains("json-seq") || ct.contains("jsonlines");
    }

    private List<ParsedJob> parseArray(JsonNode array, Set<String> groups, Instant now) {
        List<ParsedJob> jobs = new ArrayList<>(array.size());
        Set<String> customIds = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            try {
                JsonNode element = array.get(i);
                if (!element.isObject()) {
                    throw ApiException.invalid("invalid_request", null, "each element must be a JSON object");
                }
                jobs.add(unique(parseJob((ObjectNode) element, groups, true, now), customIds));
            } catch (ApiException e) {
                throw e.at("job at index " + i, "[" + i + "]");
            }
        }
        if (jobs.isEmpty()) {
            throw ApiException.invalid("invalid_request", null, "the array holds no jobs");
        }
        return jobs;
    }

    private List<ParsedJob> parseNdjson(byte[] body, Set<String> groups, Instant now) {
        List<ParsedJob> jobs = new ArrayList<>();
        Set<String> customIds = new HashSet<>();
        int line = 0;
        int start = 0;
        while (start <= body.length) {
            int end = start;
            while (end < body.length && body[end] != '\n') {
                end++;
            }
            line++;
            int from = start;
            int to = end;
            while (from < to && isSpace(body[from])) {
                from++;
            }
            while (to > from && isSpace(body[to - 1])) {
                to--;
            }
            if (to > from) {
                try {
                    JsonNode node = readJson(body, from, to - from);
                    if (!node.isObject()) {
                        throw ApiException.invalid("invalid_request", null, "each line must be a JSON object");
                    }
                    jobs.add(unique(parseJob((ObjectNode) node, groups, true, now), customIds));
                } catch (ApiException e) {
                    throw e.at("line " + line, "line " + line);
                }
            }
            start = end + 1;
        }
        if (jobs.isEmpty()) {
            throw ApiException.invalid("invalid_request", null, "the NDJSON body holds no jobs");
        }
        return jobs;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static ParsedJob unique(ParsedJob job, Set<String> customIds) {
        if (job.customId() != null && !customIds.add(job.customId())) {
            throw ApiException.invalid("duplicate_custom_id", "custom_id",
                    "custom_id '" + job.customId() + "' appears more than once in this submission");
        }
        return job;
    }

    private JsonNode readJson(byte[] bytes, int offset, int length) {
        if (length == 0) {
            throw ApiException.invalid("invalid_json", null, "the request body is empty");
        }
        try {
            JsonNode node = mapper.readTree(bytes, offset, length);
            if (node == null || node.isMissingNode()) {
                throw ApiException.invalid("invalid_json", null, "the request body is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
            throw ApiException.invalid("invalid_json", null, "malformed JSON: " + firstLine(e.getOriginalMessage()) + where);
        } catch (IOException e) {
            throw ApiException.invalid("invalid_json", null, "malformed JSON: " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable input";
        }
        int nl = s.indexOf('\n');
        return nl > 0 ? s.substring(0, nl) : s;
    }

    private ParsedJob parseJob(ObjectNode item, Set<String> groups, boolean batchLineAllowed, Instant now) {
        ObjectNode body;
        JobFields fields;
        if (batchLineAllowed && item.has("body") && (item.has("url") || item.has("method"))) {
            checkBatchLine(item);
            body = ((ObjectNode) item.get("body")).deepCopy();
            JobFields inBody = JobFields.extract(body);
            fields = JobFields.extract(item.deepCopy()).orElse(inBody);
        } else {
            body = item.deepCopy();
            fields = JobFields.extract(body);
        }
        String model = validateChat(body, groups);
        Instant expiresAt = fields.deadline() == null ? null : fields.deadline().resolve(now);
        return new ParsedJob(fields.customId(), model, body, body.path("stream").asBoolean(false), fields.priority(),
                expiresAt, fields.tags(), fields.metadata());
    }

    private static void checkBatchLine(ObjectNode line) {
        JsonNode method = line.get("method");
        if (method != null && !(method.isTextual() && method.asText().equalsIgnoreCase("POST"))) {
            throw ApiException.invalid("invalid_request", "method", "batch-input lines must use method POST");
        }
        JsonNode url = line.get("url");
        if (url != null && !(url.isTextual() && CHAT_URLS.contains(url.asText()))) {
            throw ApiException.invalid("invalid_request", "url",
                    "batch-input lines must target /v1/chat/completions, got " + url);
        }
        if (!line.get("body").isObject()) {
            throw ApiException.invalid("invalid_request", "body", "the batch-input line's body must be a JSON object");
        }
    }

    /** Checks the OpenAI chat-completion shape; returns the model group. */
    private static String validateChat(ObjectNode body, Set<String> groups) {
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw ApiException.invalid("missing_required_parameter", "model", "missing required parameter: 'model'");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw ApiException.invalid("invalid_type", "model", "'model' must be a non-empty string naming a model group");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) {
            throw ApiException.invalid("missing_required_parameter", "messages", "missing required parameter: 'messages'");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("invalid_type", "messages", "'messages' must be a non-empty array of message objects");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject() || !m.path("role").isTextual() || m.path("role").asText().isBlank()) {
                throw ApiException.invalid("invalid_type", "messages[" + i + "]",
                        "messages[" + i + "] must be an object with a string 'role'");
            }
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw ApiException.invalid("invalid_type", "stream", "'stream' must be a boolean");
        }
        JsonNode streamOptions = body.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull() && !streamOptions.isObject()) {
            throw ApiException.invalid("invalid_type", "stream_options", "'stream_options' must be an object");
        }
        String group = model.asText();
        if (!groups.contains(group)) {
            throw ApiException.invalid("model_not_found", "model",
                    "model group '" + group + "' is not configured; configured groups: " + describe(groups));
        }
        return group;
    }

    private static String describe(Set<String> groups) {
        if (groups.isEmpty()) {
            return "(none)";
        }
        List<String> sorted = groups.stream().sorted().toList();
        int shown = Math.min(sorted.size(), 10);
        String list = String.join(", ", sorted.subList(0, shown));
        return sorted.size() > shown ? list + " and " + (sorted.size() - shown) + " more" : list;
    }
}
