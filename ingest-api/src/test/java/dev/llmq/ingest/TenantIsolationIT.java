package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKey.Scope;
import dev.llmq.config.ApiKeys;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JobRequest;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * API keys and tenants against a real broker: two tenants' keys and an admin key across every endpoint (another
 * tenant's job or batch is 404 exactly like an unknown id), 401/403 with nothing enqueued, key reload, per-key rates,
 * the internal route, and the tenant fixed on forwarded usage queries (a fake aggregator on loopback records them).
 */
@ExtendWith(KafkaClusterExtension.class)
class TenantIsolationIT {

    private static final String CHAT = SubmitIT.CHAT;
    private static final String STREAM_CHAT = CHAT.replace("{\"model\"", "{\"stream\":true,\"model\"");
    private static final String OTHER_MODEL = CHAT.replace("gpt-4o-mini", "gpt-4o");
    private static final String INTERNAL = "it-internal-key-0123456789";

    private static final String ACME = "llmq-sk-acme-read-write";
    private static final String ACME_READER = "llmq-sk-acme-read-only";
    private static final String ACME_ALL = "llmq-sk-acme-every-model";
    private static final String GLOBEX = "llmq-sk-globex";
    private static final String ADMIN = "llmq-sk-ops-admin";
    private static final String RPM = "llmq-sk-rpm-3";
    private static final String JOBS = "llmq-sk-jobs-3";
    private static final ApiKeys KEYS = ApiKeys.of(List.of(
            new ApiKey("acme-rw", ApiKeys.hash(ACME), "acme", "search", List.of("prod"), Set.of("gpt-4o-mini"),
                    Set.of(Scope.SUBMIT, Scope.READ), null, null),
            key("acme-ro", ACME_READER, "acme", null, null, Scope.READ),
            key("acme-all", ACME_ALL, "acme", null, null, Scope.SUBMIT, Scope.READ),
            key("globex", GLOBEX, "globex", null, null, Scope.SUBMIT, Scope.READ),
            key("ops", ADMIN, "ops", null, null, Scope.ADMIN),
            key("rpm", RPM, "rpm", 3L, null, Scope.SUBMIT, Scope.READ),
            key("jobs", JOBS, "jobs", null, 3L, Scope.SUBMIT, Scope.READ)));

    private static TopicsFixture fixture;
    private static IngestServer server;
    private static HttpTestClient http;
    private static HttpServer aggregator;
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private static final List<String> usageQueries = new CopyOnWriteArrayList<>();
    private static final List<String> usageBearers = new CopyOnWriteArrayList<>();

    private static ApiKey key(String name, String plain, String tenant, Long rpm, Long jobs, Scope... scopes) {
        return new ApiKey(name, ApiKeys.hash(plain), tenant, null, List.of(), Set.of(), Set.of(scopes), rpm, jobs);
    }

