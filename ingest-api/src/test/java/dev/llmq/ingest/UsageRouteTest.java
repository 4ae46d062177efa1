package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/usage} on a real ingest server, forwarded to a real HTTP server on 127.0.0.1 that plays the usage
 * aggregator: the query string travels unchanged, the aggregator's status and body come back unchanged, and bad
 * parameters are refused at ingest without asking it.
 */
class UsageRouteTest {

    private static final String ANSWER = "{\"object\":\"list\",\"group_by\":\"model\",\"window\":\"total\","
            + "\"from\":null,\"to\":null,\"data\":[{\"schema_version\":1,\"window\":\"total\",\"group_by\":\"model\","
            + "\"key\":\"gpt-4o\",\"requests\":3,\"cost_usd\":0.00042150}]}";

    private static final String AGGREGATOR_REQUEST_ID = "req_0123456789abcdef0123456789abcdef";
    private static HttpServer aggregator;
    private static IngestServer server;
    private static HttpTestClient http;
    private static final List<String> queries = new CopyOnWriteArrayList<>();
    private static final List<String> forwardedBy = new CopyOnWriteArrayList<>();
    private static final AtomicReference<Reply> reply = new AtomicReference<>();
    /** The {@code x-request-id} each forwarded question came with ("none" without). */
    private static final List<String> requestIds = new CopyOnWriteArrayList<>();
    /** Whether the aggregator answers under the id it was asked with, as a real one does for the internal key. */
    private static final AtomicBoolean takesIngestsId = new AtomicBoolean();

    private record Reply(int status, String body) {
    }

