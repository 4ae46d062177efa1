package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Spend budgets at the door: exceeded budget states published on the control topic with a plain producer make
 * {@code POST /v1/jobs} answer 429 {@code budget_exceeded} with {@code Retry-After} for that tenant or tag (read at
 * start, and live), other tenants pass, a multi-job submission is refused whole, and at {@code resets_at} the tenant
 * passes again with no new message.
 */
@ExtendWith(KafkaClusterExtension.class)
class BudgetIT {

    private static final String CHAT = SubmitIT.CHAT;

    private TopicsFixture fixture;
    private KafkaProducer<String, byte[]> producer;
    private IngestServer server;
    private HttpTestClient http;

    @BeforeEach
    void topics(KafkaCluster kafka) {
        fixture = new TopicsFixture(kafka.bootstrapServers(), "budget");
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        producer.close(Duration.ofSeconds(5));
        fixture.close();
    }

    private BudgetMessage publish(String scope, String subject, String onExceeded, Instant resetsAt) throws Exception {
        Instant now = Instant.now();
        BudgetMessage m = new BudgetMessage(BudgetMessage.SCHEMA_VERSION, BudgetMessage.TYPE, scope, subject,
                new BigDecimal("10.00"), new BigDecimal("10.0042"), "1d", now.minus(Duration.ofHours(2)), resetsAt,
                true, onExceeded, "it", now);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(fixture.topics().control(), m.key(),
                JsonSerde.budget().toBytes(m));
        record.headers().add(LlmqHeaders.CONTROL_TYPE, BudgetMessage.TYPE.getBytes(StandardCharsets.UTF_8));
        producer.send(record).get();
        return m;
    }

    private HttpTestClient.Response submit(String tenant, String body, String contentType) {
        return http.post("/v1/jobs", body, contentType, "X-Llmq-Tenant", tenant);
    }

    private long jobsOf(String tenant) {
        return fixture.committedJobs().stream().filter(j -> tenant.equals(j.tenant())).count();
    }

    @Test
    void anExhaustedTenantGets429UntilTheResetOthersPass(KafkaCluster kafka) throws Exception {
        Instant resetsAt = Instant.now().plus(Duration.ofSeconds(12));
        BudgetMessage acme = publish(BudgetMessage.SCOPE_TENANT, "acme", BudgetMessage.ON_EXCEEDED_WAIT, resetsAt);
        server = SubmitIT.startServer(kafka, fixture, "budget-a"); // ready once the control topic is read
        http = new HttpTestClient(server.port());

        HttpTestClient.Response refused = submit("acme", CHAT, "application/json");

        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        JsonNode error = refused.json().path("error");
        assertThat(error.path("type").asText()).isEqualTo("budget_exceeded");
        assertThat(error.path("code").asText()).isEqualTo("budget_exceeded");
        assertThat(error.path("message").asText()).isEqualTo(acme.describe())
                .contains("tenant 'acme'").contains("USD 10.0042").contains("resets at " + resetsAt);
        long retryAfter = Long.parseLong(refused.raw().headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 12L);
        assertThat(refused.raw().headers().firstValue("x-should-retry")).as("OpenAI's SDKs would sleep until the reset")
                .hasValue("false");
        assertThat(submit("globex", CHAT, "application/json").status()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> submit("acme", CHAT, "application/json").status() == 202);
        assertThat(Instant.now()).as("passes again only at the reset").isAfterOrEqualTo(resetsAt);
        assertThat(jobsOf("acme")).isEqualTo(1);
    }

    @Test
    void aTagExhaustedWhileRunningRefusesAMultiJobSubmissionWhole(KafkaCluster kafka) throws Exception {
        server = SubmitIT.startServer(kafka, fixture, "budget-b");
        http = new HttpTestClient(server.port());
        String ndjson = CHAT.replace("{\"model\"", "{\"custom_id\":\"a\",\"model\"") + "\n"
                + CHAT.replace("{\"model\"", "{\"custom_id\":\"b\",\"tags\":[\"eval\"],\"model\"") + "\n";
        assertThat(submit("globex", ndjson, "application/x-ndjson").status()).isEqualTo(202);
        long before = jobsOf("globex");

        BudgetMessage eval = publish(BudgetMessage.SCOPE_TAG, "eval", BudgetMessage.ON_EXCEEDED_FAIL,
                Instant.now().plus(Duration.ofHours(3)));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> submit("globex", CHAT.replace("{\"model\"", "{\"tags\":[\"eval\"],\"model\""),
                        "application/json").status() == 429);
        HttpTestClient.Response refused = submit("globex", ndjson, "application/x-ndjson");

        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.json().at("/error/message").asText())
                .isEqualTo("job at index 1 (custom_id 'b'): " + eval.describe());
        assertThat(refused.json().at("/error/param").asText()).isEqualTo("[1]");
        assertThat(Long.parseLong(refused.raw().headers().firstValue("Retry-After").orElseThrow()))
                .isBetween(3 * 3600L - 60, 3 * 3600L);
        assertThat(jobsOf("globex")).as("nothing of a refused submission is enqueued").isEqualTo(before);
        assertThat(submit("globex", CHAT, "application/json").status()).as("untagged jobs pass").isEqualTo(202);
    }
}
