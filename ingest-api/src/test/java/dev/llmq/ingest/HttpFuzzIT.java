package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Law: whatever method, path, id, content type and body reach a real ingest API (on the embedded broker), the answer
 * is a 2xx or a 4xx (a 4xx in OpenAI's error shape with a JSON content type), never a 5xx nor a stack trace, and the
 * server stays ready. jqwik drives the requests; they are sent over a plain socket so malformed ids pass unchanged.
 */
class HttpFuzzIT {

    private static EmbeddedKafka kafka;
    private static TopicsFixture fixture;
    private static IngestServer server;
    private static RawHttp raw;

    private static final String CHAT = HostileInputIT.CHAT;
    private static final List<String> ROUTES = List.of("/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/stream",
            "/v1/jobs/{id}/cancel", "/v1/batches/{id}", "/v1/batches/{id}/results", "/v1/batches/{id}/cancel",
            "/v1/batches?limit={id}&after={id}", "/v1/batches", "/v1/files", "/v1/files/{id}", "/v1/files/{id}/content",
            "/v1/files?limit={id}&after={id}",
            "/v1/usage?group_by={id}&window={id}", "/health/live", "/health/ready", "/metrics", "/internal/v1/status",
            "/{id}", "/v1/{id}/jobs");

    @BeforeContainer
    static void start() {
        kafka = EmbeddedKafka.builder().build().start();
        fixture = new TopicsFixture(kafka.bootstrapServers(), "fuzz");
        server = HostileInputIT.startServer(kafka.bootstrapServers(), fixture, "fuzz-a");
        raw = new RawHttp(server.port());
    }

    @AfterContainer
    static void stop() {
        server.close();
        fixture.close();
        kafka.close();
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "get", "BREW");
    }

    @Provide
    Arbitrary<String> routes() {
        return Arbitraries.of(ROUTES);
    }

    @Provide
    Arbitrary<String> ids() {
        Arbitrary<String> tricks = Arbitraries.of("job_01", "..", "../..", "%2e%2e", "a%2Fb", "%2F", "%00", "a%00b",
                "%zz", "%", "%C3%28", "%E2%82", "a;b", "a?x=1", "%20", "~", "\u00e9", "a".repeat(10_000),
                "%2F".repeat(3000), "batch_x", "%0d%0aX-Injected:%20yes");
        Arbitrary<String> random = Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(40)
                .map(s -> s.replace(" ", "%20").replace("#", "%23"));
        return Arbitraries.oneOf(tricks, random);
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.of("application/json", "application/x-ndjson", "application/json; charset=utf-16",
                "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data", "",
                "application/json; charset=\"utf-8\"", ";;;", "application/jsonl", "multipart/form-data; boundary=b");
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<String> texts = Arbitraries.of("", CHAT, CHAT.substring(0, 20), "[" + CHAT + "," + CHAT + "]",
                CHAT + "\n" + CHAT, "{\"model\":\"gpt-4o\",\"model\":\"x\"}", "[".repeat(5000), "{\"reason\":7}",
                "{\"reason\":\"stop\"}", "null", "1e999999", "9".repeat(5000), "\"\u0000\"", "{\"a\":\"\\ud800\"}",
                CHAT.replace("\"hi\"", "5"), CHAT.replace("user", "wizard"), "{\"job_ids\":[\"a\"]}",
                "x".repeat(20_000), "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--b\r\n"
                        + "Content-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n" + CHAT
                        + "\r\n--b--\r\n",
                "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n", "{\"input_file_id\":\"file-x\"}");
        Arbitrary<byte[]> fromTexts = texts.map(t -> t.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        return Arbitraries.oneOf(fromTexts, random);
    }

    @Property(tries = 250)
    void everyEndpointAnswers2xxOr4xxInOpenAiShape(@ForAll("methods") String method, @ForAll("routes") String route,
                                                   @ForAll("ids") String id, @ForAll("contentTypes") String contentType,
                                                   @ForAll("bodies") byte[] body, @ForAll boolean chunked,
                                                   @ForAll boolean truncate) {
        String path = route.replace("{id}", id);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n");
        if (!contentType.isEmpty()) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        byte[] sent = truncate && body.length > 1 ? java.util.Arrays.copyOf(body, body.length / 2) : body;
        if (chunked) {
            head.append("Transfer-Encoding: chunked\r\n\r\n");
            request.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
            if (sent.length > 0) {
                request.writeBytes((Integer.toHexString(sent.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                request.writeBytes(sent);
                request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            if (!truncate) {
                request.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        } else {
            head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            request.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
            request.writeBytes(sent);
        }
        RawHttp.Answer a = raw.send(request.toByteArray());

        assertThat(a.status()).as("%s %s -> %s", method, cut(path), a).isBetween(200, 499);
        assertThat(a.body().toLowerCase(Locale.ROOT)).doesNotContain("\tat ").doesNotContain("<html");
        if (a.status() >= 400 && !method.equals("HEAD")) {
            JsonNode error = a.openAiError();
            // invalid_request_error for most; an authentication layer may use its own client-error type
            assertThat(error.path("type").asText()).isNotBlank().isNotEqualTo("server_error");
        }
        assertThat(raw.send("GET /health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status())
                .isEqualTo(200);
    }

    private static String cut(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
