package dev.llmq.ingest.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.config.IngestLimits;
import dev.llmq.config.LlmqKeys;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'", Pattern.DOTALL);

    private final ObjectMapper mapper;
    private final Supplier<Set<String>> modelGroups;
    private final IngestLimits limits;
    private final ChatRequestSchema schema;

    /** A parser with the default limits ({@link IngestLimits#DEFAULTS}). */
    public SubmissionParser(ObjectMapper mapper, Supplier<Set<String>> modelGroups) {
        this(mapper, modelGroups, IngestLimits.DEFAULTS);
    }

    /**
     * A parser that refuses duplicate keys, nesting deeper than {@link IngestLimits#maxJsonDepth()} (while reading,
     * before a tree is built) and every other violation of {@code limits}.
     */
    public SubmissionParser(ObjectMapper mapper, Supplier<Set<String>> modelGroups, IngestLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        // trailing content is checked by readValue: the array is read element by element from one parser
        this.mapper = Objects.requireNonNull(mapper, "mapper").copy()
                .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        this.mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(limits.maxJsonDepth()).build());
        this.modelGroups = Objects.requireNonNull(modelGroups, "modelGroups");
        this.schema = new ChatRequestSchema(mapper);
    }

    /** The limits this parser enforces (the submission service checks the {@code Idempotency-Key} with them). */
    public IngestLimits limits() {
        return limits;
    }

    /**
     * @param contentType the request's {@code Content-Type}, may be null (JSON); the HTTP layer refuses other types
     *     before this is called ({@link ContentTypes})
     * @param now the submission time: a {@code completion_window} counts from it, and an expiry not after it is refused
     */
    public ParsedSubmission parse(byte[] body, String contentType, Instant now) {
        Set<String> groups = Set.copyOf(modelGroups.get());
        if (ContentTypes.isNdjson(contentType)) {
            return new ParsedSubmission(true, parseNdjson(body, groups, now));
        }
        if (body.length == 0) {
            throw ApiException.invalid("invalid_json", null, "the request body is empty");
        }
        try (JsonParser p = mapper.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == JsonToken.START_ARRAY) {
                return new ParsedSubmission(true, parseArray(p, groups, now));
            }
            JsonNode root = readValue(p);
            if (!root.isObject()) {
                throw ApiException.invalid("invalid_request", null,
                        "the body must be a chat-completion request object, a JSON array of them, or NDJSON");
            }
            return new ParsedSubmission(false, List.of(parseJob((ObjectNode) root, groups, false, now)));
        } catch (IOException e) {
            throw malformed(e, where(location(e)) + curlHint(e, !hasNewline(body)));
        }
    }

    /** Reads the elements one by one, so a submission over the jobs limit stops at the first job too many. */
    private List<ParsedJob> parseArray(JsonParser p, Set<String> groups, Instant now) throws IOException {
        List<ParsedJob> jobs = new ArrayList<>();
        Set<String> customIds = new HashSet<>();
        int i = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
            if (t == null) {
                throw ApiException.invalid("invalid_json", null, "malformed JSON: the array is not closed");
            }
            checkJobCount(i);
            JsonNode element = mapper.readTree(p);
            try {
                checkNumbers(element);
                if (!element.isObject()) {
                    throw ApiException.invalid("invalid_request", null, "each element must be a JSON object");
                }
                jobs.add(unique(parseJob((ObjectNode) element, groups, true, now), customIds));
            } catch (ApiException e) {
                throw e.at("job at index " + i, "[" + i + "]");
            }
        }
        if (p.nextToken() != null) {
            throw ApiException.invalid("invalid_json", null, "malformed JSON: content after the array");
        }
        if (jobs.isEmpty()) {
            throw ApiException.invalid("invalid_request", null, "the array holds no jobs");
        }
        return jobs;
    }

    private void checkJobCount(int alreadyRead) {
        if (alreadyRead >= limits.maxJobsPerSubmission()) {
            throw ApiException.invalid("too_many_jobs", null, "a submission holds at most "
                    + limits.maxJobsPerSubmission() + " jobs (" + LlmqKeys.LIMIT_MAX_JOBS_PER_SUBMISSION.name()
                    + "); this one holds more");
        }
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
            ParsedJob job = lineJob(body, start, end, line, groups, customIds, jobs.size(), now,
                    start == 0 && end == body.length);
            if (job != null) {
                jobs.add(job);
            }
            start = end + 1;
        }
        if (jobs.isEmpty()) {
            throw ApiException.invalid("invalid_request", null, "the NDJSON body holds no jobs");
        }
        return jobs;
    }

    /** Receives each job of NDJSON read from a stream, with its line number (from 1). */
    @FunctionalInterface
    public interface LineJobs {
        void accept(ParsedJob job, int line);
    }

    /**
     * NDJSON read from {@code in} as it comes (an uploaded file, a batch made from one): every line checked as
     * {@link #parse} checks NDJSON (400 naming the line, the jobs limit, {@code custom_id} unique), and its job handed
     * to {@code sink} before the next line is read, so no more than one line and its job are held at a time.
     *
     * @param maxLineBytes the longest line accepted (a job is at most one request body); a longer one is refused
     * @return how many jobs the lines held (at least one)
     * @throws IOException when {@code in} cannot be read
     */
    public int parseNdjson(InputStream in, long maxLineBytes, Instant now, LineJobs sink) throws IOException {
        Set<String> groups = Set.copyOf(modelGroups.get());
        Set<String> customIds = new HashSet<>();
        byte[] chunk = new byte[64 * 1024];
        byte[] line = new byte[16 * 1024];
        int length = 0;
        int lineNumber = 0;
        int jobs = 0;
        for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (chunk[i] == '\n') {
                    line = append(line, length, chunk, start, i - start, maxLineBytes, lineNumber + 1);
                    length += i - start;
                    lineNumber++;
                    ParsedJob job = lineJob(line, 0, length, lineNumber, groups, customIds, jobs, now, false);
                    if (job != null) {
                        sink.accept(job, lineNumber);
                        jobs++;
                    }
                    length = 0;
                    start = i + 1;
                }
            }
            line = append(line, length, chunk, start, n - start, maxLineBytes, lineNumber + 1);
            length += n - start;
        }
        ParsedJob last = lineJob(line, 0, length, lineNumber + 1, groups, customIds, jobs, now, false);
        if (last != null) {
            sink.accept(last, lineNumber + 1);
            jobs++;
        }
        if (jobs == 0) { // a file: OpenAI's SDKs name the upload's part 'file'
            throw ApiException.invalid("invalid_request", "file", "the file holds no requests: it is empty or every"
                    + " line is blank; a batch-input file has one request per line");
        }
        return jobs;
    }

    /** {@code line} with {@code count} bytes of {@code from} added at {@code length}; grown when needed. */
    private static byte[] append(byte[] line, int length, byte[] from, int offset, int count, long max, int number) {
        if (length + (long) count > max) {
            throw ApiException.invalid("request_too_large", null, "line " + number + " is longer than the limit of "
                    + max + " bytes for one job (" + LlmqKeys.INGEST_MAX_BODY_BYTES.name() + ")");
        }
        byte[] to = line;
        if (length + count > line.length) {
            to = Arrays.copyOf(line, (int) Math.min(max, Math.max(2L * line.length, length + count)));
        }
        System.arraycopy(from, offset, to, length, count);
        return to;
    }

    /**
     * The job on line {@code line} ({@code body[start, end)}, spaces around it ignored), or null for a blank line;
     * errors name the line.
     *
     * @param before the jobs read before it (the jobs limit)
     * @param wholeBody whether the line is a whole request body (one without a newline)
     */
    private ParsedJob lineJob(byte[] body, int start, int end, int line, Set<String> groups, Set<String> customIds,
                              int before, Instant now, boolean wholeBody) {
        int from = start;
        int to = end;
        while (from < to && isSpace(body[from])) {
            from++;
        }
        while (to > from && isSpace(body[to - 1])) {
            to--;
        }
        if (to == from) {
            return null;
        }
        try {
            checkJobCount(before);
            JsonNode node = readJson(body, from, to - from);
            if (!node.isObject()) {
                throw ApiException.invalid("invalid_request", null, "each line must be a JSON object");
            }
            return unique(parseJob((ObjectNode) node, groups, true, now), customIds);
        } catch (ApiException e) {
            throw e.at("line " + line, "line " + line);
        } catch (IOException e) {
            // the parser counts from the line's first character: the line and column said are the body's
            JsonLocation at = location(e);
            String column = at == null ? "" : ", column " + (from - start + column(at));
            throw malformed(e, curlHint(e, wholeBody)).at("line " + line + column, "line " + line);
        }
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static ParsedJob unique(ParsedJob job, Set<String> customIds) {
        if (job.customId() != null && !customIds.add(job.customId())) {
            throw ApiException.invalid("duplicate_custom_id", "custom_id",
                    "custom_id '" + ChatRequestSchema.cut(job.customId())
                            + "' appears more than once in this submission");
        }
        return job;
    }

    private JsonNode readJson(byte[] bytes, int offset, int length) throws IOException {
        try (JsonParser p = mapper.createParser(bytes, offset, length)) {
            p.nextToken();
            return readValue(p);
        }
    }

    /** The value at the parser's current token, which must be the only one of its input. */
    private JsonNode readValue(JsonParser p) throws IOException {
        if (p.currentToken() == null) {
            throw ApiException.invalid("invalid_json", null, "the request body is empty");
        }
        JsonNode node = mapper.readTree(p);
        if (p.nextToken() != null) {
            throw new ContentAfterValue(p);
        }
        checkNumbers(node);
        return node;
    }

    /** Refuses numbers a reader cannot hold ({@code 1e999999} reads as infinity), wherever they are. */
    private static void checkNumbers(JsonNode node) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            throw ApiException.invalid("invalid_value", null, "a number in the body is out of range: "
                    + ChatRequestSchema.cut(node.toString()));
        }
        if (node.isContainerNode()) {
            for (JsonNode child : node) {
                checkNumbers(child);
            }
        }
    }

    /** A value followed by more content in a body or line that holds one: see {@link #curlHint}. */
    private static final class ContentAfterValue extends JsonParseException {
        private static final long serialVersionUID = 1L;

        ContentAfterValue(JsonParser p) {
            super(p, "content after the first value", p.currentTokenLocation());
        }
    }

    /** Said when several values arrive on one line: most likely NDJSON whose newlines {@code curl -d} dropped. */
    static final String CURL_HINT = " (curl -d strips newlines: use --data-binary @file)";

    /**
     * {@link #CURL_HINT} when {@code e} is content after the first value in a body without a newline:
     * {@code curl -d @file.jsonl} sends a file's lines joined into one.
     */
    private static String curlHint(IOException e, boolean bodyWithoutNewline) {
        return e instanceof ContentAfterValue && bodyWithoutNewline ? CURL_HINT : "";
    }

    private static boolean hasNewline(byte[] body) {
        for (byte b : body) {
            if (b == '\n') {
                return true;
            }
        }
        return false;
    }

    /** Where the parser stopped, when it says. */
    private static JsonLocation location(IOException e) {
        return e instanceof JsonProcessingException j ? j.getLocation() : null;
    }

    /**
     * The column of {@code loc} on its input's first line, counted in bytes from 1: a line of NDJSON is parsed on its
     * own, and a carriage return inside it would make the parser count a line of its own.
     */
    private static long column(JsonLocation loc) {
        return loc.getByteOffset() >= 0 ? loc.getByteOffset() + 1 : loc.getColumnNr();
    }

    /** @param where where in the body, or nothing when the caller says it ({@code line 2, column 5: …}) */
    private ApiException malformed(IOException e, String where) {
        String original = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (e instanceof StreamConstraintsException && original != null && original.contains("nesting depth")) {
            return ApiException.invalid("json_too_deep", null, "the JSON nests deeper than the limit of "
                    + limits.maxJsonDepth() + " (" + LlmqKeys.LIMIT_MAX_JSON_DEPTH.name() + ")" + where);
        }
        Matcher duplicate = original == null ? null : DUPLICATE.matcher(original);
        if (duplicate != null && duplicate.find()) {
            String key = ChatRequestSchema.cut(duplicate.group(1));
            return ApiException.invalid("duplicate_key", key, "duplicate key '" + key + "' in a JSON object" + where);
        }
        return ApiException.invalid("invalid_json", null, "malformed JSON: "
                + ChatRequestSchema.cut(firstLine(original), 200) + where);
    }

    private static String where(JsonLocation loc) {
        return loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable input";
        }
        int nl = s.indexOf('\n');
        return nl > 0 ? s.substring(0, nl) : s;
    }

    /**
     * The job in {@code item}, a tree this parser just read and nobody else holds: llmq's fields are taken out of it in
     * place (no copy), and the body forwarded is {@code item} itself or its {@code body}.
     */
    private ParsedJob parseJob(ObjectNode item, Set<String> groups, boolean batchLineAllowed, Instant now) {
        ObjectNode body;
        JobFields fields;
        if (batchLineAllowed && isBatchLine(item)) {
            checkBatchLine(item);
            body = (ObjectNode) item.remove("body");
            JobFields inBody = JobFields.extract(body, limits);
            fields = JobFields.extract(item, limits).orElse(inBody);
        } else {
            body = item;
            fields = JobFields.extract(body, limits);
        }
        String model = validateChat(body, groups);
        Instant expiresAt = fields.deadline() == null ? null : fields.deadline().resolve(now);
        return new ParsedJob(fields.customId(), model, body, body.path("stream").asBoolean(false), fields.priority(),
                expiresAt, fields.tags(), fields.metadata());
    }

    /**
     * Whether {@code item} is an OpenAI batch-input line: a {@code body} beside a {@code method} or {@code url}, or an
     * object {@code body} with no {@code messages} of the item's own (a line written without the two constant fields,
     * which a chat body would otherwise refuse as "missing 'model'").
     */
    private static boolean isBatchLine(ObjectNode item) {
        JsonNode body = item.get("body");
        return body != null && (item.has("url") || item.has("method") || body.isObject() && !item.has("messages"));
    }

    private static void checkBatchLine(ObjectNode line) {
        JsonNode method = line.get("method");
        if (method != null && !(method.isTextual() && method.asText().equalsIgnoreCase("POST"))) {
            throw ApiException.invalid("invalid_request", "method", "batch-input lines must use method POST");
        }
        JsonNode url = line.get("url");
        if (url != null && !(url.isTextual() && CHAT_URLS.contains(url.asText()))) {
            throw ApiException.invalid("invalid_request", "url",
                    "batch-input lines must target /v1/chat/completions, got " + ChatRequestSchema.snippet(url));
        }
        if (!line.get("body").isObject()) {
            throw ApiException.invalid("invalid_request", "body", "the batch-input line's body must be a JSON object");
        }
    }

    /**
     * Checks the body against the chat-completion schema ({@link ChatRequestSchema}) and the messages limit; returns
     * the model group.
     */
    private String validateChat(ObjectNode body, Set<String> groups) {
        JsonNode messages = body.path("messages");
        if (messages.isArray() && messages.size() > limits.maxMessagesPerJob()) {
            throw ApiException.invalid("array_above_max_length", "messages", "'messages' holds " + messages.size()
                    + " entries; the limit is " + limits.maxMessagesPerJob() + " ("
                    + LlmqKeys.LIMIT_MAX_MESSAGES_PER_JOB.name() + ")");
        }
        schema.validate(body);
        String group = body.get("model").asText();
        if (!groups.contains(group)) {
            throw ApiException.invalid("model_not_found", "model",
                    "model group '" + ChatRequestSchema.cut(group) + "' is not configured; configured groups: "
                            + describe(groups));
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
