package dev.llmq.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import dev.llmq.provider.sse.SseEnd;
import dev.llmq.provider.sse.SseEvent;
import dev.llmq.provider.sse.SseFramer;
import dev.llmq.schemas.Json;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small client of the ingest HTTP API, used by {@code submit}, {@code status}, {@code cancel}, {@code tail},
 * {@code usage} and {@code demo}.
 */
final class IngestClient {

    private static final Logger LOG = LoggerFactory.getLogger(IngestClient.class);
    /**
     * Reads llmq's answers keeping every decimal as sent: a cost read as a double would be rounded and written back
     * in scientific notation ({@code 1.065E-5} for {@code 0.00001065}); as a {@code BigDecimal} with its trailing
     * zeros, {@link Json#mapper()} writes it back in plain notation, digit for digit.
     */
    static final ObjectReader EXACT = Json.mapper().reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
    /** The data of the relay's last event. */
    private static final String DONE = "[DONE]";

    /** What {@code POST /v1/jobs} answered for one submission. */
    record Submission(String batchId, List<String> jobIds) {
        Submission {
            jobIds = List.copyOf(jobIds);
        }
    }

    /** Job counts of one batch. */
    record BatchCounts(long total, long queued, long running, long succeeded, long failed, long cancelled,
                       long expired) {
        long done() {
            return succeeded + failed + cancelled + expired;
        }
    }

    /** An HTTP answer that was not what the call expected, with the API's error message. */
    static final class ApiException extends IOException {
        private final int status;

