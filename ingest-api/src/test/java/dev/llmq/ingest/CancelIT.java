package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Cancelling a job or a batch: the control record on the compacted topic, and the refusals (404, 409, 400). */
@ExtendWith(KafkaClusterExtension.class)
class CancelIT {

    private static final String CHAT = SubmitIT.CHAT;
    private static TopicsFixture fixture;
    private static IngestServer server;
    private static HttpTestClient http;

    @BeforeAll
    static void start(KafkaCluster kafka) {
        fixture = new TopicsFixture(kafka.bootstrapServers(), "cancel");
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "cancel-a").port(0)
                .topics(fixture.topics()).transactionalProducers(1).build();
        server = new IngestServer(settings, () -> Set.of("gpt-4o-mini"), () -> true, Clock.systemUTC(),
                new SimpleMeterRegistry()).start();
        http = new HttpTestClient(server.port());
        await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/health/ready").status() == 200);
    }

    @AfterAll
    static void stop() {
        server.close();
        fixture.close();
    }

    @Test
    void cancellingAQueuedJobWritesAJobCancelRecordAndAnswers202WithTheJob() {
        String id = http.post("/v1/jobs", CHAT, "application/json").json().path("id").asText();

        HttpTestClient.Response r = http.post("/v1/jobs/" + id + "/cancel", "{\"reason\":\"user gave up\"}",
                "application/json");

        assertThat(r.status()).as(r.body()).isEqualTo(202);
        assertThat(r.json().path("id").asText()).isEqualTo(id);
        assertThat(r.json().path("object").asText()).isEqualTo("llmq.job");
        assertThat(r.json().path("status").asText()).isEqualTo("queued");
        assertThat(r.json().path("cancel_requested").asBoolean()).isTrue();
        // the broker acknowledged it before the answer: it is on the topic at once
        ConsumerRecord<String, byte[]> record = controlRecord(JobControlMessage.jobKey(id));
        assertThat(header(record, LlmqHeaders.CONTROL_TYPE)).isEqualTo(JobControlMessage.TYPE_CANCEL);
        assertThat(header(record, LlmqHeaders.CE_TYPE)).isEqualTo(LlmqHeaders.TYPE_CONTROL);
        assertThat(header(record, LlmqHeaders.CE_SOURCE)).isEqualTo("/llmq/ingest/cancel-a");
        JobControlMessage m = JsonSerde.jobControl().fromBytes(record.value());
        assertThat(m.type()).isEqualTo(JobControlMessage.TYPE_CANCEL);
        assertThat(m.jobId()).isEqualTo(id);
        assertThat(m.batchId()).isNull();
        assertThat(m.reason()).isEqualTo("user gave up");
        assertThat(m.key()).isEqualTo(record.key());
        // no worker here: the job stays queued, and any later look at it says its cancellation was asked
        await().atMost(Duration.ofSeconds(10))
                .until(() -> http.get("/v1/jobs/" + id).json().path("cancel_requested").asBoolean());
        HttpTestClient.Response later = http.get("/v1/jobs/" + id);
        assertThat(later.json().path("status").asText()).isEqualTo("queued");
        assertThat(later.json().path("cancelling_at").asLong()).isEqualTo(m.at().getEpochSecond());
    }

    @Test
    void aBodyIsOptional() {
        String id = http.post("/v1/jobs", CHAT, "application/json").json().path("id").asText();
        HttpTestClient.Response r = http.post("/v1/jobs/" + id + "/cancel", "", null);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        assertThat(JsonSerde.jobControl().fromBytes(controlRecord(JobControlMessage.jobKey(id)).value()).reason())
                .isNull();
    }

    @Test
    void cancellingAFinishedJobIs409NamingItsStatusAndWritesNothing() {
        String id = http.post("/v1/jobs", CHAT, "application/json").json().path("id").asText();
        fixture.sendResult(StatusIT.succeeded(id, null, "done"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> http.get("/v1/jobs/" + id).json().path("status").asText().equals("succeeded"));

        HttpTestClient.Response r = http.post("/v1/jobs/" + id + "/cancel", "", null);

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.raw().headers().firstValue("x-should-retry")).as("final: no SDK retry").hasValue("false");
        JsonNode error = r.json().path("error");
        assertThat(error.path("code").asText()).isEqualTo("job_finished");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).contains(id).contains("succeeded");
        assertThat(controlKeys()).doesNotContain(JobControlMessage.jobKey(id));
    }

    @Test
    void unknownJobsAndBatchesAre404() {
        HttpTestClient.Response job = http.post("/v1/jobs/job_nope/cancel", "", null);
        assertThat(job.status()).isEqualTo(404);
        assertThat(job.json().at("/error/code").asText()).isEqualTo("not_found");
        HttpTestClient.Response batch = http.post("/v1/batches/batch_nope/cancel", "", null);
        assertThat(batch.status()).isEqualTo(404);
        assertThat(batch.json().at("/error/message").asText()).contains("batch_nope");
        // OpenAI's code for an unknown batch, on cancel and on retrieve (openai-node's NotFoundError.code)
        assertThat(batch.json().at("/error/code").asText()).isEqualTo("batch_not_found");
        HttpTestClient.Response get = http.get("/v1/batches/batch_nope");
        assertThat(get.status()).isEqualTo(404);
        assertThat(get.json().at("/error/code").asText()).isEqualTo("batch_not_found");
    }

    @Test
    void aBadBodyIs400() {
        String id = http.post("/v1/jobs", CHAT, "application/json").json().path("id").asText();
        HttpTestClient.Response malformed = http.post("/v1/jobs/" + id + "/cancel", "{nope", "application/json");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().at("/error/code").asText()).isEqualTo("invalid_json");
        HttpTestClient.Response badReason = http.post("/v1/jobs/" + id + "/cancel", "{\"reason\":42}",
                "application/json");
        assertThat(badReason.status()).isEqualTo(400);
        assertThat(badReason.json().at("/error/param").asText()).isEqualTo("reason");
        HttpTestClient.Response text = http.post("/v1/jobs/" + id + "/cancel", "{\"reason\":\"x\"}", "text/plain");
        assertThat(text.status()).as("a body that is not JSON by its type").isEqualTo(415);
        assertThat(text.json().at("/error/message").asText()).contains("reason").doesNotContain("jobs");
        assertThat(controlKeys()).doesNotContain(JobControlMessage.jobKey(id));
    }

    @Test
    void aBatchIsCancelledWithOneRecordUntilEveryJobOfItFinished() {
        HttpTestClient.Response submitted = http.post("/v1/jobs", CHAT + "\n" + CHAT + "\n", "application/x-ndjson");
        String batch = submitted.json().path("batch_id").asText();
        List<String> ids = new ArrayList<>();
        submitted.json().path("jobs").forEach(j -> ids.add(j.path("id").asText()));
        fixture.sendResult(StatusIT.succeeded(ids.get(0), batch, "one"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> http.get("/v1/batches/" + batch).json().at("/counts/succeeded").asInt() == 1);

        HttpTestClient.Response r = http.post("/v1/batches/" + batch + "/cancel", "{\"reason\":\"stop\"}",
                "application/json");

        assertThat(r.status()).as(r.body()).isEqualTo(202);
        assertThat(r.json().path("object").asText()).isEqualTo("batch");
        assertThat(r.json().path("cancel_requested").asBoolean()).isTrue();
        assertThat(r.json().path("status").asText()).isEqualTo("cancelling");
        assertThat(r.json().path("total").asInt()).isEqualTo(2);
        JobControlMessage m = JsonSerde.jobControl()
                .fromBytes(controlRecord(JobControlMessage.batchKey(batch)).value());
        assertThat(m.batchId()).isEqualTo(batch);
        assertThat(m.jobId()).isNull();
        assertThat(m.reason()).isEqualTo("stop");

        // any later look at the batch says it is being cancelled: the ingest reads the request back from the topic
        await().atMost(Duration.ofSeconds(10))
                .until(() -> http.get("/v1/batches/" + batch).json().path("status").asText().equals("cancelling"));
        assertThat(http.get("/v1/batches/" + batch).json().path("cancelling_at").asLong())
                .isEqualTo(m.at().getEpochSecond());
        assertThat(http.get("/v1/jobs/" + ids.get(1)).json().path("cancel_requested").asBoolean())
                .as("its unfinished job, by the batch's cancellation").isTrue();
        assertThat(http.get("/v1/jobs/" + ids.get(0)).json().has("cancel_requested")).as("its finished job").isFalse();
        fixture.sendResult(StatusIT.failed(ids.get(1), batch));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> http.get("/v1/batches/" + batch).json().path("status").asText().equals("cancelled"));
        HttpTestClient.Response done = http.post("/v1/batches/" + batch + "/cancel", "", null);
        assertThat(done.status()).isEqualTo(409);
        assertThat(done.json().at("/error/code").asText()).isEqualTo("batch_finished");
        assertThat(done.raw().headers().firstValue("x-should-retry")).hasValue("false");
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Every record on the control topic up to its end now. */
    private static List<String> controlKeys() {
        return fixture.controlRecords().stream().map(ConsumerRecord::key).toList();
    }

    private static ConsumerRecord<String, byte[]> controlRecord(String key) {
        List<ConsumerRecord<String, byte[]>> found = fixture.controlRecords().stream().filter(r -> key.equals(r.key()))
                .toList();
        assertThat(found).as("records keyed %s", key).hasSize(1);
        return found.getFirst();
    }
}
