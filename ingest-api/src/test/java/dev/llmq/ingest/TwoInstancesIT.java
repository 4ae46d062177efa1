package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two ingest instances on one set of topics: a job submitted to one is found, streamed and cancelled through the other. */
@ExtendWith(KafkaClusterExtension.class)
class TwoInstancesIT {

    private static IngestPair ingests;

    @BeforeAll
    static void start(KafkaCluster kafka) {
        ingests = new IngestPair(kafka, "two", settings -> settings.streamTimeout(Duration.ofSeconds(30)));
    }

    @AfterAll
    static void stop() {
        ingests.close();
    }

    @Test
    void aJobSubmittedToOneIsStreamedAndCancelledThroughTheOther() {
        HttpTestClient.Response submitted = ingests.httpA.post("/v1/jobs",
                SubmitIT.CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""), "application/json");
        assertThat(submitted.status()).isEqualTo(202);
        String id = submitted.json().path("id").asText();
        // asked of the other at once: a job id made a moment ago is looked for again there, not a 404
        HttpTestClient.Response atOnce = ingests.httpB.get("/v1/jobs/" + id);
        assertThat(atOnce.status()).as(atOnce.body()).isEqualTo(200);

        ingests.fixture.sendChunk(new StreamChunk(1, id, 1, "r1", 0, StatusIT.delta("Hel"), Instant.now()));
        HttpRequest req = HttpRequest.newBuilder(URI.create(ingests.httpB.base() + "/v1/jobs/" + id + "/stream"))
                .timeout(Duration.ofSeconds(30)).GET().build();
        CompletableFuture<HttpResponse<Stream<String>>> stream = ingests.httpB.client().sendAsync(req,
                HttpResponse.BodyHandlers.ofLines());
        ingests.fixture.sendChunk(new StreamChunk(1, id, 1, "r1", 1, StatusIT.delta("lo"), Instant.now()));

        HttpTestClient.Response cancel = ingests.httpB.post("/v1/jobs/" + id + "/cancel", "{\"reason\":\"from b\"}",
                "application/json");
        assertThat(cancel.status()).as(cancel.body()).isEqualTo(202);
        assertThat(cancel.json().path("cancel_requested").asBoolean()).isTrue();
        JobControlMessage m = JsonSerde.jobControl().fromBytes(controlRecord(JobControlMessage.jobKey(id)).value());
        assertThat(m.jobId()).isEqualTo(id);
        assertThat(m.source()).isEqualTo("/llmq/ingest/two-b");

        ingests.fixture.sendResult(StatusIT.succeeded(id, null, "Hello"));
        List<String> data = stream.join().body().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(data.subList(0, data.size() - 1)).extracting(d -> json(d).at("/choices/0/delta/content").asText())
                .containsExactly("Hel", "lo");
    }

    private static ConsumerRecord<String, byte[]> controlRecord(String key) {
        try (KafkaConsumer<String, byte[]> c = ingests.fixture.consumer()) {
            TopicPartition tp = new TopicPartition(ingests.fixture.topics().control(), 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                c.poll(Duration.ofMillis(100)).forEach(r -> {
                    if (key.equals(r.key())) {
                        found.add(r);
                    }
                });
                return !found.isEmpty();
            });
            return found.getFirst();
        }
    }

    private static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aFileUploadedToOneInstanceIsABatchOnTheOtherWhichSaysWhatItWasCreatedWith() {
        byte[] form = FilesIT.form(java.util.Map.of("purpose", "batch"), "two.jsonl",
                (FilesIT.line("t-1", "hi") + FilesIT.line("t-2", "ho")).getBytes(StandardCharsets.UTF_8));
        HttpTestClient.Response file = FilesIT.upload(ingests.httpA, form);
        assertThat(file.status()).as(file.body()).isEqualTo(200);
        String fileId = file.json().path("id").asText();
        // the other instance's table has it as soon as it read the files topic
        await().atMost(Duration.ofSeconds(10)).until(() -> ingests.httpB.get("/v1/files/" + fileId).status() == 200);
        assertThat(ingests.httpB.get("/v1/files/" + fileId + "/content").body()).contains("\"t-2\"");

        HttpTestClient.Response created = ingests.httpB.post("/v1/batches", "{\"input_file_id\":\"" + fileId
                + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"1h\"}", "application/json");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        String batchId = created.json().path("id").asText();
        // as an SDK asks right after creating it, through either instance
        HttpTestClient.Response atOnce = ingests.httpA.get("/v1/batches/" + batchId);
        assertThat(atOnce.status()).as(atOnce.body()).isEqualTo(200);
        assertThat(atOnce.json().at("/request_counts/total").asInt()).isEqualTo(2);
        // one instance holds the batch's parts and reads them; the other asks it over the internal route
        for (HttpTestClient http : List.of(ingests.httpA, ingests.httpB)) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode batch = http.get("/v1/batches/" + batchId).json();
                assertThat(batch.path("input_file_id").asText()).isEqualTo(fileId);
                assertThat(batch.path("completion_window").asText()).isEqualTo("1h");
                assertThat(batch.at("/request_counts/total").asInt()).isEqualTo(2);
            });
        }
        assertThat(FilesIT.delete(ingests.httpB, "/v1/files/" + fileId).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> ingests.httpA.get("/v1/files/" + fileId).status() == 404);
    }
}
