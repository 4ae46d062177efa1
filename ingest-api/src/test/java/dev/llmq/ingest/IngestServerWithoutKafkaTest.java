package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.ingest.internal.JobPublisher;
import dev.llmq.schemas.LogContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The HTTP surface with Kafka unreachable: error shapes, the size limit, 503 instead of 202, readiness. */
class IngestServerWithoutKafkaTest {

    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static IngestServer server;
    private static HttpTestClient http;
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void start() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        IngestSettings settings = IngestSettings.builder("127.0.0.1:" + closedPort, "no-kafka")
                .port(0).kafkaTimeout(Duration.ofSeconds(1)).maxBodyBytes(4096).build();
        server = new IngestServer(settings, () -> Set.of("gpt-4o-mini", "azure/gpt-4o"), () -> true,
                Clock.systemUTC(), registry).start();
        http = new HttpTestClient(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void assertOpenAiError(HttpTestClient.Response r, int status, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode error = r.json().path("error");
        assertThat(error.isObject()).as(r.body()).isTrue();
        assertThat(error.fieldNames()).toIterable().containsExactly("message", "type", "param", "code");
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.path("code").asText()).isEqualTo(code);
    }

    @Test
    void theModelGroupsAreOpenAisModelList() {
        HttpTestClient.Response list = http.get("/v1/models");
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        assertThat(list.json().path("object").asText()).isEqualTo("list");
        assertThat(list.json().path("data").findValuesAsText("id")).containsExactly("azure/gpt-4o", "gpt-4o-mini");
        assertThat(list.json().path("data").path(0).fieldNames()).toIterable()
                .containsExactly("id", "object", "created", "owned_by");

        HttpTestClient.Response one = http.get("/v1/models/azure/gpt-4o");
        assertThat(one.status()).as(one.body()).isEqualTo(200);
        assertThat(one.json().path("id").asText()).isEqualTo("azure/gpt-4o");
        assertThat(one.json().path("object").asText()).isEqualTo("model");
        assertOpenAiError(http.get("/v1/models/o3"), 404, "model_not_found");
    }

