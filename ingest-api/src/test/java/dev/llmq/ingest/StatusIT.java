package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.Attempt;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET status, batches, batch results and the SSE relay, fed by status/result/chunk records written here. */
@ExtendWith(KafkaClusterExtension.class)
class StatusIT {

    private static final String CHAT = SubmitIT.CHAT;
    private static TopicsFixture fixture;
    private static IngestServer server;
    private static HttpTestClient http;
    private static final AtomicBoolean dependenciesReady = new AtomicBoolean(true);

    @BeforeAll
    static void start(KafkaCluster kafka) {
        fixture = new TopicsFixture(kafka.bootstrapServers(), "status");
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "status-a").port(0)
                .topics(fixture.topics()).transactionalProducers(1).streamTimeout(Duration.ofSeconds(30)).build();
        server = new IngestServer(settings, () -> Set.of("gpt-4o-mini"), dependenciesReady::get, Clock.systemUTC(),
                new SimpleMeterRegistry()).start();
        http = new HttpTestClient(server.port());
        await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/health/ready").status() == 200);
    }

    @AfterAll
    static void stop() {
        server.close();
        fixture.close();
    }

    static ObjectNode completion(String text) {
        try {
            return (ObjectNode) Json.mapper().readTree("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\","
                    + "\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                    + "\"assistant\",\"content\":\"" + text + "\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JobResult succeeded(String jobId, String batchId, String text) {
        Instant now = Instant.now();
        return new JobResult(1, jobId, batchId, null, null, "gpt-4o-mini", JobStatus.SUCCEEDED, completion(text), null,
                new TokenUsage(3, 2, 5, 0, 0), new java.math.BigDecimal("0.0001"), null, "mock-1", "openai", "gpt-4o-mini",
                List.of(new Attempt(1, "mock-1", "openai", "gpt-4o-mini", "ok", 200, 12, now, null)), 12L, 4L, now, now,
                now, List.of(), null, null);
    }

    static JobResult failed(String jobId, String batchId) {
        Instant now = Instant.now();
        return new JobResult(1, jobId, batchId, null, null, "gpt-4o-mini", JobStatus.FAILED, null,
                new JobError("invalid_request_error", "context_length_exceeded", "too long", "messages", "bad_request",
                        400, "openai"), null, null, null, "mock-1", "openai", null, List.of(), 5L, null, now, now, now, List.of(),
                null, null);
    }

    private static String submitOne(String body) {
        HttpTestClient.Response r = http.post("/v1/jobs", body, "application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        return r.json().path("id").asText();
    }

    @Test
    void jobGoesQueuedRunningSucceededAndKeepsTheFirstResult() {
        String id = submitOne(CHAT.replace("{\"model\"", "{\"custom_id\":\"c-1\",\"model\""));
        JsonNode queued = http.get("/v1/jobs/" + id).json();
        assertThat(queued.path("status").asText()).isEqualTo("queued");
        assertThat(queued.path("object").asText()).isEqualTo("llmq.job");
        assertThat(queued.path("custom_id").asText()).isEqualTo("c-1");
        assertThat(queued.path("created_at").asLong()).isPositive();
        assertThat(queued.path("result")).isEqualTo(NullNode.getInstance());

        fixture.sendStatus(new JobStatusEvent(1, id, null, JobStatus.RUNNING, "w-1", 1, Instant.now()));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> http.get("/v1/jobs/" + id).json().path("status").asText().equals("running"));

        fixture.sendResult(succeeded(id, null, "first"));
        fixture.sendResult(succeeded(id, null, "duplicate"));
        fixture.sendStatus(new JobStatusEvent(1, id, null, JobStatus.RUNNING, "w-2", 2, Instant.now()));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> http.get("/v1/jobs/" + id).json().path("status").asText().equals("succeeded"));
        String marker = id + "-marker";
        fixture.sendResult(succeeded(marker, null, "x"));
        await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/jobs/" + marker).status() == 200);

        JsonNode done = http.get("/v1/jobs/" + id).json();
        assertThat(done.path("status").asText()).isEqualTo("succeeded");
        assertThat(done.at("/result/object").asText()).isEqualTo("chat.completion");
        assertThat(done.at("/result/choices/0/message/content").asText()).isEqualTo("first");
        assertThat(done.at("/usage/total_tokens").asLong()).isEqualTo(5);
        assertThat(done.path("deployment").asText()).isEqualTo("mock-1");
        assertThat(done.path("provider").asText()).isEqualTo("openai");
        assertThat(done.path("latency_ms").asLong()).isEqualTo(12);
        assertThat(done.path("ttft_ms").asLong()).isEqualTo(4);
        assertThat(done.path("attempts").asInt()).isEqualTo(1);
        assertThat(done.path("error")).isEqualTo(NullNode.getInstance());
    }

    @Test
    void readinessFollowsTheCallersSupplier() {
        assertThat(http.get("/health/ready").json().path("status").asText()).isEqualTo("ready");
        dependenciesReady.set(false);
        try {
            HttpTestClient.Response r = http.get("/health/ready");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.json().path("dependencies")).isEqualTo(BooleanNode.FALSE);
            assertThat(r.json().path("status_view")).isEqualTo(BooleanNode.TRUE);
        } finally {
            dependenciesReady.set(true);
        }
        assertThat(http.get("/health/ready").status()).isEqualTo(200);
    }

    @Test
    void failedJobShowsTheErrorInOpenAiShape() {
        String id = submitOne(CHAT);
        fixture.sendResult(failed(id, null));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> http.get("/v1/jobs/" + id).json().path("status").asText().equals("failed"));
        JsonNode error = http.get("/v1/jobs/" + id).json().path("error");
        assertThat(error.path("message").asText()).isEqualTo("too long");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(error.path("param").asText()).isEqualTo("messages");
    }

    @Test
    void batchCountsAndResultsInSubmissionOrder() {
        HttpTestClient.Response r = http.post("/v1/jobs", ndjson("r", 4), "application/x-ndjson");
        assertThat(r.status()).isEqualTo(202);
        String batch = r.json().path("batch_id").asText();
        List<String> ids = new ArrayList<>();
        r.json().path("jobs").forEach(j -> ids.add(j.path("id").asText()));

        JsonNode status = http.get("/v1/batches/" + batch).json();
        assertThat(status.path("total").asInt()).isEqualTo(4);
        assertThat(status.at("/counts/queued").asInt()).isEqualTo(4);
        assertThat(status.path("status").asText()).isEqualTo("in_progress");

        fixture.sendResult(succeeded(ids.get(2), batch, "two"));
        fixture.sendResult(failed(ids.get(1), batch));
        fixture.sendStatus(new JobStatusEvent(1, ids.get(3), batch, JobStatus.RUNNING, "w", 1, Instant.now()));
        fixture.sendResult(succeeded(ids.get(0), batch, "zero"));
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode b = http.get("/v1/batches/" + batch).json();
            return b.at("/counts/succeeded").asInt() == 2 && b.at("/counts/running").asInt() == 1;
        });
        JsonNode counts = http.get("/v1/batches/" + batch).json();
        assertThat(counts.at("/counts/failed").asInt()).isEqualTo(1);
        assertThat(counts.at("/request_counts/completed").asInt()).isEqualTo(2);
        assertThat(counts.at("/request_counts/failed").asInt()).isEqualTo(1);

        HttpTestClient.Response results = http.get("/v1/batches/" + batch + "/results");
        assertThat(results.contentType()).startsWith("application/x-ndjson");
        List<JsonNode> lines = results.body().lines().map(StatusIT::json).toList();
        assertThat(lines).extracting(l -> l.path("custom_id").asText()).containsExactly("r0", "r1", "r2");
        assertThat(lines.get(0).at("/response/status_code").asInt()).isEqualTo(200);
        assertThat(lines.get(0).at("/response/body/choices/0/message/content").asText()).isEqualTo("zero");
        assertThat(lines.get(0).path("error")).isEqualTo(NullNode.getInstance());
        // the provider's 400 in the response, as OpenAI's batch output has it
        assertThat(lines.get(1).at("/response/status_code").asInt()).isEqualTo(400);
        assertThat(lines.get(1).at("/response/body/error/code").asText()).isEqualTo("context_length_exceeded");
        assertThat(lines.get(1).path("error")).isEqualTo(NullNode.getInstance());
        assertThat(lines.get(2).path("id").asText()).isEqualTo(ids.get(2));
    }

    @Test
    void theResultsOfABatchBiggerThanOnePartComeInSubmissionOrder() {
        HttpTestClient.Response r = http.post("/v1/jobs", ndjson("p", 2_500), "application/x-ndjson");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        String batch = r.json().path("batch_id").asText();
        List<String> ids = new ArrayList<>();
        r.json().path("jobs").forEach(j -> ids.add(j.path("id").asText()));
        // finished jobs on each side of the parts' boundaries (the results are read a thousand jobs at a time)
        int[] done = {2_499, 1_000, 999, 0, 1_500};
        for (int i : done) {
            fixture.sendResult(succeeded(ids.get(i), batch, "p" + i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() ->
                http.get("/v1/batches/" + batch).json().at("/counts/succeeded").asInt() == done.length);

        List<JsonNode> lines = http.get("/v1/batches/" + batch + "/results").body().lines().map(StatusIT::json)
                .toList();
        assertThat(lines).extracting(l -> l.path("custom_id").asText())
                .containsExactly("p0", "p999", "p1000", "p1500", "p2499");
        assertThat(lines).extracting(l -> l.at("/response/body/choices/0/message/content").asText())
                .containsExactly("p0", "p999", "p1000", "p1500", "p2499");
    }

    /** {@code n} NDJSON lines of {@link #CHAT}, with the custom ids {@code <prefix>0} onwards. */
    private static String ndjson(String prefix, int n) {
        StringBuilder nd = new StringBuilder();
        for (int i = 0; i < n; i++) {
            nd.append(CHAT.replace("{\"model\"", "{\"custom_id\":\"" + prefix + i + "\",\"model\"")).append('\n');
        }
        return nd.toString();
    }

        private static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode delta(String text) {
        return (ObjectNode) json("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"}}]}");
    }

    private static CompletableFuture<HttpResponse<Stream<String>>> openStream(String id) {
        return openStream(id, null);
    }

    /** The job's stream, resumed after {@code lastEventId} (sent as {@code Last-Event-ID}) unless null. */
    private static CompletableFuture<HttpResponse<Stream<String>>> openStream(String id, String lastEventId) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(http.base() + "/v1/jobs/" + id + "/stream"))
                .timeout(Duration.ofSeconds(30)).GET();
        if (lastEventId != null) {
            req.header("Last-Event-ID", lastEventId);
        }
        return http.client().sendAsync(req.build(), HttpResponse.BodyHandlers.ofLines());
    }

    private static List<String> dataLines(HttpResponse<Stream<String>> r) {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return r.body().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    }

    private static String content(String data) {
        return json(data).at("/choices/0/delta/content").asText();
    }

    @Test
    void sseReplaysChunksToALateClientAndEndsWithDone() {
        String id = submitOne(CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""));
        String other = submitOne(CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""));
        fixture.sendChunk(new StreamChunk(1, id, 1, 0, delta("Hel"), Instant.now()));
        fixture.sendChunk(new StreamChunk(1, other, 1, 0, delta("NOT MINE"), Instant.now()));
        fixture.sendChunk(new StreamChunk(1, id, 1, 1, delta("lo"), Instant.now()));
        fixture.sendChunk(new StreamChunk(1, id, 1, 1, delta("lo"), Instant.now()));
        fixture.sendResult(succeeded(id, null, "Hello"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> http.get("/v1/jobs/" + id).json().path("status").asText().equals("succeeded"));

        List<String> data = dataLines(openStream(id).join());
        assertThat(data).hasSize(3);
        assertThat(content(data.get(0)) + content(data.get(1))).isEqualTo("Hello");
        assertThat(data.getLast()).isEqualTo("[DONE]");

        // a client reconnecting after the first event (an EventSource sends the id it got) gets the rest only
        List<String> resumed = dataLines(openStream(id, "attempt-1:0").join());
        assertThat(resumed).hasSize(2);
        assertThat(content(resumed.getFirst())).isEqualTo("lo");
        assertThat(resumed.getLast()).isEqualTo("[DONE]");
    }

    @Test
    void sseRelaysLiveChunksAndOnlyTheHighestAttempt() {
        String id = submitOne(CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""));
        fixture.sendChunk(new StreamChunk(1, id, 1, 0, delta("abandoned"), Instant.now()));
        CompletableFuture<HttpResponse<Stream<String>>> live = openStream(id);
        fixture.sendChunk(new StreamChunk(1, id, 2, 0, delta("A"), Instant.now()));
        fixture.sendChunk(new StreamChunk(1, id, 1, 1, delta("stale"), Instant.now()));
        fixture.sendChunk(new StreamChunk(1, id, 2, 1, delta("B"), Instant.now()));
        fixture.sendResult(succeeded(id, null, "AB"));
        List<String> data = dataLines(live.join());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        List<String> texts = data.subList(0, data.size() - 1).stream().map(StatusIT::content).toList();
        assertThat(texts).endsWith("A", "B").doesNotContain("stale");
    }

    @Test
    void sseNeverSplicesARedeliveredRunIntoTheCrashedOneOfTheSameAttempt() {
        String id = submitOne(CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""));
        fixture.sendChunk(new StreamChunk(1, id, 1, "run-crashed", 0, delta("Hel"), Instant.now()));
        CompletableFuture<HttpResponse<Stream<String>>> live = openStream(id);
        fixture.sendChunk(new StreamChunk(1, id, 1, "run-again", 0, delta("Hi"), Instant.now()));
        fixture.sendChunk(new StreamChunk(1, id, 1, "run-crashed", 1, delta("lo"), Instant.now()));
        fixture.sendChunk(new StreamChunk(1, id, 1, "run-again", 1, delta("!"), Instant.now()));
        fixture.sendResult(succeeded(id, null, "Hi!"));
        List<String> data = dataLines(live.join());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        List<String> texts = data.subList(0, data.size() - 1).stream().map(StatusIT::content).toList();
        assertThat(texts).containsExactly("Hel", "Hi", "!");
    }

    @Test
    void streamOfANonStreamingOrUnknownJobIsAnError() {
        String id = submitOne(CHAT);
        HttpTestClient.Response r = http.get("/v1/jobs/" + id + "/stream");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/error/code").asText()).isEqualTo("not_streaming");
        assertThat(http.get("/v1/jobs/job_nope/stream").status()).isEqualTo(404);
    }

    @Test
    void withoutKeysTheTenantHeaderScopesReadsAndAnotherTenantsJobIs404() {
        HttpTestClient.Response acme = http.post("/v1/jobs", CHAT + "\n" + CHAT + "\n", "application/x-ndjson",
                "X-Llmq-Tenant", "acme");
        String job = acme.json().at("/jobs/0/id").asText();
        String batch = acme.json().path("batch_id").asText();

        assertThat(http.get("/v1/jobs/" + job).status()).isEqualTo(200);
        assertThat(http.get("/v1/jobs/" + job, "X-Llmq-Tenant", "acme").status()).isEqualTo(200);
        assertThat(http.get("/v1/batches/" + batch, "X-Llmq-Tenant", "acme").status()).isEqualTo(200);
        HttpTestClient.Response other = http.get("/v1/jobs/" + job, "X-Llmq-Tenant", "globex");
        assertThat(other.status()).isEqualTo(404);
        assertThat(other.json().at("/error/message").asText()).isEqualTo("no job with id '" + job + "'");
        assertThat(http.get("/v1/batches/" + batch + "/results", "X-Llmq-Tenant", "globex").status()).isEqualTo(404);
        assertThat(http.post("/v1/jobs/" + job + "/cancel", "", null, "X-Llmq-Tenant", "globex").status())
                .isEqualTo(404);
    }
}
