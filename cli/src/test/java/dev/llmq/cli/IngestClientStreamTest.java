package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link IngestClient#stream}: the job's SSE relay, read with provider-lib's framer. */
class IngestClientStreamTest {

    private HttpServer server;
    /** What the relay writes, flushed piece by piece. */
    private volatile List<byte[]> pieces = List.of();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/jobs/job_1/stream", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (byte[] piece : pieces) {
                    out.write(piece);
                    out.flush();
                }
            }
        });
        server.createContext("/v1/jobs/job_missing/stream", exchange -> {
            byte[] body = "{\"error\":{\"message\":\"no such job: job_missing\"}}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private IngestClient client() {
        return new IngestClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String chunk(String text) {
        return "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"" + text + "\"}}]}";
    }

    private List<String> contents(String jobId) throws Exception {
        List<String> seen = new ArrayList<>();
        client().stream(jobId, (JsonNode c) -> seen.add(c.path("choices").path(0).path("delta").path("content")
                .asText(c.toString())));
        return seen;
    }

    @Test
    void chunksSplitAnywhereArriveWholeInOrderAndDoneEndsTheStream() throws Exception {
        byte[] first = utf8("data: " + chunk("Hé") + "\r\n\r\n");
        int inTheAccent = new String(first, StandardCharsets.ISO_8859_1).indexOf('\u00c3') + 1;
        pieces = List.of(utf8(": keep-alive\n\n"),
                Arrays.copyOfRange(first, 0, 9), Arrays.copyOfRange(first, 9, inTheAccent),
                Arrays.copyOfRange(first, inTheAccent, first.length - 1), Arrays.copyOfRange(first, first.length - 1,
                        first.length),
                utf8(": attempt 2 restarts the stream\n\ndata: " + chunk("llo") + "\n"),
                utf8("\ndata: [DONE]\n\n"),
                utf8("data: " + chunk("after done") + "\n\n"));

        assertThat(contents("job_1")).containsExactly("Hé", "llo");
    }

    @Test
    void aChangeOfRunInTheEventIdsIsARestartBeforeTheNewRunsFirstChunk() throws Exception {
        pieces = List.of(utf8("data: " + chunk("Hel") + "\nid: r1:0\n\ndata: " + chunk("lo") + "\nid: r1:1\n\n"),
                utf8(": attempt 1 (run r2) restarts the stream\n\ndata: " + chunk("Hi") + "\nid: r2:0\n\n"),
                utf8("data: " + chunk("!") + "\nid: r2:1\n\n"),
                utf8("data: {\"error\":{\"message\":\"late\"}}\n\ndata: [DONE]\n\n"));

        List<String> seen = new ArrayList<>();
        client().stream("job_1", c -> seen.add(c.path("choices").path(0).path("delta").path("content")
                .asText(c.path("error").path("message").asText())), run -> seen.add("<restart " + run + ">"));

        assertThat(seen).containsExactly("Hel", "lo", "<restart r2>", "Hi", "!", "late");
    }

    @Test
    void eventIdsAreReadAsRunAndSequence() {
        assertThat(IngestClient.runOf("019ad0f2-6b1e-7c3a-9d2e-5f4a3b2c1d0e:12"))
                .isEqualTo("019ad0f2-6b1e-7c3a-9d2e-5f4a3b2c1d0e");
        assertThat(IngestClient.runOf("attempt-2:0")).isEqualTo("attempt-2");
        assertThat(IngestClient.runOf(null)).isNull();
        assertThat(IngestClient.runOf("no-sequence")).isNull();
    }

    @Test
    void anErrorEventIsHandedOnAndAStreamEndingWithoutDoneReturns() throws Exception {
        pieces = List.of(utf8("data: " + chunk("partial") + "\n\n"),
                utf8("data: {\"error\":{\"message\":\"the stream stayed open too long\"}}\n\n"),
                utf8("data: " + chunk("cut off")));

        assertThat(contents("job_1")).containsExactly("partial",
                "{\"error\":{\"message\":\"the stream stayed open too long\"}}");
    }

    @Test
    void aJobWithoutStreamIsTheApisError() {
        assertThatThrownBy(() -> contents("job_missing"))
                .isInstanceOf(IngestClient.ApiException.class)
                .hasMessage("HTTP 404: no such job: job_missing");
    }
}