        ApiException(int status, String message) {
            super("HTTP " + status + ": " + message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    private final URI base;
    private final String apiKey;
    private final IntervalFunction backoff;
    private final HttpClient http;
    private final ObjectMapper mapper = Json.mapper();

    /** A client that sends no API key (an llmq without {@code llmq.auth.keys}). */
    IngestClient(URI base) {
        this(base, null);
    }

    /** @param apiKey sent as {@code Authorization: Bearer <key>} on every request; null or blank for none */
    IngestClient(URI base, String apiKey) {
        this(base, apiKey, SUBMIT_BACKOFF);
    }

    /** @param backoff the waits between the attempts of a submission or a lookup ({@link #SUBMIT_BACKOFF}) */
    IngestClient(URI base, String apiKey, IntervalFunction backoff) {
        this.base = Objects.requireNonNull(base, "base");
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    URI base() {
        return base;
    }

    /** Attempts of one submission while llmq refuses connections and has not been reached (a wrong URL, say). */
    static final int UNREACHED_ATTEMPTS = 5;
    /**
     * Attempts of one submission once llmq was reached (it answered 5xx, or went without answering): an ingest killed
     * and started again refuses connections, then answers 503 while it reads what the topics hold, for tens of
     * seconds (35 s here after a {@code kill -9} with 100,000s of jobs in its store).
     */
    static final int REACHED_ATTEMPTS = 20;
    static final IntervalFunction SUBMIT_BACKOFF =
            IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(8));

    /** Submits NDJSON lines as one all-or-nothing submission, retrying transient failures with the same key. */
    Submission submitNdjson(List<String> lines) throws IOException, InterruptedException {
        return submitNdjson(lines, notice -> { });
    }

    /**
     * Submits NDJSON lines as one all-or-nothing submission, retrying transient failures with the same
     * Idempotency-Key (so a retried submission counts once): waiting 1 s, 2 s, 4 s, then 8 s between attempts, at
     * most {@link #UNREACHED_ATTEMPTS} while llmq refuses connections and has not been reached, else at most
     * {@link #REACHED_ATTEMPTS} (about two minutes). When an attempt went unanswered, a final refusal is a
     * {@link NoAnswer}: that attempt may have gone in.
     *
     * @param retrying told, before each retry, why and after how long
     */
    Submission submitNdjson(List<String> lines, Consumer<String> retrying) throws IOException, InterruptedException {
        String body = String.join("\n", lines) + "\n";
        HttpRequest request = request("/v1/jobs")
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/x-ndjson")
                .header("Idempotency-Key", "llmq-cli-" + UUID.randomUUID())
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        Attempts attempts = new Attempts();
        Retry retry = Retry.of("llmq-submit", RetryConfig.custom()
                .maxAttempts(REACHED_ATTEMPTS)
                .intervalFunction(backoff)
                .retryOnException(attempts::again)
                .build());
        retry.getEventPublisher().onRetry(e -> retrying.accept(describe(e.getLastThrowable()) + "; trying again in "
                + Math.max(1, e.getWaitInterval().toSeconds()) + " s"));
        try {
            return retry.executeCallable(() -> submitOnce(request));
        } catch (ApiException e) {
            if (attempts.unanswered) {
                throw new NoAnswer(e.getMessage() + ", after an attempt that went unanswered", e);
            }
            throw e;
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** What one submission's attempts met: whether llmq was reached, whether one went unanswered. */
    private static final class Attempts {
        private int refused;
        private boolean reached;
        private boolean unanswered;

        /** Whether to try again after {@code e}. */
        boolean again(Throwable e) {
            if (!isTransient(e)) {
                return false;
            }
            unanswered |= e instanceof NoAnswer;
            reached |= !(e.getCause() instanceof java.net.ConnectException);
            return reached || ++refused < UNREACHED_ATTEMPTS;
        }
    }

    private Submission submitOnce(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw refused(response.statusCode(), errorMessage(response.body()));
        }
        JsonNode json = EXACT.readTree(response.body());
        List<String> ids = new ArrayList<>();
        json.path("jobs").forEach(job -> ids.add(job.path("id").asText()));
        return new Submission(json.path("batch_id").asText(null), ids);
    }

    /** Sends {@code request}; llmq not accepting connections is {@link #unreachable}. */
    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body)
            throws IOException, InterruptedException {
        try {
            return http.send(request, body);
        } catch (java.net.ConnectException e) {
            throw unreachable(e);
        } catch (java.net.http.HttpTimeoutException e) {
            throw e; // not a NoAnswer: a wait as long again would only hold the run up
        } catch (IOException e) {
            throw new NoAnswer("llmq at " + base + " did not answer (" + describe(e) + ")", e);
        }
    }

    /**
     * The request went out and no answer came back (the connection reset or closed before the request's timeout): llmq
     * may or may not have acted on it.
     */
    static final class NoAnswer extends IOException {
        NoAnswer(String message, IOException cause) {
            super(message, cause);
        }
    }

    /** llmq does not accept connections at {@link #base()}; the JDK's exception often has no message. */
    private IOException unreachable(java.net.ConnectException e) {
        return new IOException("cannot reach llmq at " + base + " (" + (e.getMessage() == null ? "connection refused"
                : e.getMessage()) + ")", e);
    }

    /**
     * Whether a failed submission may succeed when tried again: llmq unreachable, busy or failing on its side, or gone
     * before it answered (an ingest killed and started again). A retry carries the same Idempotency-Key, so one that
     * went in the first time is answered with that submission; an ingest started again reads what the topics held
     * before it is ready, so it knows the key.
     */
    static boolean isTransient(Throwable e) {
        if (e instanceof ApiException api) {
            return api.status() >= 500;
        }
        return e instanceof NoAnswer || e instanceof IOException && e.getCause() instanceof java.net.ConnectException;
    }

    BatchCounts batch(String batchId) throws IOException, InterruptedException {
        JsonNode json = batchView(batchId);
        JsonNode counts = json.has("counts") ? json.path("counts") : json;
        long total = json.path("total").asLong(counts.path("total").asLong());
        long queued = counts.path("queued").asLong();
        long running = counts.path("running").asLong();
        long succeeded = counts.path("succeeded").asLong();
        long failed = counts.path("failed").asLong();
        return new BatchCounts(total, queued, running, succeeded, failed, counts.path("cancelled").asLong(),
                counts.path("expired").asLong());
    }

    /** The batch's OpenAI batch-output lines, in submission order. */
    List<String> batchResults(String batchId) throws IOException, InterruptedException {
        List<String> lines = new ArrayList<>();
        batchResults(batchId, lines::add);
        return lines;
    }

    /** How the line starts with which llmq ends a results download it could not finish. */
    private static final String ERROR_LINE = "{\"error\":";

    /** What takes one line of an answer read as it comes. */
    interface LineSink {
        void accept(String line) throws IOException;
    }

    /**
     * Hands the batch's OpenAI batch-output lines, in submission order, to {@code sink} as they arrive (a batch of
     * 50,000 jobs is tens of megabytes); {@link ApiException} with the server's message when it is refused.
     */
    void batchResults(String batchId, LineSink sink) throws IOException, InterruptedException {
        HttpRequest request = request("/v1/batches/" + segment(batchId) + "/results").timeout(Duration.ofSeconds(60))
                .GET().build();
        HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                throw refused(response.statusCode(), errorMessage(lines.lines()
                        .collect(Collectors.joining("\n"))));
            }
            long read = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith(ERROR_LINE)) { // llmq could not read the rest (an output line has a custom_id)
                    throw new ApiException(503, batchId + "'s results stopped after " + Words.count(read, "line") + ": "
                            + errorMessage(line) + " (try again)");
                }
                if (!line.isBlank()) {
                    sink.accept(line);
                    read++;
                }
            }
        }
    }

    /**
     * {@code GET /v1/usage?<query>}: the usage aggregator's answer as received (a JSON list of usage records), or
     * {@link ApiException} with the server's message (400 for bad parameters, 503 while usage cannot be answered).
     *
     * @param query the query string, already URL-encoded
     */
    String usage(String query) throws IOException, InterruptedException {
        return get("/v1/usage?" + query).body();
    }

    /** {@code GET /v1/jobs/{id}}: the job's status as llmq answers it, waiting out 503s ({@link #lookUp}). */
    JsonNode job(String jobId) throws IOException, InterruptedException {
        return EXACT.readTree(lookUp("/v1/jobs/" + segment(jobId)).body());
    }

    /**
     * {@code GET /v1/batches/{id}}: the batch's status and counts as llmq answers them, waiting out 503s
     * ({@link #lookUp}).
     */
    JsonNode batchView(String batchId) throws IOException, InterruptedException {
        return EXACT.readTree(lookUp("/v1/batches/" + segment(batchId)).body());
    }

    /**
     * Attempts of a lookup llmq answers 503: its status store moving between instances, an instance started again
     * reading what the topics hold, or a store trailing the topics under load that has not read the job or batch
     * yet (each 503 comes after the ingest itself waited its Kafka timeout). About 40 s.
     */
    static final int LOOKUP_ATTEMPTS = 8;

    /**
     * A GET of a job or batch, asked again while llmq answers 503 (at most {@link #LOOKUP_ATTEMPTS}, waiting 1 s,
     * 2 s, 4 s, then 8 s): the polls of {@code llmq submit --wait} and {@code llmq results} outlast such a moment
     * instead of ending the run. Any other refusal is final at once.
     */
    private HttpResponse<String> lookUp(String path) throws IOException, InterruptedException {
        Retry retry = Retry.of("llmq-lookup", RetryConfig.custom()
                .maxAttempts(LOOKUP_ATTEMPTS)
                .intervalFunction(backoff)
                .retryOnException(e -> e instanceof ApiException api && api.status() == 503)
                .build());
        try {
            return retry.executeCallable(() -> get(path));
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * {@code GET /v1/batches?limit=&after=}: a page of the caller's batches, newest first, as llmq answers it
     * ({@code data}, {@code has_more}, {@code last_id}).
     *
     * @param after the {@code last_id} of the page before, or null for the first page
     */
    String batches(int limit, String after) throws IOException, InterruptedException {
        return get("/v1/batches?limit=" + limit + (after == null ? ""
                : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8))).body();
    }

    /** Whether {@code id} names a batch ({@code batch_…}, as llmq makes them) rather than a job. */
    static boolean isBatchId(String id) {
        return id.startsWith("batch_");
    }

    /**
     * {@code POST /v1/jobs/{id}/cancel} or {@code /v1/batches/{id}/cancel} (by {@link #isBatchId}): the job or batch
     * with {@code cancel_requested}, once the broker has the request; {@link ApiException} with the server's message
     * otherwise (404 unknown, 409 already finished).
     *
     * @param reason passed on to the job's error, or null
     */
    JsonNode cancel(String id, String reason) throws IOException, InterruptedException {
        String path = (isBatchId(id) ? "/v1/batches/" : "/v1/jobs/") + segment(id) + "/cancel";
        String body = reason == null ? "" : mapper.writeValueAsString(Map.of("reason", reason));
        HttpRequest request = request(path).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        HttpResponse<String> response = send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw refused(response.statusCode(), errorMessage(response.body()));
        }
        return EXACT.readTree(response.body());
    }

    /** An id as one path segment: nothing in it can reach another route. */
    private static String segment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Follows a job's SSE relay, handing each event's data (a {@code chat.completion.chunk}, or an {@code error}
     * object) to the consumer until {@code [DONE]} or the end of the stream.
     */
    void stream(String jobId, Consumer<JsonNode> onChunk) throws IOException, InterruptedException {
        stream(jobId, onChunk, run -> { });
    }

    /**
     * As {@link #stream(String, Consumer)}, and tells {@code onRestart} (with the new run's name) when the relay moves
     * to another run of the job (a retry, a fallback, or a redelivery after a worker crashed): the chunks handed on
     * after that call start the job's text again, and none of the earlier run follows. The run is read from the
     * events' SSE ids ({@code <run>:<seq>}); a relay that sends no ids never signals a restart.
     */
    void stream(String jobId, Consumer<JsonNode> onChunk, Consumer<String> onRestart)
            throws IOException, InterruptedException {
        HttpRequest request = request("/v1/jobs/" + segment(jobId) + "/stream")
                .header("Accept", "text/event-stream").GET().build();
        HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            String body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            throw refused(response.statusCode(), errorMessage(body));
        }
        try (InputStream events = response.body()) {
            SseFramer framer = new SseFramer();
            byte[] buffer = new byte[8192];
            String run = null;
            for (int n = events.read(buffer); n >= 0; n = events.read(buffer)) {
                for (SseEvent event : framer.feed(buffer, 0, n)) {
                    if (event.data().strip().equals(DONE)) {
                        return;
                    }
                    String eventRun = runOf(event.id());
                    if (eventRun != null) {
                        if (run != null && !run.equals(eventRun)) {
                            onRestart.accept(eventRun);
                        }
                        run = eventRun;
                    }
                    onChunk.accept(EXACT.readTree(event.data()));
                }
            }
            SseEnd end = framer.finish();
            LOG.debug("stream of {} ended without [DONE] (clean: {})", jobId, end.clean());
        }
    }

    /** The run part of a relay event id ({@code <run>:<seq>}), or null. */
    static String runOf(String eventId) {
        int colon = eventId == null ? -1 : eventId.lastIndexOf(':');
        return colon <= 0 ? null : eventId.substring(0, colon);
    }

    /** A request to {@code path} carrying the API key, if there is one. */
    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path));
        return apiKey == null ? builder : builder.header("Authorization", "Bearer " + apiKey);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = request(path).timeout(Duration.ofSeconds(60)).GET().build();
        HttpResponse<String> response = send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw refused(response.statusCode(), errorMessage(response.body()));
        }
        return response;
    }

    /**
     * An answer other than the one expected, with the API's message; a 401 also says how the client commands pass a
     * key, or that the one passed was refused: llmq's own message speaks of the {@code Authorization} header, which
     * a user of these commands never writes.
     */
    private ApiException refused(int status, String message) {
        if (status != 401) {
            return new ApiException(status, message);
        }
        return new ApiException(status, message + (apiKey == null
                ? " (pass a key with --api-key KEY or the LLMQ_API_KEY variable)"
                : " (check the key passed with --api-key or the LLMQ_API_KEY variable)"));
    }

    private String errorMessage(String body) {
        try {
            JsonNode error = EXACT.readTree(body).path("error");
            if (error.has("message")) {
                return error.path("message").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: fall through to the raw body
        }
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }
}
