package dev.llmq.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import dev.llmq.schemas.Json;
import dev.llmq.usage.internal.UsagePeers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Law: whatever method, path, query, {@code Authorization} header and malformed request line reach a started
 * aggregator with API keys (Kafka unreachable, so a valid query ends in the documented 503), the answer is one of the
 * expected statuses, every refusal is OpenAI's error shape in {@code application/json} (the health and metrics routes
 * answer their own bodies), no body shows a stack trace, and the server still answers {@code /health/live}. Requests
 * go over a plain socket so malformed ones pass unchanged.
 */
class UsageHttpFuzzTest {

    private static final Set<Integer> STATUSES = Set.of(200, 400, 401, 403, 404, 405, 413, 414, 431, 503, 505);
    private static final String INTERNAL = "internal-secret-for-the-fuzz-test";
    private static final String READ = "llmq-sk-acme-read";
    private static final String SUBMIT = "llmq-sk-acme-submit";
    private static final String ADMIN = "llmq-sk-ops-admin";
    private static final String METRICS = "# llmq usage metrics\n";
    private static UsageAggregator aggregator;

    @BeforeContainer
    static void start() throws IOException {
        ApiKeys keys = ApiKeys.of(List.of(key("acme-read", READ, "acme", ApiKey.Scope.READ),
                key("acme-submit", SUBMIT, "acme", ApiKey.Scope.SUBMIT), key("ops", ADMIN, "ops", ApiKey.Scope.ADMIN)));
        aggregator = new UsageAggregator(UsageAggregatorWithoutKafkaTest.withoutKafka("fuzz")
                .queryTimeout(Duration.ofMillis(50)).apiKeys(keys).internalKey(INTERNAL).build(),
                new SimpleMeterRegistry(), Clock.systemUTC()).exposeMetrics(() -> METRICS).start();
    }

    @AfterContainer
    static void stop() {
        aggregator.close();
    }

