package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.config.IngestLimits;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Limits, validation, content types and the HTTP server's own errors against a real ingest API on a real broker:
 * every refusal is OpenAI's error shape with the right status, and nothing reaches either jobs topic.
 */
@ExtendWith(KafkaClusterExtension.class)
class HostileInputIT {

    static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    /** 3 jobs, 2 messages, depth 16, custom_id 5, metadata 2 pairs / key 3 / value 4, tags 2 of 3, key 6. */
    static final IngestLimits SMALL = new IngestLimits(3, 2, 16, 5, 2, 3, 4, 2, 3, 6);
    static final int MAX_BODY = 8 * 1024;

    private static TopicsFixture fixture;
    private static IngestServer server;
    private static HttpTestClient http;
    private static RawHttp raw;
    private Map<TopicPartition, Long> before;

    @BeforeAll
    static void start(KafkaCluster kafka) {
        fixture = new TopicsFixture(kafka.bootstrapServers(), "hostile");
        server = startServer(kafka.bootstrapServers(), fixture, "hostile-a");
        http = new HttpTestClient(server.port());
        raw = new RawHttp(server.port());
    }

    static IngestServer startServer(String bootstrap, TopicsFixture fixture, String instance) {
        IngestSettings settings = IngestSettings.builder(bootstrap, instance).port(0).host("127.0.0.1")
                .topics(fixture.topics()).transactionalProducers(2).maxBodyBytes(MAX_BODY).limits(SMALL).build();
        return SubmitIT.startReady(settings, Set.of("gpt-4o"), new SimpleMeterRegistry());
    }

    @AfterAll
    static void stop() {
        server.close();
        fixture.close();
    }

    @BeforeEach
    void offsetsBefore() {
        before = fixture.jobsEndOffsets();
    }

    @AfterEach
    void nothingEnqueuedAndStillReady() {
        assertThat(fixture.jobsEndOffsets()).as("nothing may reach the jobs topics").isEqualTo(before);
        assertThat(http.get("/health/ready").status()).isEqualTo(200);
    }

    private static JsonNode error(HttpTestClient.Response r, int status, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode error = r.json().path("error");
        assertThat(error.fieldNames()).toIterable().containsExactly("message", "type", "param", "code");
        assertThat(error.path("code").asText()).as(r.body()).isEqualTo(code);
        return error;
    }