    @BeforeAll
    static void start() throws IOException {
        aggregator = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        aggregator.createContext("/v1/usage", exchange -> {
            queries.add(exchange.getRequestURI().getRawQuery());
            forwardedBy.add(exchange.getRequestHeaders().getFirst("X-Llmq-Forwarded-By"));
            Reply r = reply.get();
            byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            String asked = exchange.getRequestHeaders().getFirst("x-request-id");
            requestIds.add(asked == null ? "none" : asked);
            exchange.getResponseHeaders().add("x-request-id",
                    takesIngestsId.get() && asked != null ? asked : AGGREGATOR_REQUEST_ID);
            exchange.sendResponseHeaders(r.status(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        aggregator.start();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        IngestSettings settings = IngestSettings.builder("127.0.0.1:" + closedPort, "ingest-usage")
                .port(0).kafkaTimeout(Duration.ofSeconds(1))
                .usageUrl("http://127.0.0.1:" + aggregator.getAddress().getPort()).build();
        server = new IngestServer(settings, () -> Set.of("gpt-4o"), () -> true, Clock.systemUTC(),
                new SimpleMeterRegistry()).start();
        http = new HttpTestClient(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
        aggregator.stop(0);
    }

    @BeforeEach
    void reset() {
        queries.clear();
        forwardedBy.clear();
        requestIds.clear();
        takesIngestsId.set(false);
        reply.set(new Reply(200, ANSWER));
    }

    @Test
    void theAnswerAndTheQueryStringPassThroughUnchanged() {
        String query = "group_by=model&window=1h&from=2026-11-30T00%3A00%3A00%2B01%3A00&to=2026-11-30T02:00:00Z";

        HttpTestClient.Response r = http.get("/v1/usage?" + query);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.body()).isEqualTo(ANSWER);
        assertThat(queries).containsExactly(query);
        assertThat(forwardedBy).containsExactly("ingest-usage");
    }

    /** A date alone (its midnight UTC) is forwarded as given; the ingest refused it with a 400 before. */
    @Test
    void aDateAloneIsForwarded() {
        String query = "group_by=model&window=1d&from=2026-11-29&to=2026-11-30";

        HttpTestClient.Response r = http.get("/v1/usage?" + query);

        assertThat(r.status()).isEqualTo(200);
        assertThat(queries).containsExactly(query);
        assertBadParameter("/v1/usage?group_by=model&window=1d&from=2026-11-30&to=2026-11-30", "from",
                "invalid_value", "'from' (2026-11-30T00:00:00Z) must be before 'to' (2026-11-30T00:00:00Z)");
    }

    /**
     * An answer the aggregator made carries its {@code x-request-id}, the one its log names (here one that did not take
     * the ingest's), so a client's report is found there; one the ingest made (a refusal before forwarding) the
     * ingest's own.
     */
    @Test
    void theAggregatorsAnswerCarriesTheAggregatorsRequestId() {
        HttpTestClient.Response forwarded = http.get("/v1/usage?group_by=model&window=total");
        assertThat(forwarded.raw().headers().allValues("x-request-id")).containsExactly(AGGREGATOR_REQUEST_ID);

        reply.set(new Reply(500, "{\"error\":{\"message\":\"internal error\",\"type\":\"server_error\","
                + "\"param\":null,\"code\":\"internal_error\"}}"));
        HttpTestClient.Response failed = http.get("/v1/usage?group_by=model&window=total");
        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.raw().headers().allValues("x-request-id")).containsExactly(AGGREGATOR_REQUEST_ID);

        HttpTestClient.Response refused = http.get("/v1/usage?group_by=user");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.raw().headers().allValues("x-request-id")).singleElement()
                .asString().startsWith("req_").isNotEqualTo(AGGREGATOR_REQUEST_ID);
    }

    /**
     * The question goes to the aggregator with the ingest's own {@code x-request-id}, which the aggregator takes from
     * the internal key: the answer the client gets names the one id both logs carry.
     */
    @Test
    void theQuestionGoesWithTheIngestsRequestIdAndTheAnswerNamesIt() {
        takesIngestsId.set(true);
        HttpTestClient.Response first = http.get("/v1/usage?group_by=model&window=total");
        HttpTestClient.Response second = http.get("/v1/usage?group_by=tenant&window=total");

        assertThat(requestIds).hasSize(2).allMatch(id -> id.matches("req_[0-9a-f]{32}")).doesNotHaveDuplicates();
        assertThat(first.raw().headers().allValues("x-request-id")).containsExactly(requestIds.get(0));
        assertThat(second.raw().headers().allValues("x-request-id")).containsExactly(requestIds.get(1));
    }

    @Test
    void aQuestionWithoutGroupByOrWindowIsAskedAsItCameTheAggregatorAnswersByModelInTotal() {
        for (String path : List.of("/v1/usage", "/v1/usage?window=1h", "/v1/usage?group_by=tag")) {
            HttpTestClient.Response r = http.get(path);
            assertThat(r.status()).as(path + ": " + r.body()).isEqualTo(200);
        }
        assertThat(queries).as("no query string, then each as it came")
                .containsExactly(null, "window=1h", "group_by=tag");
    }

    @Test
    void epochSecondsPassAsTheAggregatorTakesThem() {
        // the ingest's check is the aggregator's (UsageParameters): epoch seconds were refused here and accepted there
        String query = "group_by=tag&window=1m&from=1796032800&to=1796036400";

        HttpTestClient.Response r = http.get("/v1/usage?" + query);

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(queries).containsExactly(query);
        assertBadParameter("/v1/usage?group_by=tag&window=1m&from=1796036400&to=1796032800", "from",
                "invalid_value", "'from' (2026-11-30T11:00:00Z) must be before 'to' (2026-11-30T10:00:00Z)");
    }

    @Test
    void theAggregatorsRefusalsPassThroughWithTheirStatus() {
        String refusal = "{\"error\":{\"message\":\"from is too far back\",\"type\":\"invalid_request_error\","
                + "\"param\":\"from\",\"code\":\"invalid_value\"}}";
        reply.set(new Reply(400, refusal));
        HttpTestClient.Response bad = http.get("/v1/usage?group_by=tag&window=1d&from=1970-01-01T00:00:00Z");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo(refusal);

        String moving = "{\"error\":{\"message\":\"the usage stores are moving; retry shortly\","
                + "\"type\":\"service_unavailable\",\"param\":null,\"code\":\"usage_unavailable\"}}";
        reply.set(new Reply(503, moving));
        HttpTestClient.Response unavailable = http.get("/v1/usage?group_by=tenant&window=total");
        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(unavailable.body()).isEqualTo(moving);
        assertThat(queries).containsExactly("group_by=tag&window=1d&from=1970-01-01T00:00:00Z",
                "group_by=tenant&window=total");
    }

    @Test
    void badParametersAreRefusedAtIngestWithoutAskingTheAggregator() {
        assertBadParameter("/v1/usage?group_by=&window=total", "group_by", "invalid_value",
                "'group_by' must be one of deployment, model, provider, tag, tenant, got ''");
        assertBadParameter("/v1/usage?group_by=user&window=total", "group_by", "invalid_value",
                "'group_by' must be one of deployment, model, provider, tag, tenant, got 'user'");
        assertBadParameter("/v1/usage?group_by=model&window=5m", "window", "invalid_value",
                "'window' must be one of 1d, 1h, 1m, total, got '5m'");
        assertBadParameter("/v1/usage?group_by=model&window=1h&from=yesterday", "from", "invalid_value",
                "'from' must be an ISO-8601 instant (2026-11-30T10:00:00Z; a '+' offset must be URL-encoded as %2B), "
                        + "a date (2026-11-30: its midnight UTC) or epoch seconds, got 'yesterday'");
        // the aggregator's range, checked here too (an instant no Kafka record time can have)
        assertBadParameter("/v1/usage?group_by=model&window=1h&to=-1000000000-01-01T00:00:00Z", "to",
                "invalid_value", "'to' must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z");
        assertBadParameter("/v1/usage?group_by=model&window=1h&from=2026-11-30T02:00:00Z&to=2026-11-30T01:00:00Z",
                "from", "invalid_value", "'from' (2026-11-30T02:00:00Z) must be before 'to' (2026-11-30T01:00:00Z)");
        // the aggregator's tenant limit, checked here too
        assertBadParameter("/v1/usage?group_by=model&window=total&tenant=", "tenant", "invalid_value",
                "'tenant' must be 1 to 128 letters, digits or . _ : @ -");
        assertBadParameter("/v1/usage?group_by=model&window=total&tenant=" + "t".repeat(129), "tenant",
                "invalid_value", "'tenant' must be 1 to 128 letters, digits or . _ : @ -");
        assertBadParameter("/v1/usage?group_by=model&window=total&tenant=%00", "tenant", "invalid_value",
                "'tenant' must be 1 to 128 letters");
        assertBadParameter("/v1/usage?group_by=model&window=total&tenant=..%2F..%2Fx+y", "tenant", "invalid_value",
                "'tenant' must be 1 to 128 letters");
        assertBadParameter("/v1/usage?group_by=model&window=1h&window=1d", "window", "invalid_value",
                "'window' is given 2 times; give it once");
        assertBadParameter("/v1/usage?group_by=model&window=total&groupby=tag", "groupby", "unknown_parameter",
                "unknown query parameter 'groupby'; GET /v1/usage takes [from, group_by, tenant, to, window]");
        assertThat(queries).isEmpty();
    }

    private static void assertBadParameter(String path, String param, String code, String message) {
        HttpTestClient.Response r = http.get(path);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        JsonNode error = r.json().path("error");
        assertThat(error.fieldNames()).toIterable().containsExactly("message", "type", "param", "code");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asText()).isEqualTo(param);
        assertThat(error.path("code").asText()).isEqualTo(code);
        assertThat(error.path("message").asText()).startsWith(message);
    }

    @Test
    void onlyGetIsRouted() {
        HttpTestClient.Response r = http.post("/v1/usage?group_by=model&window=total", "", null);
        assertThat(r.status()).isEqualTo(405);
        assertThat(queries).isEmpty();
    }
}