    @BeforeAll
    static void start(KafkaCluster kafka) throws IOException {
        aggregator = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        aggregator.createContext("/v1/usage", exchange -> {
            usageQueries.add(String.valueOf(exchange.getRequestURI().getRawQuery()));
            usageBearers.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            byte[] body = "{\"object\":\"list\",\"data\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        aggregator.start();
        fixture = new TopicsFixture(kafka.bootstrapServers(), "tenants");
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "tenants-a").port(0)
                .topics(fixture.topics()).transactionalProducers(1).apiKeys(KEYS).internalKey(INTERNAL)
                .usageUrl("http://127.0.0.1:" + aggregator.getAddress().getPort()).build();
        server = SubmitIT.startServer(settings, registry);
        http = new HttpTestClient(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
        fixture.close();
        aggregator.stop(0);
    }

    private static String[] bearer(String key, String... more) {
        List<String> h = new ArrayList<>(List.of("Authorization", "Bearer " + key));
        h.addAll(List.of(more));
        return h.toArray(String[]::new);
    }

    private static HttpTestClient.Response submit(String key, String body, String contentType, String... headers) {
        return http.post("/v1/jobs", body, contentType, bearer(key, headers));
    }

    private static String submitOne(String key, String body) {
        HttpTestClient.Response r = submit(key, body, "application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        return r.json().path("id").asText();
    }

    private static Map<String, JobRequest> jobsById() {
        return fixture.committedJobs().stream().collect(Collectors.toMap(JobRequest::jobId, j -> j, (a, b) -> a));
    }

    /** The ids of the newest hundred batches the caller sees. */
    private static List<String> listed(String... headers) {
        HttpTestClient.Response r = http.get("/v1/batches?limit=100", headers);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        r.json().path("data").forEach(b -> ids.add(b.path("id").asText()));
        return ids;
    }

    /** The body with the id replaced, to compare another tenant's answer with an unknown id's. */
    private static String shape(HttpTestClient.Response r, String id) {
        return r.status() + " " + r.contentType() + " " + r.body().replace(id, "<id>");
    }

    @Test
    void anotherTenantsJobOrBatchIs404ExactlyLikeAnUnknownIdOnEveryEndpoint() {
        String job = submitOne(ACME, STREAM_CHAT);
        String cancellable = submitOne(ACME, CHAT);
        HttpTestClient.Response batchSubmitted = submit(ACME, CHAT + "\n" + CHAT + "\n", "application/x-ndjson");
        assertThat(batchSubmitted.status()).as(batchSubmitted.body()).isEqualTo(202);
        String batch = batchSubmitted.json().path("batch_id").asText();
        String unknownJob = "job_" + "0".repeat(26);
        String unknownBatch = "batch_" + "0".repeat(26);

        Map<String, Function<String, HttpTestClient.Response>> jobRoutes = Map.of(
                "GET job", id -> http.get("/v1/jobs/" + id, bearer(GLOBEX)),
                "GET stream", id -> http.get("/v1/jobs/" + id + "/stream", bearer(GLOBEX)),
                "POST cancel job", id -> http.post("/v1/jobs/" + id + "/cancel", "{\"reason\":\"x\"}",
                        "application/json", bearer(GLOBEX)),
                "GET job, an admin acting for globex", id -> http.get("/v1/jobs/" + id,
                        bearer(ADMIN, "X-Llmq-Tenant", "globex")));
        jobRoutes.forEach((route, call) -> {
            HttpTestClient.Response theirs = call.apply(job);
            HttpTestClient.Response unknown = call.apply(unknownJob);
            assertThat(theirs.status()).as(route + ": " + theirs.body()).isEqualTo(404);
            assertThat(shape(theirs, job)).as(route).isEqualTo(shape(unknown, unknownJob));
        });
        HttpTestClient.Response cancelOther = http.post("/v1/jobs/" + cancellable + "/cancel", "", null,
                bearer(GLOBEX));
        assertThat(shape(cancelOther, cancellable))
                .isEqualTo(shape(http.post("/v1/jobs/" + unknownJob + "/cancel", "", null, bearer(GLOBEX)), unknownJob));
        Map<String, Function<String, HttpTestClient.Response>> batchRoutes = Map.of(
                "GET batch", id -> http.get("/v1/batches/" + id, bearer(GLOBEX)),
                "GET batch results", id -> http.get("/v1/batches/" + id + "/results", bearer(GLOBEX)),
                "POST cancel batch", id -> http.post("/v1/batches/" + id + "/cancel", "", null, bearer(GLOBEX)));
        batchRoutes.forEach((route, call) -> {
            HttpTestClient.Response theirs = call.apply(batch);
            HttpTestClient.Response unknown = call.apply(unknownBatch);
            assertThat(theirs.status()).as(route + ": " + theirs.body()).isEqualTo(404);
            assertThat(shape(theirs, batch)).as(route).isEqualTo(shape(unknown, unknownBatch));
        });
        assertThat(fixture.controlRecords()).extracting(ConsumerRecord::key).doesNotContain(
                JobControlMessage.jobKey(job), JobControlMessage.jobKey(cancellable),
                JobControlMessage.batchKey(batch));

        // the owner, its read-only key and the admin see them all
        for (String reader : List.of(ACME, ACME_READER, ADMIN)) {
            assertThat(http.get("/v1/jobs/" + job, bearer(reader)).status()).as(reader).isEqualTo(200);
            assertThat(http.get("/v1/batches/" + batch, bearer(reader)).json().path("total").asInt()).isEqualTo(2);
            assertThat(http.get("/v1/batches/" + batch + "/results", bearer(reader)).status()).isEqualTo(200);
        }
        assertThat(http.get("/v1/jobs/" + job, bearer(ADMIN, "X-Llmq-Tenant", "acme")).status()).isEqualTo(200);
        // the batch list: the owner's keys and the admin list it; another tenant, or the admin acting for one, not
        for (String reader : List.of(ACME, ACME_READER, ADMIN)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> listed(bearer(reader)).contains(batch));
        }
        assertThat(listed(bearer(GLOBEX))).doesNotContain(batch);
        assertThat(listed(bearer(ADMIN, "X-Llmq-Tenant", "globex"))).doesNotContain(batch);
        fixture.sendResult(StatusIT.succeeded(job, null, "done"));
        await().atMost(Duration.ofSeconds(20)).until(() ->
                http.get("/v1/jobs/" + job, bearer(ACME)).json().path("status").asText().equals("succeeded"));
        HttpTestClient.Response stream = http.get("/v1/jobs/" + job + "/stream", bearer(ACME_READER));
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.body()).contains("data: [DONE]");
        assertThat(http.get("/v1/jobs/" + job + "/stream", bearer(GLOBEX)).status()).isEqualTo(404);
        assertThat(http.post("/v1/jobs/" + cancellable + "/cancel", "", null, bearer(ACME)).status()).isEqualTo(202);
        assertThat(http.post("/v1/batches/" + batch + "/cancel", "", null, bearer(ADMIN)).status()).isEqualTo(202);
        assertThat(fixture.controlRecords()).extracting(ConsumerRecord::key).contains(
                JobControlMessage.jobKey(cancellable), JobControlMessage.batchKey(batch));
    }

    @Test
    void theTenantComesFromTheKeyAndTheKeysTagsAndTeamAreAdded() {
        String acmeJob = submitOne(ACME, CHAT.replace("{\"model\"", "{\"tags\":[\"mine\"],\"model\""));
        HttpTestClient.Response ownHeader = submit(ACME, CHAT, "application/json", "X-Llmq-Tenant", "acme");
        assertThat(ownHeader.status()).isEqualTo(202);
        HttpTestClient.Response forGlobex = http.post("/v1/jobs", CHAT, "application/json",
                bearer(ADMIN, "X-Llmq-Tenant", "globex"));
        assertThat(forGlobex.status()).isEqualTo(202);
        String adminJob = submitOne(ADMIN, CHAT);

        Map<String, JobRequest> jobs = jobsById();
        assertThat(jobs.get(acmeJob).tenant()).isEqualTo("acme");
        assertThat(jobs.get(acmeJob).tags()).containsExactly("mine", "prod", "team:search");
        assertThat(jobs.get(ownHeader.json().path("id").asText()).tenant()).isEqualTo("acme");
        assertThat(jobs.get(forGlobex.json().path("id").asText()).tenant()).isEqualTo("globex");
        assertThat(jobs.get(adminJob).tenant()).isEqualTo("ops");
        assertThat(http.get("/v1/jobs/" + forGlobex.json().path("id").asText(), bearer(GLOBEX)).status())
                .isEqualTo(200);
    }

    @Test
    void idempotencyKeysAreScopedByTheKeysTenant() {
        HttpTestClient.Response acme = submit(ACME, CHAT, "application/json", "Idempotency-Key", "same-key");
        HttpTestClient.Response globex = submit(GLOBEX, CHAT, "application/json", "Idempotency-Key", "same-key");
        HttpTestClient.Response acmeAgain = submit(ACME, CHAT, "application/json", "Idempotency-Key", "same-key");

        assertThat(globex.status()).isEqualTo(202);
        assertThat(globex.raw().headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(globex.json().path("id").asText()).isNotEqualTo(acme.json().path("id").asText());
        assertThat(acmeAgain.raw().headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(acmeAgain.json().path("id").asText()).isEqualTo(acme.json().path("id").asText());
    }

    @Test
    void refusalsAre401Or403InOpenAisShapeAndEnqueueNothing() {
        String basic = "Basic " + Base64.getEncoder().encodeToString(("u:" + ACME).getBytes(StandardCharsets.UTF_8));
        Map<TopicPartition, Long> before = fixture.jobsEndOffsets();
        record Case(String what, String[] headers, String body, int status, String code, String names) {
        }
        List<Case> cases = List.of(
                new Case("no Authorization", new String[0], CHAT, 401, "invalid_api_key", null),
                new Case("scheme without key", new String[] {"Authorization", "Bearer"}, CHAT, 401, "invalid_api_key",
                        null),
                new Case("malformed", new String[] {"Authorization", "Token " + ACME}, CHAT, 401, "invalid_api_key",
                        null),
                new Case("Basic scheme", new String[] {"Authorization", basic}, CHAT, 401, "invalid_api_key", null),
                new Case("wrong key", bearer("llmq-sk-not-a-key"), CHAT, 401, "invalid_api_key", null),
                new Case("the internal key", bearer(INTERNAL), CHAT, 401, "invalid_api_key", null),
                new Case("read-only key submits", bearer(ACME_READER), CHAT, 403, "insufficient_permissions",
                        "'submit'"),
                new Case("another tenant's header", bearer(ACME, "X-Llmq-Tenant", "globex"), CHAT, 403,
                        "tenant_not_allowed", null),
                new Case("model group not allowed", bearer(ACME), OTHER_MODEL, 403, "model_not_allowed", "gpt-4o"),
                new Case("one job of a batch not allowed", bearer(ACME), "[" + CHAT + "," + OTHER_MODEL + "]", 403,
                        "model_not_allowed", "gpt-4o"));
        for (Case c : cases) {
            HttpTestClient.Response r = http.post("/v1/jobs", c.body(), "application/json", c.headers());
            assertThat(r.status()).as(c.what() + ": " + r.body()).isEqualTo(c.status());
            assertThat(r.contentType()).as(c.what()).startsWith("application/json");
            assertThat(r.raw().headers().firstValue("WWW-Authenticate")).as(c.what())
                    .isEqualTo(c.status() == 401 ? Optional.of("Bearer realm=\"llmq\"") : Optional.empty());
            JsonNode error = r.json().path("error");
            assertThat(error.path("code").asText()).as(c.what()).isEqualTo(c.code());
            assertThat(error.path("type").asText()).as(c.what()).isEqualTo("invalid_request_error");
            assertThat(error.has("param")).isTrue();
            assertThat(error.path("message").asText()).as(c.what()).doesNotContain(ACME).doesNotContain(INTERNAL)
                    .doesNotContain("llmq-sk-not-a-key").contains(c.names() == null ? "" : c.names());
        }
        assertThat(fixture.jobsEndOffsets()).isEqualTo(before);
        assertThat(registry.get("llmq.ingest.rejected").tag("reason", "unauthorized").counter().count())
                .isGreaterThanOrEqualTo(6);
        assertThat(registry.get("llmq.ingest.rejected").tag("reason", "forbidden").counter().count())
                .isGreaterThanOrEqualTo(4);

        // every read route needs a key too, and the read-only key cannot cancel
        for (String path : List.of("/v1/jobs/job_x", "/v1/jobs/job_x/stream", "/v1/batches/b", "/v1/batches/b/results",
                "/v1/batches", "/v1/usage?group_by=model&window=total", "/v1/nope")) {
            assertThat(http.get(path).status()).as(path).isEqualTo(401);
        }
        assertThat(http.post("/v1/jobs/job_x/cancel", "", null, bearer(ACME_READER)).status()).isEqualTo(403);
        // probes and the scraper stay open (no metrics are exposed on this server: 404, not 401)
        assertThat(http.get("/health/live").status()).isEqualTo(200);
        assertThat(http.get("/health/ready").status()).isEqualTo(200);
        assertThat(http.get("/metrics").status()).isEqualTo(404);
    }

    /**
     * A file one key of a tenant uploaded, made a batch by another key of the tenant that may not use the model group
     * of its third line: 403 naming the line, and nothing of the lines before it is committed (they were written in
     * the batch's transaction as they were read, then aborted); the uploader's key makes the batch whole.
     */
    @Test
    void aBatchFromAFileWhoseLineTheKeyMayNotUseEnqueuesNothing() {
        byte[] content = (FilesIT.line("f-1", "one") + FilesIT.line("f-2", "two")
                + FilesIT.line("f-3", "three").replace("gpt-4o-mini", "gpt-4o")).getBytes(StandardCharsets.UTF_8);
        HttpTestClient.Response upload = FilesIT.upload(http, FilesIT.form(Map.of("purpose", "batch"), "m.jsonl",
                content), bearer(ACME_ALL));
        assertThat(upload.status()).as(upload.body()).isEqualTo(200);
        String fileId = upload.json().path("id").asText();
        String request = "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/chat/completions\","
                + "\"completion_window\":\"24h\"}";
        int committed = fixture.committedJobs().size();
        HttpTestClient.Response refused = http.post("/v1/batches", request, "application/json", bearer(ACME));
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.json().at("/error/message").asText()).contains("line 3").contains("gpt-4o");
        assertThat(refused.json().at("/error/code").asText()).isEqualTo("model_not_allowed");
        assertThat(fixture.committedJobs()).hasSize(committed);
        HttpTestClient.Response made = http.post("/v1/batches", request, "application/json", bearer(ACME_ALL));
        assertThat(made.status()).as(made.body()).isEqualTo(200);
        String batchId = made.json().path("id").asText();
        assertThat(fixture.committedJobs()).filteredOn(j -> batchId.equals(j.batchId()))
                .extracting(JobRequest::customId).containsExactlyInAnyOrder("f-1", "f-2", "f-3");
        assertThat(fixture.committedJobs()).hasSize(committed + 3);
    }

    @Test
    void aKeyListsTheModelGroupsItMayUseAndNoOther() {
        assertThat(http.get("/v1/models", bearer(ACME)).json().path("data").findValuesAsText("id"))
                .containsExactly("gpt-4o-mini");
        HttpTestClient.Response hidden = http.get("/v1/models/gpt-4o", bearer(ACME));
        assertThat(hidden.status()).as(hidden.body()).isEqualTo(404);
        assertThat(hidden.json().at("/error/code").asText()).isEqualTo("model_not_found");
        assertThat(http.get("/v1/models/gpt-4o", bearer(GLOBEX)).status()).isEqualTo(200);
        assertThat(http.get("/v1/models", bearer(GLOBEX)).json().path("data").findValuesAsText("id"))
                .contains("gpt-4o", "gpt-4o-mini");
        assertThat(http.get("/v1/models").status()).isEqualTo(401);
    }

    @Test
    void aReloadRevokesAKeyAndAddsANewOne() {
        String fresh = ApiKeys.generate();
        List<ApiKey> next = new ArrayList<>(KEYS.all().stream().filter(k -> !k.tenant().equals("globex")).toList());
        next.add(key("globex-2", fresh, "globex", null, null, Scope.SUBMIT, Scope.READ));
        String before = submitOne(GLOBEX, CHAT);
        try {
            server.reloadKeys(ApiKeys.of(next));

            assertThat(submit(GLOBEX, CHAT, "application/json").status()).isEqualTo(401);
            assertThat(http.get("/v1/jobs/" + before, bearer(GLOBEX)).status()).isEqualTo(401);
            assertThat(http.get("/v1/jobs/" + before, bearer(fresh)).status()).isEqualTo(200);
            assertThat(submit(fresh, CHAT, "application/json").status()).isEqualTo(202);
        } finally {
            server.reloadKeys(KEYS);
        }
        assertThat(submit(fresh, CHAT, "application/json").status()).isEqualTo(401);
    }

    @Test
    void requestsBeyondAKeysRpmAre429WithRetryAfter() {
        for (int i = 0; i < 3; i++) {
            assertThat(http.get("/v1/jobs/job_none", bearer(RPM)).status()).isEqualTo(404);
        }
        HttpTestClient.Response limited = http.get("/v1/jobs/job_none", bearer(RPM));

        assertThat(limited.status()).as(limited.body()).isEqualTo(429);
        assertThat(limited.json().at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(limited.json().at("/error/type").asText()).isEqualTo("requests");
        assertThat(Long.parseLong(limited.raw().headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 20L);
        // another key is not limited by it
        assertThat(http.get("/v1/jobs/job_none", bearer(GLOBEX)).status()).isEqualTo(404);
    }

    @Test
    void jobsBeyondAKeysJobRateAre429AndEnqueueNothing() {
        HttpTestClient.Response two = submit(JOBS, CHAT + "\n" + CHAT + "\n", "application/x-ndjson");
        assertThat(two.status()).as(two.body()).isEqualTo(202);
        Map<TopicPartition, Long> before = fixture.jobsEndOffsets();

        HttpTestClient.Response limited = submit(JOBS, CHAT + "\n" + CHAT + "\n", "application/x-ndjson");
        HttpTestClient.Response never = submit(JOBS, CHAT + "\n" + CHAT + "\n" + CHAT + "\n" + CHAT + "\n",
                "application/x-ndjson");
        HttpTestClient.Response bad = submit(JOBS, "{nope", "application/json");

        assertThat(limited.status()).as(limited.body()).isEqualTo(429);
        assertThat(limited.json().at("/error/type").asText()).isEqualTo("jobs");
        assertThat(limited.json().at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(Long.parseLong(limited.raw().headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 20L);
        assertThat(never.status()).isEqualTo(400);
        assertThat(never.json().at("/error/code").asText()).isEqualTo("exceeds_jobs_per_minute");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(fixture.jobsEndOffsets()).isEqualTo(before);
        // the refused submissions took no permit: the third job of the minute still fits
        assertThat(submit(JOBS, CHAT, "application/json").status()).isEqualTo(202);
    }

    @Test
    void theInternalRouteNeedsTheInternalKey() {
        String query = "{\"job_ids\":[\"job_x\"]}";
        assertThat(http.post("/internal/v1/status", query, "application/json").status()).isEqualTo(401);
        assertThat(http.post("/internal/v1/status", query, "application/json", bearer(ADMIN)).status())
                .isEqualTo(401);
        // spellings of the path that might reach the route past the check with an API key instead
        for (String path : List.of("/%69nternal/v1/status", "/internal//v1/status", "/v1/../internal/v1/status",
                "/health/live/../../internal/v1/status", "/INTERNAL/v1/status", "/internal/v1/status/")) {
            HttpTestClient.Response r = http.post(path, query, "application/json", bearer(ADMIN));
            assertThat(r.status()).as(path + ": " + r.body()).isNotEqualTo(200).isLessThan(500);
            assertThat(r.body()).as(path).doesNotContain("\"jobs\"");
        }
        HttpTestClient.Response ok = http.post("/internal/v1/status", query, "application/json", bearer(INTERNAL));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().path("jobs").size()).isZero();
    }

    @Test
    void usageIsForwardedWithTheCallersTenantAndTheInternalKey() {
        usageQueries.clear();
        usageBearers.clear();
        String q = "/v1/usage?group_by=model&window=total";

        assertThat(http.get(q, bearer(ACME_READER)).status()).isEqualTo(200);
        assertThat(http.get(q + "&tenant=acme", bearer(ACME)).status()).isEqualTo(200);
        HttpTestClient.Response other = http.get(q + "&tenant=globex", bearer(ACME));
        assertThat(http.get(q, bearer(ADMIN)).status()).isEqualTo(200);
        assertThat(http.get(q + "&tenant=globex", bearer(ADMIN)).status()).isEqualTo(200);
        assertThat(http.get(q, bearer(ADMIN, "X-Llmq-Tenant", "globex")).status()).isEqualTo(200);
        assertThat(http.get(q).status()).isEqualTo(401);

        assertThat(other.status()).isEqualTo(403);
        assertThat(other.json().at("/error/code").asText()).isEqualTo("tenant_not_allowed");
        assertThat(usageQueries).containsExactly("group_by=model&window=total&tenant=acme",
                "group_by=model&window=total&tenant=acme", "group_by=model&window=total",
                "group_by=model&window=total&tenant=globex", "group_by=model&window=total&tenant=globex");
        assertThat(usageBearers).hasSize(5).containsOnly("Bearer " + INTERNAL);
    }

}
