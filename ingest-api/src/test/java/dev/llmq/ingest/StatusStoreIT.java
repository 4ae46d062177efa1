package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.Attempt;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status store across ingest instances (two {@link IngestServer}s in one JVM, each with its own state directory,
 * one Streams application), across a restart, and its retention.
 */
@ExtendWith(KafkaClusterExtension.class)
class StatusStoreIT {

    private static final Logger LOG = LoggerFactory.getLogger(StatusStoreIT.class);
    private static final String CHAT = SubmitIT.CHAT;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static TopicsFixture fixture;
    private static IngestServer a;
    private static IngestServer b;
    private static HttpTestClient httpA;
    private static HttpTestClient httpB;

    @BeforeAll
    static void start(KafkaCluster kafka, @TempDir Path dirs) {
        fixture = new TopicsFixture(kafka.bootstrapServers(), "store");
        a = server(kafka, fixture, "store-a", dirs.resolve("a"), null);
        b = server(kafka, fixture, "store-b", dirs.resolve("b"), null);
        httpA = new HttpTestClient(a.port());
        httpB = new HttpTestClient(b.port());
        // both hold a share of the store, so each has to ask the other for some keys
        await().atMost(WAIT).until(() -> a.ready() && b.ready() && activeTasks(httpA) > 0 && activeTasks(httpB) > 0);
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
        fixture.close();
    }

    private static IngestServer server(KafkaCluster kafka, TopicsFixture topics, String instance, Path stateDir,
                                       Duration retention) {
        IngestSettings.Builder settings = IngestSettings.builder(kafka.bootstrapServers(), instance).port(0)
                .topics(topics.topics()).transactionalProducers(1).stateDir(stateDir);
        if (retention != null) {
            settings.statusRetention(retention);
        }
        IngestServer s = new IngestServer(settings.build(), () -> Set.of("gpt-4o-mini"), () -> true,
                Clock.systemUTC(), new SimpleMeterRegistry()).start();
        await().atMost(WAIT).until(s::ready);
        return s;
    }

    private static int activeTasks(HttpTestClient http) {
        return http.get("/health/ready").json().at("/status_store/active_tasks").asInt();
    }

    private static List<String> ids(JsonNode submission) {
        return idsIn(submission.path("jobs"));
    }

    /** The {@code id}s of an array's objects, in order. */
    private static List<String> idsIn(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(j -> ids.add(j.path("id").asText()));
        return ids;
    }

    private static JobResult succeededAfterARetry(String jobId) {
        Instant now = Instant.now();
        return new JobResult(1, jobId, null, null, null, "gpt-4o-mini", JobStatus.SUCCEEDED, StatusIT.completion("ok"),
                null, new TokenUsage(3, 2, 5, 0, 0), new java.math.BigDecimal("0.0001"), null, "mock-2", "openai", "gpt-4o-mini",
                List.of(new Attempt(1, "mock-1", "openai", "gpt-4o-mini", "server_error", 500, 7, now, "boom"),
                        new Attempt(2, "mock-2", "openai", "gpt-4o-mini", "ok", 200, 12, now, null)),
                19L, 4L, now, now, now, List.of(), null, null);
    }

    private static String status(HttpTestClient http, String jobId) {
        HttpTestClient.Response r = http.get("/v1/jobs/" + jobId);
        return r.status() == 200 ? r.json().path("status").asText() : "http " + r.status();
    }

