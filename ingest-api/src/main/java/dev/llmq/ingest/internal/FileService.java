package dev.llmq.ingest.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.StoredFile;
import dev.llmq.schemas.TraceContext;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * OpenAI's Files and Batch API over llmq's batches, minus HTTP: {@code POST /v1/files} (a batch-input file, checked
 * line by line as {@code POST /v1/jobs} checks NDJSON, then kept in Kafka: {@link FileStore}), {@code GET
 * /v1/files/{id}[/content]} ({@code GET /v1/files} is {@link FileListing}), {@code DELETE /v1/files/{id}} and
 * {@code POST /v1/batches} (a file's lines as one batch, through {@link SubmissionService}). A finished batch's
 * output and error files are not stored: their ids ({@link #outputFileId}, {@link #errorFileId}) name the batch, and
 * their content is its output lines, those of the succeeded jobs or of the others, read from the status store.
 */
public final class FileService {

    /** The one purpose llmq keeps files for. */
    public static final String PURPOSE = "batch";
    /** The endpoint every line of a batch file calls, and the one a batch may name. */
    public static final String ENDPOINT = "/v1/chat/completions";
    /** How long a file is kept unless its upload says otherwise: OpenAI's default for batch files. */
    static final Duration DEFAULT_EXPIRY = Duration.ofDays(30);
    static final Duration MIN_EXPIRY = Duration.ofHours(1);
    static final Duration MAX_EXPIRY = Duration.ofDays(30);
    /** The longest file name kept. */
    static final int MAX_FILENAME_CHARS = 255;

    private static final String OUTPUT_SUFFIX = "-output";
    private static final String ERRORS_SUFFIX = "-errors";
    private static final Set<String> UPLOAD_FIELDS = Set.of("purpose", "expires_after[anchor]",
            "expires_after[seconds]");
    private static final Set<String> BATCH_FIELDS = Set.of("input_file_id", "endpoint", "completion_window",
            "metadata", "output_expires_after");
    private static final Set<String> EXPIRES_AFTER_FIELDS = Set.of("anchor", "seconds");

    private final FileStore store;
    private final SubmissionParser parser;
    private final SubmissionService submissions;
    private final JobIds ids;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final long maxLineBytes;

    /** @param maxLineBytes the longest line of a file (a job is at most one request body, {@code max_body_bytes}) */
    public FileService(FileStore store, SubmissionParser parser, SubmissionService submissions, JobIds ids,
                       ObjectMapper mapper, Clock clock, long maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
        this.store = Objects.requireNonNull(store, "store");
        this.parser = Objects.requireNonNull(parser, "parser");
        this.submissions = Objects.requireNonNull(submissions, "submissions");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** An uploaded file's content, which can be read more than once (Jetty keeps a large upload on disk). */
    @FunctionalInterface
    public interface Upload {
        InputStream open() throws IOException;
    }

    /**
     * Checks and keeps an uploaded batch-input file. Its lines are checked as NDJSON submitted to {@code POST /v1/jobs}
     * would be (400 naming the line, 403 for a model group the key may not use), so a file that is accepted makes a
     * batch that is; nothing is kept of a refused one. It is read twice, to check it and then to write it, a line or
     * a part at a time: its size needs no heap.
     *
     * @param fields the form's other fields: {@code purpose} (required, {@code batch}) and optionally
     *               {@code expires_after[anchor]} ({@code created_at}) with {@code expires_after[seconds]} (3600 to
     *               2592000; default 30 days)
     */
    public StoredFile upload(String filename, Upload content, Map<String, List<String>> fields, Caller caller) {
        for (String name : fields.keySet()) {
            if (!UPLOAD_FIELDS.contains(name) && !name.equals("file")) {
                throw ApiException.invalid("unknown_parameter", name, "unknown form field '" + name + "'; POST"
                        + " /v1/files takes 'file' and " + new TreeSet<>(UPLOAD_FIELDS));
            }
        }
        String purpose = QueryParameters.single(fields, "purpose");
        if (purpose == null) {
            throw ApiException.invalid("missing_required_parameter", "purpose", "Missing required parameter:"
                    + " 'purpose'");
        }
        if (!PURPOSE.equals(purpose)) {
            throw ApiException.invalid("invalid_value", "purpose", "llmq keeps files for the Batch API only: 'purpose'"
                    + " must be 'batch', got '" + purpose + "'");
        }
        Instant now = clock.instant();
        Duration expiry = expiry(QueryParameters.single(fields, "expires_after[anchor]"),
                QueryParameters.single(fields, "expires_after[seconds]"));
        String name = filename == null || filename.isBlank() ? "upload.jsonl" : filename;
        if (name.length() > MAX_FILENAME_CHARS) {
            throw ApiException.invalid("invalid_value", "file", "the file's name may have up to " + MAX_FILENAME_CHARS
                    + " characters; it has " + name.length());
        }
        Set<String> groups = new HashSet<>();
        int lines;
        try (InputStream in = content.open()) {
            lines = parser.parseNdjson(in, maxLineBytes, now, (job, line) -> {
                if (job.customId() == null) { // unique ones, as in any submission; here required too, as OpenAI's
                    throw ApiException.invalid("missing_required_parameter", "custom_id", "a Batch API input line"
                            + " needs a custom_id: the output and error files name each request by it")
                            .at("line " + line, "line " + line);
                }
                groups.add(job.modelGroup());
            });
        } catch (IOException e) {
            throw unreadable(e);
        }
        caller.checkGroups(groups);
        StoredFile draft = new StoredFile(StoredFile.SCHEMA_VERSION, ids.nextFileId(), caller.tenant(), name, purpose,
                0, lines, now, now.plus(expiry), 0, 1);
        try (InputStream in = content.open()) {
            return store.write(draft, in);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** 400: the uploaded file could not be read (Jetty's temporary file of it); nothing is kept of it. */
    static ApiException unreadable(Exception e) {
        return ApiException.invalid("invalid_body", "file", "the uploaded file could not be read (" + e.getMessage()
                + "); nothing was kept");
    }

    private static Duration expiry(String anchor, String seconds) {
        if (anchor == null && seconds == null) {
            return DEFAULT_EXPIRY;
        }
        if (!"created_at".equals(anchor)) {
            throw ApiException.invalid("invalid_value", "expires_after[anchor]", "'expires_after[anchor]' must be"
                    + " 'created_at'" + (anchor == null ? " (it is missing)" : ", got '" + anchor + "'"));
        }
        long s;
        try {
            s = Long.parseLong(seconds == null ? "" : seconds.trim());
        } catch (NumberFormatException e) {
            throw ApiException.invalid("invalid_type", "expires_after[seconds]", "'expires_after[seconds]' must be"
                    + " a whole number of seconds"
                    + (seconds == null ? " (it is missing)" : ", got '" + seconds + "'"));
        }
        return inRange(s, "expires_after[seconds]");
    }

    /** {@code seconds} as a duration when OpenAI takes it for an expiry (1 hour to 30 days); 400 naming it else. */
    private static Duration inRange(long seconds, String param) {
        if (seconds < MIN_EXPIRY.toSeconds() || seconds > MAX_EXPIRY.toSeconds()) {
            throw ApiException.invalid("invalid_value", param, "'" + param + "' must be from "
                    + MIN_EXPIRY.toSeconds() + " (1 hour) to " + MAX_EXPIRY.toSeconds() + " (30 days), got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    /**
     * {@code output_expires_after} of {@code POST /v1/batches}: {@code {"anchor": "created_at", "seconds": N}}, how
     * long the batch's output and error files are kept after they were made (its end); null when not given.
     */
    static Duration outputExpiry(JsonNode node) {
        String name = "output_expires_after";
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw ApiException.invalid("invalid_type", name, "'" + name + "' must be an object such as"
                    + " {\"anchor\": \"created_at\", \"seconds\": 86400}");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!EXPIRES_AFTER_FIELDS.contains(field)) {
                throw ApiException.invalid("unknown_parameter", name + "." + field, "Unrecognized argument '" + name
                        + "." + field + "' (" + name + " takes " + new TreeSet<>(EXPIRES_AFTER_FIELDS) + ")");
            }
        }
        JsonNode anchor = node.get("anchor");
        if (anchor == null || !"created_at".equals(anchor.textValue())) {
            throw ApiException.invalid(anchor == null ? "missing_required_parameter" : "invalid_value",
                    name + ".anchor", "'" + name + ".anchor' must be 'created_at'"
                            + (anchor == null ? " (it is missing)" : ", got " + anchor));
        }
        JsonNode seconds = node.get("seconds");
        if (seconds == null || !seconds.isIntegralNumber() || !seconds.canConvertToLong()) {
            throw ApiException.invalid(seconds == null ? "missing_required_parameter" : "invalid_type",
                    name + ".seconds", "'" + name + ".seconds' must be a whole number of seconds"
                            + (seconds == null ? " (it is missing)" : ", got " + seconds));
        }
        return inRange(seconds.longValue(), name + ".seconds");
    }

    /** The uploaded file {@code id} as {@code caller} may see it; 404 in OpenAI's words otherwise. */
    public StoredFile file(String id, Caller caller) {
        return file(id, caller, "file_id");
    }

    /** As {@link #file(String, Caller)}, the 404 naming the request's field {@code param} that gave the id. */
    private StoredFile file(String id, Caller caller, String param) {
        return store.file(id).filter(f -> caller.sees(f.tenant())).orElseThrow(() -> noSuchFile(id, param));
    }

    /** The file's content, read from Kafka as the stream is read (see {@link FileStore#open}). */
    public InputStream open(StoredFile file) {
        return store.open(file);
    }

    /** Deletes the caller's file {@code id}; 404 when there is none. */
    public StoredFile delete(String id, Caller caller) {
        if (batchOfOutput(id) != null) {
            throw ApiException.invalid("invalid_value", "file_id", "'" + id + "' is a batch's output: it goes with the"
                    + " batch's results (llmq.ingest.status_retention), not on its own");
        }
        StoredFile file = file(id, caller);
        store.delete(file);
        return file;
    }

    /**
     * {@code POST /v1/batches}: the lines of the caller's file {@code input_file_id} as one batch, all accepted or
     * none, as an NDJSON submission of them would be (same checks, budgets, rates and {@code Idempotency-Key}).
     * {@code endpoint} must be {@code /v1/chat/completions}; {@code completion_window} (required, as OpenAI's:
     * {@code 24h}, or any window from 1 s to 7 d) caps every job's expiry; {@code metadata} is string pairs within
     * the jobs' metadata limits (OpenAI's 16 pairs of 64 and 512 characters by default);
     * {@code output_expires_after} ({@link #outputExpiry}) how long its output and error files are kept once made.
     * 400 for anything else in the body and for a batch's output or error file, 404 for an unknown file.
     */
    public Created createBatch(byte[] body, Caller caller, String idempotencyKey, TraceContext trace) {
        ObjectNode request = object(body);
        for (Iterator<String> it = request.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!BATCH_FIELDS.contains(name)) {
                throw ApiException.invalid("unknown_parameter", name, "Unrecognized request argument supplied: "
                        + name + " (POST /v1/batches takes " + new TreeSet<>(BATCH_FIELDS) + ")");
            }
        }
        String fileId = text(request, "input_file_id", true);
        String endpoint = text(request, "endpoint", true);
        if (!ENDPOINT.equals(endpoint)) {
            throw ApiException.invalid("invalid_value", "endpoint", "llmq runs chat completions only: 'endpoint' must"
                    + " be '" + ENDPOINT + "', got '" + endpoint + "'");
        }
        JsonNode windowNode = request.get("completion_window");
        if (windowNode == null || windowNode.isNull()) { // as OpenAI's, which the SDKs always send
            throw ApiException.invalid("missing_required_parameter", "completion_window", "Missing required"
                    + " parameter: 'completion_window' (\"24h\", as OpenAI takes; llmq also takes 1s to 7d)");
        }
        Duration window = JobDeadline.window(windowNode);
        String windowText = window == null ? null : windowNode.asText().trim();
        Map<String, String> metadata = JobFields.metadata(request.get("metadata"), parser.limits());
        Duration outputExpiry = outputExpiry(request.get("output_expires_after"));
        if (batchOfOutput(fileId) != null) { // its id says so, whoever's batch it is: not a lookup, nothing leaks
            throw ApiException.invalid("invalid_value", "input_file_id", "'" + fileId + "' is a batch's output or"
                    + " error file (purpose batch_output); a batch's input_file_id must be a file uploaded with"
                    + " purpose 'batch'");
        }
        StoredFile file = file(fileId, caller, "input_file_id");
        BatchManifest.FileBatch fileBatch = new BatchManifest.FileBatch(file.id(), ENDPOINT, windowText, metadata,
                outputExpiry == null ? null : outputExpiry.toSeconds());
        Submission s = submissions.submitFile(store, file, new SubmissionService.FileOrigin(fileBatch, window), caller,
                idempotencyKey, trace);
        return new Created(s, fileBatch);
    }

    /** A batch made from a file: the submission and what its first listed part says. */
    public record Created(Submission submission, BatchManifest.FileBatch fileBatch) {
    }

    private ObjectNode object(byte[] body) {
        JsonNode root;
        try {
            root = body.length == 0 ? null : mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("invalid_json", null, "the request body is not valid JSON: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.invalid("invalid_json", null, "the request body could not be read");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid("invalid_request", null, "the body must be a JSON object such as"
                    + " {\"input_file_id\": \"file-...\", \"endpoint\": \"/v1/chat/completions\","
                    + " \"completion_window\": \"24h\"}");
        }
        return (ObjectNode) root;
    }

    private static String text(ObjectNode request, String name, boolean required) {
        JsonNode n = request.get(name);
        if (n == null || n.isNull()) {
            if (required) {
                throw ApiException.invalid("missing_required_parameter", name, "Missing required parameter: '" + name
                        + "'");
            }
            return null;
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw ApiException.invalid("invalid_type", name, "'" + name + "' must be a non-empty string");
        }
        return n.asText();
    }

    /** 404 as OpenAI words it. */
    public static ApiException noSuchFile(String id) {
        return noSuchFile(id, "file_id");
    }

    /** 404 as OpenAI words it, naming the request's field that gave the id. */
    static ApiException noSuchFile(String id, String param) {
        return new ApiException(404, "invalid_request_error", "file_not_found", param, "No such File object: " + id,
                "not_found");
    }

    /** The id of a batch's output file: the lines of its succeeded jobs. */
    public static String outputFileId(String batchId) {
        return JobIds.FILE_PREFIX + batchId + OUTPUT_SUFFIX;
    }

    /** The id of a batch's error file: the lines of its jobs that did not succeed. */
    public static String errorFileId(String batchId) {
        return JobIds.FILE_PREFIX + batchId + ERRORS_SUFFIX;
    }

    /** The batch whose output or error file {@code fileId} is, or null for another id. */
    public static String batchOfOutput(String fileId) {
        for (String suffix : List.of(OUTPUT_SUFFIX, ERRORS_SUFFIX)) {
            if (fileId.startsWith(JobIds.FILE_PREFIX + JobIds.BATCH_PREFIX) && fileId.endsWith(suffix)) {
                return fileId.substring(JobIds.FILE_PREFIX.length(), fileId.length() - suffix.length());
            }
        }
        return null;
    }

    /** Whether {@code fileId} is a batch's error file (else its output file), for {@link #batchOfOutput} ids. */
    public static boolean isErrorFile(String fileId) {
        return fileId.endsWith(ERRORS_SUFFIX);
    }

    /** The lines of the file {@code fileId} of a batch ({@link #batchOfOutput}): succeeded jobs', or the others'. */
    public static Predicate<JobSnapshot> linesOf(String fileId) {
        boolean errors = isErrorFile(fileId);
        return j -> (j.result() != null && j.result().status() == JobStatus.SUCCEEDED) != errors;
    }
}
