package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.EmbeddedKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A broker that goes away: submissions get 503 (never 202) within the configured Kafka timeout, and so do a stream
 * (before its first byte) and a cancellation.
 */
class KafkaDownIT {

    private static final String CHAT = SubmitIT.CHAT;

    @Test
    void brokerStoppedGives503ForSingleAndMultiJobSubmissions() {
        EmbeddedKafka kafka = EmbeddedKafka.builder().build().start();
        IngestServer server = null;
        try {
            TopicsFixture fixture = new TopicsFixture(kafka.bootstrapServers(), "down");
            fixture.close();
            IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "down-a").port(0)
                    .topics(fixture.topics()).transactionalProducers(1)
                    .kafkaTimeout(Duration.ofMillis(1500)).build();
            server = new IngestServer(settings, () -> Set.of("gpt-4o-mini"), () -> true, Clock.systemUTC(),
                    new SimpleMeterRegistry()).start();
            await().atMost(Duration.ofSeconds(30)).until(server::ready);
            HttpTestClient http = new HttpTestClient(server.port());
            assertThat(http.post("/v1/jobs", CHAT, "application/json").status()).isEqualTo(202);
            assertThat(http.post("/v1/jobs", "[" + CHAT + "," + CHAT + "]", "application/json").status()).isEqualTo(202);
            HttpTestClient.Response streaming = http.post("/v1/jobs",
                    CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""), "application/json");
            assertThat(streaming.status()).isEqualTo(202);
            String streamingId = streaming.json().path("id").asText();
            byte[] lines = FilesIT.line("f-1", "hi").getBytes(StandardCharsets.UTF_8);
            HttpTestClient.Response file = upload(http, lines);
            assertThat(file.status()).as(file.body()).isEqualTo(200);
            String fileId = file.json().path("id").asText();

            kafka.close();

            // a file is neither kept nor read back, nor made a batch, without Kafka
            HttpTestClient.Response upload = upload(http, lines);
            assertThat(upload.status()).as(upload.body()).isEqualTo(503);
            assertThat(upload.json().at("/error/code").asText()).isEqualTo("kafka_unavailable");
            HttpTestClient.Response content = http.get("/v1/files/" + fileId + "/content");
            assertThat(content.status()).as(content.body()).isEqualTo(503);
            HttpTestClient.Response batch = http.post("/v1/batches", "{\"input_file_id\":\"" + fileId
                    + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}", "application/json");
            assertThat(batch.status()).as(batch.body()).isEqualTo(503);

            HttpTestClient.Response stream = http.get("/v1/jobs/" + streamingId + "/stream");
            assertThat(stream.status()).as(stream.body()).isEqualTo(503);
            assertThat(stream.json().at("/error/code").asText()).isEqualTo("kafka_unavailable");
            HttpTestClient.Response cancel = http.post("/v1/jobs/" + streamingId + "/cancel", "", null);
            assertThat(cancel.status()).as(cancel.body()).isEqualTo(503);
            assertThat(cancel.json().at("/error/code").asText()).isEqualTo("kafka_unavailable");

            HttpTestClient.Response single = http.post("/v1/jobs", CHAT, "application/json");
            assertThat(single.status()).as(single.body()).isEqualTo(503);
            assertThat(single.json().at("/error/code").asText()).isEqualTo("kafka_unavailable");
            HttpTestClient.Response multi = http.post("/v1/jobs", "[" + CHAT + "," + CHAT + "]", "application/json");
            assertThat(multi.status()).as(multi.body()).isEqualTo(503);
            assertThat(multi.json().at("/error/code").asText()).isEqualTo("kafka_unavailable");
        } finally {
            if (server != null) {
                server.close();
            }
            kafka.close();
        }
    }

    private static HttpTestClient.Response upload(HttpTestClient http, byte[] lines) {
        return FilesIT.upload(http, FilesIT.form(Map.of("purpose", "batch"), "f.jsonl", lines));
    }
}