    @Test
    void kafkaUnreachableGives503NeverA202() {
        HttpTestClient.Response single = http.post("/v1/jobs", CHAT, "application/json");
        assertOpenAiError(single, 503, "kafka_unavailable");
        assertThat(single.json().at("/error/type").asText()).isEqualTo("service_unavailable");

        HttpTestClient.Response batch = http.post("/v1/jobs", CHAT + "\n" + CHAT, "application/x-ndjson");
        assertOpenAiError(batch, 503, "kafka_unavailable");
        assertThat(batch.raw().headers().firstValue("x-should-retry")).as("Kafka may be back soon: SDKs retry")
                .isEmpty();
        assertThat(registry.get("llmq.ingest.rejected").tag("reason", "kafka_unavailable").counter().count())
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void whileASubmissionIsHandledTheLogContextHoldsItsTraceIdAndTheAnswerEchoesTheTrace() {
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        Logger publisher = (Logger) LoggerFactory.getLogger(JobPublisher.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        publisher.addAppender(events);
        try {
            HttpTestClient.Response r = http.post("/v1/jobs", CHAT, "application/json", "traceparent", traceparent);

            assertOpenAiError(r, 503, "kafka_unavailable");
            assertThat(r.raw().headers().firstValue("traceparent")).hasValue(traceparent);
            assertThat(events.list).as("the publisher's warning").isNotEmpty().allSatisfy(e ->
                    assertThat(e.getMDCPropertyMap()).containsEntry(LogContext.TRACE_ID,
                            "0af7651916cd43dd8448eb211c80319c"));
        } finally {
            publisher.detachAppender(events);
        }
    }

    @Test
    void badInputIsRejectedBeforeKafkaIsAsked() {
        HttpTestClient.Response r = http.post("/v1/jobs", "{\"model\":\"gpt-4o-mini\"}", "application/json");
        assertOpenAiError(r, 400, "missing_required_parameter");
        assertThat(r.json().at("/error/param").asText()).isEqualTo("messages");
        assertThat(r.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(registry.get("llmq.ingest.rejected").tag("reason", "invalid_request").counter().count()).isPositive();
    }

    @Test
    void bodyOverTheLimitGets413RequestTooLarge() {
        String big = CHAT.replace("hi", "x".repeat(5000));
        assertOpenAiError(http.post("/v1/jobs", big, "application/json"), 413, "request_too_large");
    }

    @Test
    void chunkedBodyOverTheLimitIsCutOffWhileReading() {
        byte[] big = CHAT.replace("hi", "x".repeat(50_000)).getBytes(StandardCharsets.UTF_8);
        assertOpenAiError(http.send(chunkedPost(big)), 413, "request_too_large");
    }

    /** A POST of {@code body} to {@code /v1/jobs} without a length: sent chunked. */
    private static HttpRequest.Builder chunkedPost(byte[] body) {
        return HttpRequest.newBuilder(URI.create(http.base() + "/v1/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)));
    }

    @Test
    void aBodyIsReadWholeAtItsDeclaredLengthAndChunked() {
        // valid, so it gets as far as Kafka (503): a body read short would be a 400 before that
        String chat = CHAT.replace("hi", "y".repeat(3000));
        assertOpenAiError(http.post("/v1/jobs", chat, "application/json"), 503, "kafka_unavailable");
        assertOpenAiError(http.send(chunkedPost(chat.getBytes(StandardCharsets.UTF_8))), 503, "kafka_unavailable");
    }

    @Test
    void aResponseLargerThanTheCopyBufferArrivesWhole() {
        StringBuilder scrape = new StringBuilder();
        for (int i = 0; scrape.length() < 5 * IngestServer.RESPONSE_COPY_BYTES; i++) {
            scrape.append("llmq_test_series{n=\"").append(i).append("\"} ").append(i).append(".0\n");
        }
        server.exposeMetrics(scrape::toString);
        HttpTestClient.Response metrics = http.get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.body()).isEqualTo(scrape.toString());
    }

    @Test
    void unknownRoutesAndWrongMethodsUseTheErrorShape() {
        assertOpenAiError(http.get("/v2/nothing"), 404, "not_found");
        HttpTestClient.Response jobs = http.get("/v1/jobs");
        assertOpenAiError(jobs, 405, "method_not_allowed");
        assertThat(jobs.raw().headers().firstValue("Allow")).hasValue("POST");
        HttpTestClient.Response live = http.post("/health/live", "", null);
        assertOpenAiError(live, 405, "method_not_allowed");
        assertThat(live.raw().headers().firstValue("Allow")).hasValue("GET");
        assertThat(http.post("/v1/files/file-1", "", null).raw().headers().firstValue("Allow"))
                .hasValue("GET, DELETE");
    }

    /** An OpenAI client pointed at llmq for a synchronous chat completion is told where llmq takes it. */
    @Test
    void openAisSynchronousRoutesSayWhereLlmqTakesTheirWork() {
        HttpTestClient.Response chat = http.post("/v1/chat/completions", "{}", "application/json");
        assertOpenAiError(chat, 404, "not_found");
        assertThat(chat.json().path("error").path("message").asText()).contains("POST /v1/jobs", "POST /v1/batches");
        HttpTestClient.Response embeddings = http.post("/v1/embeddings", "{}", "application/json");
        assertOpenAiError(embeddings, 404, "not_found");
        assertThat(embeddings.json().path("error").path("message").asText()).contains("chat completions only");
        assertThat(http.get("/v2/nothing").json().path("error").path("message").asText())
                .isEqualTo("no route for GET /v2/nothing");
    }

    @Test
    void withoutKafkaTheStatusStoreCannotTellSoLookupsAre503() {
        assertOpenAiError(http.get("/v1/jobs/job_unknown"), 503, "status_unavailable");
        assertOpenAiError(http.get("/v1/batches/batch_unknown"), 503, "status_unavailable");
        assertOpenAiError(http.get("/v1/batches/batch_unknown/results"), 503, "status_unavailable");
        assertOpenAiError(http.get("/v1/batches"), 503, "status_unavailable");
    }

    @Test
    void metricsAreServedOnlyOnceAScrapeIsExposed() {
        assertOpenAiError(http.get("/metrics"), 404, "not_found");
        server.exposeMetrics(() -> "# TYPE llmq_jobs_submitted_total counter\nllmq_jobs_submitted_total 0.0\n");
        HttpTestClient.Response metrics = http.get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).startsWith("text/plain");
        assertThat(metrics.body()).contains("llmq_jobs_submitted_total 0.0");
    }

    @Test
    void withoutAUsageAggregatorUsageIs503SayingHowToConfigureOne() {
        HttpTestClient.Response r = http.get("/v1/usage?group_by=model&window=total");
        assertOpenAiError(r, 503, "usage_unavailable");
        assertThat(r.json().at("/error/type").asText()).isEqualTo("service_unavailable");
        assertThat(r.json().at("/error/message").asText()).contains("no usage aggregator is configured")
                .contains("llmq.ingest.usage_url");
        assertThat(r.raw().headers().firstValue("x-should-retry")).as("not until reconfigured").hasValue("false");
        // the parameters are still checked first
        assertOpenAiError(http.get("/v1/usage?group_by=model&window=2h"), 400, "invalid_value");
    }

    /** OpenAI's SDKs show {@code x-request-id} as the request's id ({@code _request_id}, {@code error.requestID}). */
    @Test
    void everyAnswerHasANewRequestId() {
        List<HttpTestClient.Response> answers = List.of(http.get("/health/live"), http.get("/health/live"),
                http.get("/v1/models"), http.get("/v2/nothing"), http.get("/v1/jobs"),
                http.post("/v1/jobs", "{\"model\":\"gpt-4o-mini\"}", "application/json"),
                http.post("/v1/jobs", CHAT, "application/json"), http.post("/v1/jobs", CHAT, "text/plain"),
                http.get("/v1/jobs/job_unknown"), http.get("/v1/usage?group_by=model&window=total"));
        Set<String> ids = new HashSet<>();
        for (HttpTestClient.Response r : answers) {
            String id = r.raw().headers().firstValue("x-request-id").orElse(null);
            assertThat(id).as(r.status() + " " + r.body()).matches("req_[0-9a-f]{32}");
            ids.add(id);
        }
        assertThat(ids).as("one per request").hasSize(answers.size());
    }

    /** A client's report of a 500 names the request id its answer carried, which the error's log line names too. */
    @Test
    void anUnexpectedErrorIsLoggedWithTheRequestIdOfItsAnswer() {
        Logger ingest = (Logger) LoggerFactory.getLogger(IngestServer.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        ingest.addAppender(events);
        server.traceWith(incoming -> {
            throw new IllegalStateException("tracing broke");
        });
        try {
            HttpTestClient.Response r = http.post("/v1/jobs", CHAT, "application/json");

            assertOpenAiError(r, 500, "internal_error");
            String id = r.raw().headers().firstValue("x-request-id").orElseThrow();
            assertThat(events.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                    .contains("unexpected error on POST /v1/jobs").contains(id));
        } finally {
            server.traceWith(SubmissionTracing.W3C);
            ingest.detachAppender(events);
        }
    }

    @Test
    void liveButNotReadyWithoutKafka() {
        assertThat(http.get("/health/live").status()).isEqualTo(200);
        HttpTestClient.Response ready = http.get("/health/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.json().path("status").asText()).isEqualTo("not_ready");
        assertThat(server.ready()).isFalse();
    }
}
