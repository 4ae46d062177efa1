package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TraceContext;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** POST /v1/jobs against a real broker: what lands on the jobs topic, and that bad input lands nothing. */
@ExtendWith(KafkaClusterExtension.class)
class SubmitIT {

    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static TopicsFixture fixture;
    private static IngestServer server;
    private static HttpTestClient http;
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void start(KafkaCluster kafka) {
        fixture = new TopicsFixture(kafka.bootstrapServers(), "submit");
        server = startServer(kafka, fixture, "submit-a");
        http = new HttpTestClient(server.port());
    }

    static IngestServer startServer(KafkaCluster kafka, TopicsFixture fixture, String instance) {
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), instance).port(0)
                .topics(fixture.topics()).transactionalProducers(2).maxBodyBytes(64 * 1024).build();
        return startServer(settings, registry);
    }

    /** A started server of the groups gpt-4o-mini and gpt-4o, once it is ready. */
    static IngestServer startServer(IngestSettings settings, SimpleMeterRegistry registry) {
        return startReady(settings, Set.of("gpt-4o-mini", "gpt-4o"), registry);
    }

    /** Starts an ingest server serving {@code groups} and waits until it is ready. */
    static IngestServer startReady(IngestSettings settings, Set<String> groups, MeterRegistry registry) {
        IngestServer s = new IngestServer(settings, () -> groups, () -> true, Clock.systemUTC(), registry).start();
        await().atMost(Duration.ofSeconds(30)).until(s::ready);
        return s;
    }

    @AfterAll
    static void stop() {
        server.close();
        fixture.close();
    }

    private static Map<String, JobRequest> jobsById() {
        return fixture.committedJobs().stream().collect(Collectors.toMap(JobRequest::jobId, j -> j, (a, b) -> a));
    }

    private static List<String> ids(JsonNode submission) {
        List<String> ids = new ArrayList<>();
        submission.path("jobs").forEach(j -> ids.add(j.path("id").asText()));
        return ids;
    }

    @Test
    void singleJobLandsKeyedByItsIdWithACleanBodyAndHeaders() {
        String body = CHAT.replace("{\"model\"", "{\"custom_id\":\"one\",\"tags\":[\"t\"],\"metadata\":{\"k\":\"v\"},"
                + "\"stream\":true,\"model\"");
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        HttpTestClient.Response r = http.post("/v1/jobs", body, "application/json",
                "X-Llmq-Tenant", "team-a", "traceparent", traceparent, "tracestate", "congo=t61rcWkgMzE");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        assertThat(r.raw().headers().firstValue("traceparent")).as("echoed").hasValue(traceparent);
        JsonNode json = r.json();
        assertThat(json.path("object").asText()).isEqualTo("llmq.job.submission");
        assertThat(json.path("count").asInt()).isEqualTo(1);
        assertThat(json.path("batch_id")).isEqualTo(NullNode.getInstance());
        String id = json.path("id").asText();
        assertThat(ids(json)).containsExactly(id);
        assertThat(json.at("/jobs/0/custom_id").asText()).isEqualTo("one");
        assertThat(json.at("/jobs/0/status").asText()).isEqualTo("queued");

        ConsumerRecord<String, byte[]> record = fixture.committedJobRecords().stream()
                .filter(rec -> id.equals(rec.key())).findFirst().orElseThrow();
        JobRequest job = JsonSerde.jobRequest().fromBytes(record.value());
        assertThat(job.jobId()).isEqualTo(id);
        assertThat(job.tenant()).isEqualTo("team-a");
        assertThat(job.customId()).isEqualTo("one");
        assertThat(job.stream()).isTrue();
        assertThat(job.tags()).containsExactly("t");
        assertThat(job.metadata()).containsEntry("k", "v");
        assertThat(job.body().fieldNames()).toIterable().containsExactly("stream", "model", "messages");
        assertThat(header(record, LlmqHeaders.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(header(record, LlmqHeaders.CE_TYPE)).isEqualTo(LlmqHeaders.TYPE_JOB);
        assertThat(header(record, LlmqHeaders.CE_ID)).isEqualTo(id);
        assertThat(header(record, LlmqHeaders.TRACEPARENT)).isEqualTo(traceparent);
        assertThat(header(record, LlmqHeaders.TRACESTATE)).isEqualTo("congo=t61rcWkgMzE");

        JsonNode status = http.get("/v1/jobs/" + id).json();
        assertThat(status.path("status").asText()).isEqualTo("queued");
        assertThat(status.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(registry.get("llmq.jobs.submitted").counter().count()).isPositive();
        assertThat(registry.get("llmq.ingest.submission.duration").timer().count()).isPositive();
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void arrayLandsAsOneBatchKeyedByJobIds() {
        String body = "[" + CHAT + "," + CHAT.replace("gpt-4o-mini", "gpt-4o") + "," + CHAT + "]";
        HttpTestClient.Response r = http.post("/v1/jobs", body, "application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        String batchId = r.json().path("batch_id").asText();
        assertThat(batchId).startsWith("batch_");
        List<String> ids = ids(r.json());
        assertThat(ids).hasSize(3).doesNotHaveDuplicates();
        Map<String, JobRequest> landed = jobsById();
        assertThat(landed).containsKeys(ids.toArray(String[]::new));
        assertThat(ids.stream().map(landed::get).map(JobRequest::modelGroup))
                .containsExactly("gpt-4o-mini", "gpt-4o", "gpt-4o-mini");
        assertThat(ids.stream().map(landed::get).map(JobRequest::batchId)).containsOnly(batchId);
    }

    @Test
    void aBatchWithoutAValidTraceparentStartsATraceItsJobsShareAndThe202Echoes() {
        String body = "[" + CHAT + "," + CHAT + "]";
        HttpTestClient.Response none = http.post("/v1/jobs", body, "application/json");
        HttpTestClient.Response invalid = http.post("/v1/jobs", body, "application/json",
                "traceparent", "00-00000000000000000000000000000000-b7ad6b7169203331-01");
        for (HttpTestClient.Response r : List.of(none, invalid)) {
            assertThat(r.status()).as(r.body()).isEqualTo(202);
            String echoed = r.raw().headers().firstValue("traceparent").orElseThrow();
            assertThat(TraceContext.isValid(echoed)).as(echoed).isTrue();
            List<String> ids = ids(r.json());
            assertThat(fixture.committedJobRecords().stream().filter(rec -> ids.contains(rec.key()))
                    .map(rec -> header(rec, LlmqHeaders.TRACEPARENT)).toList()).hasSize(2).containsOnly(echoed);
        }
        assertThat(none.raw().headers().firstValue("traceparent"))
                .isNotEqualTo(invalid.raw().headers().firstValue("traceparent"));
    }

    @Test
    void interactiveJobsLandOnTheInteractiveTopicInTheSameTransaction() {
        String body = "[" + CHAT.replace("{\"model\"", "{\"priority\":\"interactive\",\"model\"") + ","
                + CHAT.replace("{\"model\"", "{\"priority\":\"batch\",\"model\"") + ","
                + CHAT.replace("{\"model\"", "{\"priority\":2,\"model\"") + "," + CHAT + "]";
        HttpTestClient.Response r = http.post("/v1/jobs", body, "application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        List<String> ids = ids(r.json());
        Set<String> interactive = fixture.committedRecords(fixture.topics().jobsInteractive()).stream()
                .map(ConsumerRecord::key).collect(Collectors.toSet());
        Set<String> batch = fixture.committedRecords(fixture.topics().jobs()).stream()
                .map(ConsumerRecord::key).collect(Collectors.toSet());
        assertThat(interactive).contains(ids.get(0), ids.get(2)).doesNotContain(ids.get(1), ids.get(3));
        assertThat(batch).contains(ids.get(1), ids.get(3)).doesNotContain(ids.get(0), ids.get(2));
    }

    @Test
    void ndjsonOfBatchInputLinesLandsWithCustomIds() {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            body.append("{\"custom_id\":\"req-").append(i)
                    .append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":").append(CHAT).append("}\n");
        }
        HttpTestClient.Response r = http.post("/v1/jobs", body.toString(), "application/x-ndjson");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        assertThat(r.json().path("count").asInt()).isEqualTo(5);
        List<String> ids = ids(r.json());
        Map<String, JobRequest> landed = jobsById();
        assertThat(ids.stream().map(landed::get).map(JobRequest::customId))
                .containsExactly("req-0", "req-1", "req-2", "req-3", "req-4");
        assertThat(landed.get(ids.getFirst()).body().fieldNames()).toIterable().doesNotContain("custom_id");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON         | application/json     | {"model":"gpt-4o-mini","messages":[              | invalid_json
            not a chat request     | application/json     | {"prompt":"hello"}                               | missing_required_parameter
            missing model          | application/json     | {"messages":[{"role":"user","content":"hi"}]}    | missing_required_parameter
            missing messages       | application/json     | {"model":"gpt-4o-mini"}                          | missing_required_parameter
            unconfigured model     | application/json     | {"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}   | model_not_found
            bad stream             | application/json     | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":1} | invalid_type
            bad ndjson line        | application/x-ndjson | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}\\n{"model":"gpt-4o"} | missing_required_parameter
            bad array element      | application/json     | [{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]},{"model":"x","messages":[{"role":"user","content":"hi"}]}] | model_not_found
            """)
    void eachBadInputGets400AndEnqueuesNothing(String name, String contentType, String body, String code) {
        Map<TopicPartition, Long> before = fixture.jobsEndOffsets();
        HttpTestClient.Response r = http.post("/v1/jobs", body.replace("\\n", "\n"), contentType);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(r.json().at("/error/code").asText()).isEqualTo(code);
        assertThat(fixture.jobsEndOffsets()).isEqualTo(before);
    }

    @Test
    void bodyOverTheLimitGets413AndEnqueuesNothing() {
        Map<TopicPartition, Long> before = fixture.jobsEndOffsets();
        HttpTestClient.Response r = http.post("/v1/jobs", CHAT.replace("hi", "x".repeat(70_000)), "application/json");
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().at("/error/code").asText()).isEqualTo("request_too_large");
        assertThat(fixture.jobsEndOffsets()).isEqualTo(before);
    }

    /**
     * A client that sends a whole body over the limit before reading (as most do) gets the 413: the server reads the
     * body to its end (up to {@link IngestServer#SWALLOW_BYTES}) rather than closing on unread data, which reset the
     * connection under the client's writes and lost the answer (seen as "header parser received no bytes").
     */
    @Test
    void aClientStillSendingABodyOverTheLimitReadsThe413() throws Exception {
        Map<TopicPartition, Long> before = fixture.jobsEndOffsets();
        // just under what the server reads of a refused body (IngestServer.SWALLOW_BYTES, 2 MiB)
        byte[] body = CHAT.replace("hi", "x".repeat(2 * 1024 * 1024 - 64 * 1024)).getBytes(StandardCharsets.UTF_8);
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.setSendBufferSize(8 * 1024); // the body is still on its way when the answer is ready
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(answer).isEqualTo("HTTP/1.1 413");
        }
        assertThat(fixture.jobsEndOffsets()).isEqualTo(before);
    }

    @Test
    void ndjsonWithALaterInvalidLineEnqueuesNoneOfIt() {
        Map<TopicPartition, Long> before = fixture.jobsEndOffsets();
        String body = (CHAT + "\n").repeat(16) + "{\"model\":\"gpt-4o-mini\",\"messages\":[]}\n" + CHAT + "\n";
        HttpTestClient.Response r = http.post("/v1/jobs", body, "application/x-ndjson");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/error/param").asText()).isEqualTo("line 17: messages");
        assertThat(r.json().at("/error/message").asText()).startsWith("line 17:");
        assertThat(fixture.jobsEndOffsets()).isEqualTo(before);
    }

    @Test
    void idempotencyKeyRetryReturnsTheSameJobsAndEnqueuesNothingNew() {
        String body = "[" + CHAT + "," + CHAT + "]";
        HttpTestClient.Response first = http.post("/v1/jobs", body, "application/json", "Idempotency-Key", "key-1");
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        Map<TopicPartition, Long> after = fixture.jobsEndOffsets();

        HttpTestClient.Response retry = http.post("/v1/jobs", body, "application/json", "Idempotency-Key", "key-1");
        assertThat(retry.status()).isEqualTo(202);
        assertThat(retry.raw().headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(ids(retry.json())).isEqualTo(ids(first.json()));
        assertThat(retry.json().path("batch_id").asText()).isEqualTo(first.json().path("batch_id").asText());
        assertThat(fixture.jobsEndOffsets()).isEqualTo(after);
        assertThat(fixture.committedJobs()).filteredOn(j -> "key-1".equals(j.idempotencyKey()))
                .extracting(JobRequest::jobId).containsExactlyInAnyOrderElementsOf(ids(first.json()));

        HttpTestClient.Response other = http.post("/v1/jobs", "[" + CHAT + "]", "application/json",
                "Idempotency-Key", "key-1");
        assertThat(other.status()).isEqualTo(422);
        assertThat(other.json().at("/error/code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(fixture.jobsEndOffsets()).isEqualTo(after);

        HttpTestClient.Response otherTenant = http.post("/v1/jobs", body, "application/json",
                "Idempotency-Key", "key-1", "X-Llmq-Tenant", "someone-else");
        assertThat(otherTenant.status()).isEqualTo(202);
        assertThat(ids(otherTenant.json())).doesNotContainAnyElementsOf(ids(first.json()));
    }

    @Test
    void concurrentRetriesWithOneKeyEnqueueOneSet() {
        String body = "[" + CHAT + "," + CHAT + "," + CHAT + "]";
        List<java.util.concurrent.CompletableFuture<HttpTestClient.Response>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> http.post("/v1/jobs", body, "application/json", "Idempotency-Key", "key-concurrent")));
        }
        List<HttpTestClient.Response> responses = calls.stream().map(java.util.concurrent.CompletableFuture::join).toList();
        assertThat(responses).extracting(HttpTestClient.Response::status).containsOnly(202);
        List<String> firstIds = ids(responses.getFirst().json());
        assertThat(responses).allSatisfy(r -> assertThat(ids(r.json())).isEqualTo(firstIds));
        fixture.jobsEndOffsets();
        assertThat(fixture.committedJobs()).filteredOn(j -> "key-concurrent".equals(j.idempotencyKey()))
                .extracting(JobRequest::jobId).containsExactlyInAnyOrderElementsOf(firstIds);
    }

    @Test
    void anotherInstanceRebuildsTheIdempotencyMappingFromTheTopic(KafkaCluster kafka) {
        HttpTestClient.Response first = http.post("/v1/jobs", CHAT, "application/json", "Idempotency-Key", "key-2");
        assertThat(first.status()).isEqualTo(202);
        try (IngestServer second = startServer(kafka, fixture, "submit-b")) {
            Map<TopicPartition, Long> before = fixture.jobsEndOffsets();
            // right after it is ready, the second instance's joining may still move store partitions to it (a
            // follow-up rebalance): the lookup waits for them instead of answering 503 not_ready
            HttpTestClient.Response retry = new HttpTestClient(second.port())
                    .post("/v1/jobs", CHAT, "application/json", "Idempotency-Key", "key-2");
            assertThat(retry.status()).as(retry.body()).isEqualTo(202);
            assertThat(retry.json().path("id").asText()).isEqualTo(first.json().path("id").asText());
            assertThat(fixture.jobsEndOffsets()).isEqualTo(before);
        }
    }

    @Test
    void aCompletionWindowBecomesTheJobsDeadlineAndGetShowsItAsExpiresAt() {
        HttpTestClient.Response r = http.post("/v1/jobs",
                CHAT.replace("{\"model\"", "{\"completion_window\":\"1h\",\"model\""), "application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        String id = r.json().path("id").asText();

        JobRequest landed = jobsById().get(id);
        assertThat(landed.deadline()).isEqualTo(landed.submittedAt().plus(Duration.ofHours(1)));
        assertThat(landed.body().has("completion_window")).isFalse();
        JsonNode job = http.get("/v1/jobs/" + id).json();
        assertThat(job.path("expires_at").asLong()).isEqualTo(landed.deadline().getEpochSecond());

        HttpTestClient.Response plain = http.post("/v1/jobs", CHAT, "application/json");
        assertThat(http.get("/v1/jobs/" + plain.json().path("id").asText()).json().path("expires_at"))
                .isEqualTo(NullNode.getInstance());
    }

    @Test
    void anExpiryAlreadyPastGets400AndEnqueuesNothing() {
        Map<TopicPartition, Long> before = fixture.jobsEndOffsets();
        String past = Instant.now().minusSeconds(5).toString();
        HttpTestClient.Response r = http.post("/v1/jobs",
                CHAT.replace("{\"model\"", "{\"expires_at\":\"" + past + "\",\"model\""), "application/json");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/error/param").asText()).isEqualTo("expires_at");
        assertThat(r.json().at("/error/message").asText()).contains("already past");
        assertThat(fixture.jobsEndOffsets()).isEqualTo(before);
    }
}