    @Test
    void jobsSubmittedToOneInstanceAreFoundThroughEitherWithTheirRunningDetailAndAttempts() {
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            HttpTestClient.Response r = httpA.post("/v1/jobs", CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""),
                    "application/json");
            assertThat(r.status()).as(r.body()).isEqualTo(202);
            jobs.add(r.json().path("id").asText());
        }
        for (String id : jobs) {
            await().atMost(WAIT).until(() -> status(httpB, id).equals("queued") && status(httpA, id).equals("queued"));
        }

        for (String id : jobs) {
            fixture.sendStatus(new JobStatusEvent(1, id, null, JobStatus.RUNNING, "w-1", 1, Instant.now(), "run-1",
                    "mock-1", null));
            fixture.sendStatus(new JobStatusEvent(1, id, null, JobStatus.RUNNING, "w-1", 2, Instant.now(), "run-1",
                    "mock-2", 42));
        }
        for (String id : jobs) {
            for (HttpTestClient http : List.of(httpA, httpB)) {
                await().atMost(WAIT).until(() -> http.get("/v1/jobs/" + id).json().path("attempt").asInt() == 2);
                JsonNode running = http.get("/v1/jobs/" + id).json();
                assertThat(running.path("status").asText()).isEqualTo("running");
                assertThat(running.path("deployment").asText()).isEqualTo("mock-2");
                assertThat(running.path("run_id").asText()).isEqualTo("run-1");
                assertThat(running.path("tokens_so_far").asInt()).isEqualTo(42);
                assertThat(running.has("waiting")).as("a run that does not wait says nothing of it").isFalse();
            }
        }
        String why = "attempt 2 failed (server_error 500); the retry is due in 1.5 s";
        for (String id : jobs) {
            fixture.sendStatus(new JobStatusEvent(1, id, null, JobStatus.RUNNING, "w-1", 2, Instant.now(), "run-1",
                    "mock-2", 42, why));
        }
        for (String id : jobs) {
            for (HttpTestClient http : List.of(httpA, httpB)) {
                await().atMost(WAIT).until(() -> http.get("/v1/jobs/" + id).json().path("waiting").asText()
                        .equals(why));
            }
        }

        for (String id : jobs) {
            fixture.sendResult(succeededAfterARetry(id));
        }
        for (String id : jobs) {
            for (HttpTestClient http : List.of(httpA, httpB)) {
                await().atMost(WAIT).until(() -> status(http, id).equals("succeeded"));
                JsonNode done = http.get("/v1/jobs/" + id).json();
                assertThat(done.path("attempts").asInt()).isEqualTo(2);
                assertThat(done.path("attempt_history")).hasSize(2);
                assertThat(done.at("/attempt_history/0/deployment").asText()).isEqualTo("mock-1");
                assertThat(done.at("/attempt_history/0/outcome").asText()).isEqualTo("server_error");
                assertThat(done.at("/attempt_history/1/deployment").asText()).isEqualTo("mock-2");
                assertThat(done.path("attempt").isMissingNode()).isTrue();
            }
        }
        assertThat(httpB.get("/v1/jobs/job_unknown").status()).isEqualTo(404);
    }

    @Test
    void aBatchAndItsIdempotencyKeyAreAnsweredByTheOtherInstance() {
        StringBuilder nd = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            nd.append(CHAT.replace("{\"model\"", "{\"custom_id\":\"r" + i + "\",\"model\"")).append('\n');
        }
        HttpTestClient.Response first = httpA.post("/v1/jobs", nd.toString(), "application/x-ndjson",
                "Idempotency-Key", "store-key-1", "X-Llmq-Tenant", "acme");
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        String batch = first.json().path("batch_id").asText();

        for (HttpTestClient http : List.of(httpA, httpB)) {
            await().atMost(WAIT).until(() -> http.get("/v1/batches/" + batch).json().path("total").asInt() == 5);
        }
        fixture.sendResult(StatusIT.succeeded(ids(first.json()).get(3), batch, "three"));
        await().atMost(WAIT).until(() -> httpB.get("/v1/batches/" + batch).json().at("/counts/succeeded").asInt() == 1);
        List<String> lines = httpB.get("/v1/batches/" + batch + "/results").body().lines().toList();
        assertThat(lines).hasSize(1).first().asString().contains("\"custom_id\":\"r3\"");

        Map<TopicPartition, Long> before = fixture.jobsEndOffsets();
        HttpTestClient.Response retry = httpB.post("/v1/jobs", nd.toString(), "application/x-ndjson",
                "Idempotency-Key", "store-key-1", "X-Llmq-Tenant", "acme");
        assertThat(retry.status()).as(retry.body()).isEqualTo(202);
        assertThat(retry.raw().headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(ids(retry.json())).isEqualTo(ids(first.json()));
        assertThat(retry.json().path("batch_id").asText()).isEqualTo(batch);
        assertThat(retry.json().at("/jobs/4/custom_id").asText()).isEqualTo("r4");

        HttpTestClient.Response reused = httpB.post("/v1/jobs", CHAT, "application/json",
                "Idempotency-Key", "store-key-1", "X-Llmq-Tenant", "acme");
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.json().at("/error/code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(fixture.jobsEndOffsets()).isEqualTo(before);
    }

    /** The ids of a batch list page, its {@code has_more} and its {@code last_id}, as seen by {@code tenant}. */
    private static JsonNode batchPage(HttpTestClient http, String query, String tenant) {
        HttpTestClient.Response r = http.get("/v1/batches" + query, "X-Llmq-Tenant", tenant);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static List<String> pageIds(JsonNode page) {
        return idsIn(page.path("data"));
    }

    @Test
    void batchesSubmittedThroughEitherInstanceAreListedNewestFirstPageByPageForTheirTenantOnly() {
        String twoJobs = CHAT + "\n" + CHAT + "\n";
        List<String> submitted = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            HttpTestClient.Response r = (i % 2 == 0 ? httpA : httpB).post("/v1/jobs", twoJobs,
                    "application/x-ndjson", "X-Llmq-Tenant", "lister");
            assertThat(r.status()).as(r.body()).isEqualTo(202);
            submitted.add(r.json().path("batch_id").asText());
        }
        HttpTestClient.Response other = httpA.post("/v1/jobs", twoJobs, "application/x-ndjson",
                "X-Llmq-Tenant", "lister-2");
        String otherBatch = other.json().path("batch_id").asText();
        List<String> newestFirst = submitted.stream().sorted(Comparator.reverseOrder()).toList();

        for (HttpTestClient http : List.of(httpA, httpB)) {
            await().atMost(WAIT).until(() -> pageIds(batchPage(http, "?limit=100", "lister")).size() == 7);
            JsonNode all = batchPage(http, "", "lister");
            assertThat(all.path("object").asText()).isEqualTo("list");
            assertThat(pageIds(all)).isEqualTo(newestFirst);
            assertThat(all.path("first_id").asText()).isEqualTo(newestFirst.getFirst());
            assertThat(all.path("last_id").asText()).isEqualTo(newestFirst.getLast());
            assertThat(all.path("has_more").asBoolean()).isFalse();
            JsonNode newest = all.path("data").get(0);
            assertThat(newest.path("object").asText()).isEqualTo("batch");
            assertThat(newest.path("status").asText()).isEqualTo("in_progress");
            assertThat(newest.at("/request_counts/total").asInt()).isEqualTo(2);
        }

        // pages of three through the other instance: each starts after the last id of the one before
        List<String> paged = new ArrayList<>();
        List<Boolean> more = new ArrayList<>();
        String after = "";
        do {
            JsonNode page = batchPage(httpB, "?limit=3" + after, "lister");
            paged.addAll(pageIds(page));
            more.add(page.path("has_more").asBoolean());
            after = "&after=" + page.path("last_id").asText();
        } while (more.getLast());
        assertThat(paged).isEqualTo(newestFirst);
        assertThat(more).containsExactly(true, true, false);

        // another tenant's batch is not listed; the tenant sees its own
        await().atMost(WAIT).until(() -> pageIds(batchPage(httpB, "", "lister-2")).equals(List.of(otherBatch)));
        assertThat(pageIds(batchPage(httpA, "?limit=100", "lister"))).doesNotContain(otherBatch);
    }

    @Test
    void aBatchListWithBadParametersIsRefusedNamingTheParameter() {
        Map<String, String> refused = Map.of("?limit=0", "limit", "?limit=101", "limit", "?limit=ten", "limit",
                "?after=job_1", "after", "?before=batch_1", "before", "?limit=1&limit=2", "limit");
        refused.forEach((query, param) -> {
            HttpTestClient.Response r = httpA.get("/v1/batches" + query);
            assertThat(r.status()).as(query).isEqualTo(400);
            assertThat(r.json().at("/error/param").asText()).as(query).isEqualTo(param);
        });
    }

    @Test
    void theInternalRouteRefusesBadQueriesInTheErrorShape() {
        // the JSON null at the root reads as no query at all; once it was a 500
        for (String body : List.of("{\"job_ids\":[\"x\"],\"index_key\":\"b\"}",
                "{\"index_key\":\"b\",\"batch_id\":\"b\"}", "null", "{}", "[]", "", "{\"job_ids\":[null]}",
                "{\"job_ids\":null,\"index_key\":null}", "{\"batches\":{\"limit\":5}}",
                "{\"batches\":{\"limit\":0,\"all_tenants\":true}}")) {
            HttpTestClient.Response r = httpA.post("/internal/v1/status", body, "application/json");
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.json().at("/error/code").asText()).as(body).isEqualTo("invalid_request");
        }
    }

    @Test
    void aRestartedInstanceAnswersFromItsStoreWithoutReadingTheTopicsAgain(KafkaCluster kafka, @TempDir Path dir) {
        // -Dllmq.it.restart_jobs=N (a multiple of 500) measures a bigger store; the figures are logged, not asserted
        int jobs = Integer.getInteger("llmq.it.restart_jobs", 2_000);
        try (TopicsFixture own = new TopicsFixture(kafka.bootstrapServers(), "restart")) {
            Path stateDir = dir.resolve("state");
            IngestServer first = server(kafka, own, "restart-a", stateDir, null);
            HttpTestClient http = new HttpTestClient(first.port());
            List<String> batches = new ArrayList<>();
            String firstJob = null;
            for (int n = 0; n < jobs / 500; n++) {
                String body = (CHAT + "\n").repeat(500);
                HttpTestClient.Response r = http.post("/v1/jobs", body, "application/x-ndjson");
                assertThat(r.status()).as(r.body()).isEqualTo(202);
                batches.add(r.json().path("batch_id").asText());
                firstJob = firstJob == null ? r.json().at("/jobs/0/id").asText() : firstJob;
            }
            for (String batch : batches) {
                await().atMost(WAIT).until(() -> http.get("/v1/batches/" + batch).json().path("total").asInt() == 500);
            }
            first.close();

            long t0 = System.nanoTime();
            try (IngestServer again = server(kafka, own, "restart-a", stateDir, null)) {
                Duration toReady = Duration.ofNanos(System.nanoTime() - t0);
                HttpTestClient http2 = new HttpTestClient(again.port());
                JsonNode store = http2.get("/health/ready").json().path("status_store");
                LOG.info("restart with {} jobs in the store: ready in {} ms, {} changelog records restored", jobs,
                        toReady.toMillis(), store.path("restored_records").asLong());
                // the store holds an entry per job and a few per batch: re-reading would restore thousands
                assertThat(store.path("restored_records").asLong()).isLessThan(jobs / 10);
                assertThat(status(http2, firstJob)).isEqualTo("queued");
                for (String batch : batches) {
                    assertThat(http2.get("/v1/batches/" + batch).json().path("total").asInt()).isEqualTo(500);
                }
            }

            // the same instance with an empty state directory restores the store from its changelogs instead
            long t1 = System.nanoTime();
            try (IngestServer fresh = server(kafka, own, "restart-a", dir.resolve("empty"), null)) {
                Duration toReady = Duration.ofNanos(System.nanoTime() - t1);
                JsonNode store = new HttpTestClient(fresh.port()).get("/health/ready").json().path("status_store");
                LOG.info("start with an empty state dir and {} jobs: ready in {} ms, {} changelog records restored",
                        jobs, toReady.toMillis(), store.path("restored_records").asLong());
                assertThat(store.path("restored_records").asLong()).isGreaterThanOrEqualTo(jobs);
                assertThat(status(new HttpTestClient(fresh.port()), firstJob)).isEqualTo("queued");
            }
        }
    }

    @Test
    void jobsBatchesAndIdempotencyKeysExpireAfterTheRetention(KafkaCluster kafka, @TempDir Path dir) {
        try (TopicsFixture own = new TopicsFixture(kafka.bootstrapServers(), "retention");
             IngestServer s = server(kafka, own, "retention-a", dir, Duration.ofSeconds(3))) {
            HttpTestClient http = new HttpTestClient(s.port());
            String body = "[" + CHAT + "," + CHAT + "]";
            HttpTestClient.Response first = http.post("/v1/jobs", body, "application/json", "Idempotency-Key", "old");
            assertThat(first.status()).isEqualTo(202);
            String job = first.json().at("/jobs/0/id").asText();
            String batch = first.json().path("batch_id").asText();
            await().atMost(WAIT).until(() -> status(http, job).equals("queued"));

            await().atMost(WAIT).until(() -> http.get("/v1/jobs/" + job).status() == 404
                    && http.get("/v1/batches/" + batch).status() == 404);
            HttpTestClient.Response again = http.post("/v1/jobs", body, "application/json", "Idempotency-Key", "old");
            assertThat(again.status()).isEqualTo(202);
            assertThat(again.raw().headers().firstValue("Idempotent-Replayed")).isEmpty();
            assertThat(ids(again.json())).doesNotContainAnyElementsOf(ids(first.json()));
        }
    }
}
