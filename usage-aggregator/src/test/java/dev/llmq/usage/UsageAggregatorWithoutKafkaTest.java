package dev.llmq.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.Json;
import java.io.IOException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP surface while the stores cannot answer (Kafka unreachable): 503 in OpenAI's shape, not ready, live. */
class UsageAggregatorWithoutKafkaTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static UsageAggregator aggregator;

    @BeforeAll
    static void start() throws Exception {
        aggregator = new UsageAggregator(withoutKafka("no-kafka").queryTimeout(Duration.ofMillis(300)).build(),
                new SimpleMeterRegistry(), Clock.systemUTC()).start();
    }

    /** Settings whose Kafka cluster is a port nobody listens on (a port bound, then freed). */
    static UsageSettings.Builder withoutKafka(String instanceId) throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return UsageSettings.builder("127.0.0.1:" + s.getLocalPort(), instanceId);
        }
    }

    @AfterAll
    static void stop() {
        aggregator.close();
    }

    @Test
    void aQueryTheStoresCannotAnswerIsA503InOpenAisShape() throws Exception {
        HttpResponse<String> r = get("/v1/usage?group_by=model&window=1h");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        JsonNode error = Json.mapper().readTree(r.body()).path("error");
        assertThat(error.fieldNames()).toIterable().containsExactly("message", "type", "param", "code");
        assertThat(error.path("code").asText()).isEqualTo(UsageApiException.UNAVAILABLE);
        assertThat(error.path("type").asText()).isEqualTo("service_unavailable");
        assertThat(error.path("message").asText()).contains("retry shortly");
    }

    @Test
    void badParametersAreRefusedBeforeAnyStoreIsAsked() throws Exception {
        HttpResponse<String> r = get("/v1/usage?group_by=model&window=1w");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Json.mapper().readTree(r.body()).at("/error/param").asText()).isEqualTo("window");
    }

    /**
     * Each parameter the ingest refuses is refused here too, naming it, rather than answered as if it were not there:
     * an unknown one, one given twice, a time not read as one where the running total ignores it, a span older than
     * the windows kept.
     */
    @Test
    void everyBadParameterIsA400NamingIt() throws Exception {
        String[][] cases = {
            {"/v1/usage?group_by=model&windows=1h", "windows", "unknown_parameter"},
            {"/v1/usage?group_by=model&window=1h&window=1d", "window", "invalid_value"},
            {"/v1/usage?window=total&tenant=acme&tenant=globex", "tenant", "invalid_value"},
            {"/v1/usage?window=total&from=yesterday", "from", "invalid_value"},
            {"/v1/usage?window=1m&from=2020-01-01T00:00:00Z&to=2020-01-01T01:00:00Z", "from", "invalid_value"},
            {"/v1/usage?window=1h&to=2020-01-01T00:00:00%2B01:00", "to", "invalid_value"},
        };
        SoftAssertions each = new SoftAssertions(); // every case is checked, and each one failing is reported
        for (String[] c : cases) {
            HttpResponse<String> r = get(c[0]);
            each.assertThat(r.statusCode()).as(c[0] + ": " + r.body()).isEqualTo(400);
            JsonNode error = Json.mapper().readTree(r.body()).path("error");
            each.assertThat(error.fieldNames()).toIterable().containsExactly("message", "type", "param", "code");
            each.assertThat(error.path("param").asText()).as(c[0]).isEqualTo(c[1]);
            each.assertThat(error.path("code").asText()).as(c[0]).isEqualTo(c[2]);
            each.assertThat(error.path("message").asText()).as(c[0]).contains("'" + c[1] + "'");
        }
        each.assertAll();
    }

    @Test
    void liveButNotReady() throws Exception {
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("starting");
        assertThat(aggregator.ready()).isFalse();
    }

    @Test
    void anUnknownRouteOrMethodIsAnOpenAiError() throws Exception {
        HttpResponse<String> missing = get("/v1/usage/nothing");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(Json.mapper().readTree(missing.body()).at("/error/code").asText()).isEqualTo("not_found");
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + aggregator.port() + "/v1/usage")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET");
        assertThat(Json.mapper().readTree(post.body()).at("/error/code").asText()).isEqualTo("method_not_allowed");
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(404);
        assertThat(Json.mapper().readTree(metrics.body()).at("/error/message").asText())
                .isEqualTo("no metrics are exposed here");
    }

    /**
     * Every answer has a new {@code x-request-id}, as the ingest's do (OpenAI's SDKs show it as the request's id); one
     * the client sent is not echoed, as the ingest does not.
     */
    @Test
    void everyAnswerHasANewRequestId() throws Exception {
        Set<String> ids = new HashSet<>();
        for (String path : List.of("/health/live", "/health/ready", "/v1/usage?group_by=model&window=1w",
                "/v1/usage/nothing", "/metrics")) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + aggregator.port() + path)).header("x-request-id", "req_mine").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            String id = r.headers().firstValue("x-request-id").orElse(null);
            assertThat(id).as(path + " -> " + r.statusCode()).matches("req_[0-9a-f]{32}");
            assertThat(ids.add(id)).as(id).isTrue();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + aggregator.port() + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