    private static String job(String extra) {
        return CHAT.substring(0, CHAT.length() - 1) + "," + extra + "}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            temperature hot      | "temperature":"hot"                         | invalid_type            | temperature
            temperature 99       | "temperature":99                            | decimal_above_max_value | temperature
            content a number     | "messages":[{"role":"user","content":5}]   | invalid_type            | messages[0].content
            role wizard          | "messages":[{"role":"wizard","content":"x"}] | invalid_value         | messages[0].role
            tools a string       | "tools":"x"                                 | invalid_type            | tools
            n 1e9                | "n":1e9                                     | integer_above_max_value | n
            max_tokens negative  | "max_tokens":-1                             | integer_below_min_value | max_tokens
            max_tokens a string  | "max_tokens":"10"                           | invalid_type            | max_tokens
            response_format 5    | "response_format":5                         | invalid_type            | response_format
            duplicate key        | "model":"gpt-4o"                            | duplicate_key           | model
            """)
    void whatOpenAiRefusesIsRefusedAtSubmission(String name, String field, String code, String param) {
        String body = field.startsWith("\"messages\"")
                ? "{\"model\":\"gpt-4o\"," + field + "}" : job(field);
        JsonNode e = error(http.post("/v1/jobs", body, "application/json"), 400, code);
        assertThat(e.path("param").asText()).isEqualTo(param);
        assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            too many messages  | "messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":"c"}] | max_messages_per_job | 2
            custom_id too long | "custom_id":"abcdef"                 | max_custom_id_chars      | 5
            metadata pairs     | "metadata":{"a":"1","b":"2","c":"3"} | max_metadata_pairs       | 2
            metadata key       | "metadata":{"abcd":"1"}              | max_metadata_key_chars   | 3
            metadata value     | "metadata":{"a":"12345"}             | max_metadata_value_chars | 4
            tags count         | "tags":["a","b","c"]                 | max_tags                 | 2
            tag length         | "tags":["abcd"]                      | max_tag_chars            | 3
            json depth         | "x":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]] | max_json_depth | 16
            """)
    void eachLimitIsA400NamingItsValueAndEnqueuesNothing(String name, String field, String key, int value) {
        String body = field.startsWith("\"messages\"") ? "{\"model\":\"gpt-4o\"," + field + "}" : job(field);
        HttpTestClient.Response r = http.post("/v1/jobs", body, "application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().at("/error/message").asText()).contains("llmq.ingest.limits." + key)
                .contains(Integer.toString(value));
    }

    @Test
    void tooManyJobsInAnArrayOrNdjsonIsA400() {
        String four = String.join(",", Collections.nCopies(4, CHAT));
        error(http.post("/v1/jobs", "[" + four + "]", "application/json"), 400, "too_many_jobs");
        error(http.post("/v1/jobs", four.replace("},{", "}\n{"), "application/x-ndjson"), 400, "too_many_jobs");
    }

    @Test
    void idempotencyKeyTooLongOrNotPrintableAsciiIsA400() {
        JsonNode tooLong = error(http.post("/v1/jobs", CHAT, "application/json", "Idempotency-Key", "abcdefg"), 400,
                "invalid_header");
        assertThat(tooLong.path("message").asText()).contains("llmq.ingest.limits.max_idempotency_key_chars")
                .contains("6");
        RawHttp.Answer tab = raw.send("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nIdempotency-Key: a\u00e9b\r\nContent-Length: "
                + CHAT.length() + "\r\n\r\n" + CHAT);
        assertThat(tab.status()).as(tab.toString()).isEqualTo(400);
        assertThat(tab.openAiError().path("param").asText()).isEqualTo("Idempotency-Key");
        error(http.post("/v1/jobs", CHAT, "application/json", "Idempotency-Key", "a b"), 400, "invalid_header");
    }

    @Test
    void aBodyOverTheLimitIs413BeforeAndWhileReading() {
        String big = CHAT.replace("hi", "x".repeat(MAX_BODY));
        JsonNode declared = error(http.post("/v1/jobs", big, "application/json"), 413, "request_too_large");
        assertThat(declared.path("message").asText()).contains(Integer.toString(MAX_BODY));
        byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder chunked = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/v1/jobs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes)));
        error(http.send(chunked), 413, "request_too_large");
        RawHttp.Answer huge = raw.send("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{");
        assertThat(huge.status()).isEqualTo(413);
        assertThat(huge.openAiError().path("code").asText()).isEqualTo("request_too_large");
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/xml", "application/x-www-form-urlencoded",
            "application/json; charset=iso-8859-1", "none"})
    void otherContentTypesAre415(String contentType) {
        JsonNode e = error(http.post("/v1/jobs", CHAT, contentType.equals("none") ? null : contentType), 415,
                "unsupported_media_type");
        assertThat(e.path("message").asText()).contains("Content-Type: application/json");
    }

    @Test
    void aTruncatedBodyIsA400() {
        RawHttp.Answer cut = raw.send("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"mod\r\nzz\r\n");
        assertThat(cut.status()).as(cut.toString()).isEqualTo(400);
        cut.openAiError();
        for (String path : new String[] {"/v1/jobs/job_x/cancel", "/v1/batches/batch_x/cancel", "/v1/jobs"}) {
            RawHttp.Answer shortBody = raw.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"reason\"");
            assertThat(shortBody.status()).as(path + " " + shortBody).isEqualTo(400);
            assertThat(shortBody.openAiError().path("code").asText()).isEqualTo("invalid_body");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            uri too long           | 414 | GET /v1/jobs/LONG_ID HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n
            headers too large      | 431 | GET /v1/jobs/a HTTP/1.1\\r\\nHost: x\\r\\nX-Big: LONG_ID\\r\\nConnection: close\\r\\n\\r\\n
            malformed request line | 400 | GET\\r\\n\\r\\n
            bad version            | 505 | GET /health/live HTTP/9.9\\r\\nHost: x\\r\\n\\r\\n
            malformed header       | 400 | GET /health/live HTTP/1.1\\r\\nHost: x\\r\\nno colon here\\r\\nConnection: close\\r\\n\\r\\n
            bad percent-encoding   | 400 | GET /v1/jobs/%zz HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n
            undecodable limit      | 400 | GET /v1/batches?limit=%zz HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n
            undecodable files page | 400 | GET /v1/files?after=%zz&limit=2 HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n
            bad escape after ;     | 400 | POST /v1/jobs/;%/cancel HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n
            encoded slash          | 404 | GET /v1/jobs/a%2F..%2Fb HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n
            encoded nul            | 400 | GET /v1/jobs/a%00b HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n
            wrong method           | 405 | DELETE /v1/jobs HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n
            unknown path           | 404 | GET /v2/nothing HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n
            """)
    void theServersOwnErrorsAreOpenAiShapedJson(String name, int status, String request) {
        String text = request.replace("\\r\\n", "\r\n").replace("LONG_ID", "a".repeat(100_000));
        RawHttp.Answer a = raw.send(text);
        assertThat(a.status()).as(a.toString()).isEqualTo(status);
        JsonNode e = a.openAiError();
        assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(a.body()).hasSizeLessThan(1000);
        // a 5xx OpenAI's SDKs would retry, though the same request fails again
        assertThat(a.header("x-should-retry")).isEqualTo(status == 505 ? "false" : null);
        assertThat(a.header("x-request-id")).as("even where Jetty could not parse the request")
                .matches("req_[0-9a-f]{32}");
    }
}