    private static ApiKey key(String name, String key, String tenant, ApiKey.Scope scope) {
        return new ApiKey(name, ApiKeys.hash(key), tenant, null, List.of(), Set.of(), Set.of(scope), null, null);
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("GET")), Tuple.of(1,
                Arbitraries.of("POST", "PUT", "DELETE", "HEAD", "OPTIONS", "TRACE", "get", "BREW")));
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> segments = Arbitraries.of("..", "../..", "%2e%2e", "a%2Fb", "%2F", "%00", "%zz", "%",
                "%C3%28", "~", "a;b", "%20", "a".repeat(10_000), "%2F".repeat(3000), "usage", "%0d%0aX-Injected:%20yes");
        Arbitrary<String> templates = Arbitraries.of("/v1/usage", "/v1/usage", "/v1/usage", UsagePeers.PATH,
                "/health/live", "/health/ready", "/metrics", "/v1/usage/{s}", "/{s}", "/v1/{s}/usage", "/{s}/v1/usage",
                "//v1//usage", "/v1/usage/");
        return templates.flatMap(t -> t.contains("{s}") ? segments.map(s -> t.replace("{s}", s)) : Arbitraries.just(t));
    }

    @Provide
    Arbitrary<String> queries() {
        Arbitrary<String> names = Arbitraries.of("group_by", "window", "from", "to", "tenant", "unknown", "group_by",
                "window", "%00", "%zz", "", "a".repeat(3000));
        Arbitrary<String> values = Arbitraries.oneOf(
                Arbitraries.of("model", "deployment", "provider", "tenant", "tag", "MODEL", "Model", " model", "model%00",
                        "1m", "1h", "1d", "total", "1w", "1M", "TOTAL", "1H", "0m", "-1h", "", "acme", "ops", "other",
                        "2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "99999999999999999999999999", "-9".repeat(40),
                        "+1000000000-12-31T23:59:59.999999999Z", "-1000000000-01-01T00:00:00Z", "1e999", "%00", "%",
                        "%zz", "%C3%28", "%E2%82", "x".repeat(10_000), "%2F".repeat(3000), "a%26b%3Dc", "&&", "=="),
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(30)
                        .map(s -> s.replace("#", "%23").replace("&", "%26")));
        Arbitrary<String> pair = Arbitraries.frequencyOf(Tuple.of(6, names.flatMap(n -> values.map(v -> n + "=" + v))),
                Tuple.of(1, names));
        Arbitrary<String> valid = Arbitraries.of("model", "deployment", "provider", "tenant", "tag")
                .flatMap(g -> Arbitraries.of("1m", "1h", "1d", "total").map(w -> "group_by=" + g + "&window=" + w));
        Arbitrary<String> noise = pair.list().ofMaxSize(6).map(l -> String.join("&", l));
        return Arbitraries.frequencyOf(Tuple.of(2, noise),
                Tuple.of(3, valid.flatMap(v -> Arbitraries.of("", "&tenant=acme", "&tenant=ops", "&tenant=")
                        .map(v::concat))),
                Tuple.of(2, valid.flatMap(v -> noise.map(n -> v + "&" + n))))
                .map(q -> q.isEmpty() ? "" : "?" + q);
    }

    @Provide
    Arbitrary<String> authorizations() {
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of("Bearer " + READ, "Bearer " + ADMIN,
                        "Bearer " + SUBMIT, "Bearer " + INTERNAL, "bearer   " + ADMIN)),
                Tuple.of(2, Arbitraries.of("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer x y",
                        "Bearer " + "k".repeat(10_000), "Bearer " + "k".repeat(3_000), "\u00e9\u00e9", "Bearer %00",
                        "Bearer " + READ + "\u0000")),
                Tuple.of(1, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(60)));
    }

    // 400 tries: the rarer answers (403, 414, 431) come 2-4 times in a hundred, so 200 tries missed one of them in
    // about one run of sixty (seed 7498619576754717765 missed 403) and failed the coverage check below
    @Property(tries = 400)
    void everyRequestGetsAnExpectedStatusAndAnOpenAiShapedRefusal(@ForAll("methods") String method,
                                                                   @ForAll("paths") String path,
                                                                   @ForAll("queries") String query,
                                                                   @ForAll("authorizations") String authorization) {
        String head = method + " " + path + query + " HTTP/1.1\r\nHost: x\r\n"
                + (authorization.isEmpty() ? "" : "Authorization: " + authorization + "\r\n")
                + "Connection: close\r\n\r\n";
        Answer a = send(head);
        Statistics.label("status").collect(a.status());
        // every kind of answer is reached, the documented 503 (a valid query with a valid key) among them
        Statistics.label("status").coverage(c -> List.of(200, 400, 401, 403, 404, 405, 414, 431, 503)
                .forEach(s -> c.check(s).count(n -> n > 0)));
        expectedAnswer(a, method, path);
    }

    @Provide
    Arbitrary<String> malformed() {
        return Arbitraries.of("GET /v1/usage HTTP/1.1\r\nHost x\r\n\r\n", "GET /v1/usage HTTP/9.9\r\nHost: x\r\n\r\n",
                "GET /v1/usage HTTP/1.1 extra\r\nHost: x\r\n\r\n", "GET\r\n\r\n",
                "GET /v1/usage?group_by=%zz HTTP/1.1\r\nHost: x\r\n\r\n", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /v1/usage HTTP/1.1\r\nHost: x\r\nX: " + "y".repeat(20_000) + "\r\n\r\n",
                "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", "GET /v1/usage HTTP/1.1\r\n\r\n",
                "GET /v1/usage HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                "GET /v1/usage HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                "GET /v1/usage HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
                "GET /v1/usage HTTP/1.1\r\nHost: x\r\n Folded: header\r\n\r\n",
                "GET /v1/usage\u0000 HTTP/1.1\r\nHost: x\r\n\r\n", "GET /v1/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET http://evil/v1/usage HTTP/1.1\r\nHost: x\r\n\r\n", "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
                "\u00ff\u00fe\u0000\u0001 / HTTP/1.1\r\n\r\n", "GET /v1/usage HTTP/1.0\r\n\r\n");
    }

    @Property(tries = 40)
    void malformedRequestsAreOpenAiShapedClientErrors(@ForAll("malformed") String request) {
        Answer a = send(request);
        assertThat(STATUSES).as(a.toString()).contains(a.status());
        noStackTrace(a);
        if (a.status() >= 400) {
            openAiError(a);
        }
    }

    @AfterProperty
    void stillLive() {
        assertThat(send("GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status()).isEqualTo(200);
    }

    @Example
    void jettysOwnRefusalsAreOpenAiShaped() {
        String[][] cases = {
            {"414", "uri_too_long", "GET /v1/usage?group_by=" + "m".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"},
            {"431", "request_header_fields_too_large",
                "GET /v1/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + "k".repeat(20_000) + "\r\n\r\n"},
            {"400", "bad_request", "GET /v1/usage HTTP/1.1\r\nHost x\r\n\r\n"},
            {"400", "bad_request", "GET /v1/%zz HTTP/1.1\r\nHost: x\r\n\r\n"},
            {"505", "http_version_not_supported", "GET /v1/usage HTTP/9.9\r\nHost: x\r\n\r\n"},
        };
        for (String[] c : cases) {
            Answer a = send(c[2]);
            assertThat(a.status()).as(a.toString()).isEqualTo(Integer.parseInt(c[0]));
            JsonNode error = openAiError(a);
            assertThat(error.path("code").asText()).as(a.toString()).isEqualTo(c[1]);
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
            hasRequestId(a); // even where Jetty could not parse the request
        }
    }

    /** A read key fixed to acme cannot slip another tenant in as a second {@code tenant}: the repeat is refused. */
    @Example
    void aRepeatedTenantIsRefusedNotReadAsItsFirstValue() {
        for (String authorization : List.of("Bearer " + READ, "Bearer " + ADMIN)) {
            Answer a = send(withRequestId("/v1/usage?window=total&tenant=acme&tenant=globex", authorization,
                    "req_mine"));
            assertThat(a.status()).as(a.toString()).isEqualTo(400);
            assertThat(openAiError(a).path("param").asText()).isEqualTo("tenant");
            assertThat(openAiError(a).path("message").asText()).contains("'tenant' is given 2 times");
        }
    }

    /**
     * The ingest's {@code x-request-id} is taken when the ingest forwards a question (the internal key), so one id
     * names it in both logs and in the answer; anyone else's, or one not in the ingest's form, is not.
     */
    @Example
    void theIngestsRequestIdIsTakenFromTheInternalKeyOnly() {
        String id = "req_0123456789abcdef0123456789abcdef";
        for (String query : List.of("?group_by=model&window=1h", "?window=1w")) {
            Answer forwarded = send(withRequestId("/v1/usage" + query, "Bearer " + INTERNAL, id));
            assertThat(forwarded.status()).as(forwarded.toString()).isIn(400, 503);
            assertThat(forwarded.header("x-request-id")).as(forwarded.toString()).isEqualTo(id);
        }
        for (String authorization : List.of("Bearer " + ADMIN, "Bearer " + READ, "Bearer not-a-key", "")) {
            Answer a = send(withRequestId("/v1/usage?window=total", authorization, id));
            assertThat(a.header("x-request-id")).as(authorization + " -> " + a).isNotEqualTo(id);
            hasRequestId(a);
        }
        for (String other : List.of("req_mine", "req_0123456789ABCDEF0123456789ABCDEF", id + "0", "abc")) {
            Answer a = send(withRequestId("/v1/usage?window=total", "Bearer " + INTERNAL, other));
            assertThat(a.header("x-request-id")).as(other + " -> " + a).isNotEqualTo(other);
            hasRequestId(a);
        }
    }

    private static String withRequestId(String target, String authorization, String requestId) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n"
                + (authorization.isEmpty() ? "" : "Authorization: " + authorization + "\r\n")
                + "x-request-id: " + requestId + "\r\nConnection: close\r\n\r\n";
    }

    @Example
    void blankLinesBeforeTheConnectionClosesGetNoAnswerAtAll() {
        // RFC 9112 2.2: empty lines before a request line are ignored; no request arrived, so nothing is said
        Answer a = send("\r\n\r\n\r\n");
        assertThat(a.head()).isEmpty();
        assertThat(a.body()).isEmpty();
    }

    private static void expectedAnswer(Answer a, String method, String path) {
        assertThat(STATUSES).as("%s %s -> %s", method, cut(path), a).contains(a.status());
        noStackTrace(a);
        hasRequestId(a);
        boolean health = path.equals("/health/ready") || path.equals("/health/live") || path.equals("/metrics");
        if (a.status() >= 400 && !method.equals("HEAD") && !(health && a.status() == 503)) {
            openAiError(a);
        }
        if (a.status() == 503 && !health) {
            assertThat(openAiError(a).path("code").asText()).isEqualTo(UsageApiException.UNAVAILABLE);
        }
    }

    /** Every answer carries an {@code x-request-id} as the ingest's do, which OpenAI's SDKs show. */
    private static void hasRequestId(Answer a) {
        assertThat(a.header("x-request-id")).as(a.toString()).matches("req_[0-9a-f]{32}");
    }

    private static void noStackTrace(Answer a) {
        assertThat(a.body()).as(a.toString()).doesNotContain("Exception").doesNotContain("at dev.")
                .doesNotContainIgnoringCase("<html");
    }

    private static JsonNode openAiError(Answer a) {
        assertThat(a.header("Content-Type")).as(a.toString()).startsWith("application/json");
        try {
            JsonNode error = Json.mapper().readTree(a.body()).path("error");
            assertThat(error.fieldNames()).toIterable().as(a.toString())
                    .containsExactly("message", "type", "param", "code");
            assertThat(error.path("message").asText()).isNotBlank();
            return error;
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + a, e);
        }
    }

    /** One answer: status, head and body, read until the server closes the connection. */
    record Answer(int status, String head, String body) {
        String header(String name) {
            return head.lines().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                    .map(l -> l.substring(name.length() + 1).trim()).findFirst().orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + cut(head) + " | " + cut(body);
        }
    }

    /**
     * The answer to {@code request}. Jetty refuses some requests before reading all of them, answers and closes with
     * the rest unread in its socket, and the kernel may then reset the connection, which can discard the answer before
     * this side reads it (seen as status -1): a TCP race, not an answer, so the request is sent again, up to 3 times.
     */
    private static Answer send(String request) {
        Answer a = sendOnce(request);
        for (int i = 1; i < 3 && a.status() == -1; i++) {
            a = sendOnce(request);
        }
        return a;
    }

    private static Answer sendOnce(String request) {
        try (Socket s = new Socket("127.0.0.1", aggregator.port())) {
            s.setSoTimeout(10_000);
            try {
                s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                s.shutdownOutput();
            } catch (IOException e) {
                // the server may refuse and close before reading everything
            }
            String text;
            try {
                text = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (SocketException reset) {
                return new Answer(-1, "connection reset: " + reset.getMessage(), "");
            }
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            String[] line = head.split(" ", 3);
            int status = line.length > 1 && line[1].matches("\\d{3}") ? Integer.parseInt(line[1]) : -1;
            return new Answer(status, head, end < 0 ? "" : text.substring(end + 4));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String cut(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
