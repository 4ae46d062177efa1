package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The demo's spend by model, against a real HTTP server on 127.0.0.1 answering {@code GET /v1/usage}: it waits until
 * the count covers the demo's jobs, and otherwise says why in one line.
 */
class DemoSpendTest {

    private HttpServer server;
    private final Queue<String[]> replies = new ConcurrentLinkedQueue<>();
    private final List<String> queries = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/usage", exchange -> {
            queries.add(exchange.getRequestURI().getRawQuery());
            String[] reply = replies.size() > 1 ? replies.poll() : replies.peek();
            byte[] bytes = reply[1].getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(Integer.parseInt(reply[0]), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private DemoSpend spend(int jobs, Duration wait) {
        return new DemoSpend(new IngestClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort())), jobs,
                wait, Duration.ofMillis(20));
    }

    private static String answer(long miniRequests, long gpt4oRequests) {
        return """
                {"object":"list","group_by":"model","window":"total","data":[
                 {"window":"total","group_by":"model","key":"gpt-4o-mini","requests":%d,"succeeded":%d,
                  "prompt_tokens":200,"completion_tokens":64,"cost_usd":0.0000684},
                 {"window":"total","group_by":"model","key":"gpt-4o","requests":%d,"succeeded":%d,
                  "prompt_tokens":100,"completion_tokens":32,"cost_usd":0.00057}]}"""
                .formatted(miniRequests, miniRequests, gpt4oRequests, gpt4oRequests);
    }

    @Test
    void waitsUntilTheAggregatorCountedEveryJobThenPrintsTheTable() throws Exception {
        replies.add(new String[] {"503", "{\"error\":{\"message\":\"the usage stores are moving\"}}"});
        replies.add(new String[] {"200", answer(1, 1)});
        replies.add(new String[] {"200", answer(2, 1)});

        String report = spend(3, Duration.ofSeconds(20)).report();

        assertThat(report).isEqualTo("""
                spend by model (GET /v1/usage):
                model        requests  succeeded  failed  prompt tokens  completion tokens  cached tokens   cost USD  unpriced
                gpt-4o              1          1       0            100                 32              0    0.00057         0
                gpt-4o-mini         2          2       0            200                 64              0  0.0000684         0
                --------------------------------------------------------------------------------------------------------------
                total               3          3       0            300                 96              0  0.0006384         0
                """);
        assertThat(queries).hasSize(3).containsOnly("group_by=model&window=total");
    }

    @Test
    void anAggregatorThatNeverCatchesUpIsOneLine() throws Exception {
        replies.add(new String[] {"200", answer(1, 0)});

        String report = spend(3, Duration.ofMillis(200)).report();

        assertThat(report).isEqualTo(
                "spend by model: not shown, the usage aggregator had counted 1 of 3 jobs after 200 ms\n");
        assertThat(queries.size()).isGreaterThan(1);
    }

    @Test
    void usageThatStaysUnavailableIsOneLine() throws Exception {
        replies.add(new String[] {"503", "{\"error\":{\"message\":\"the usage aggregator at http://127.0.0.1:9 cannot "
                + "be reached\"}}"});

        String report = spend(3, Duration.ofMillis(200)).report();

        assertThat(report).isEqualTo("spend by model: not available (HTTP 503: the usage aggregator at "
                + "http://127.0.0.1:9 cannot be reached)\n");
    }

    @Test
    void aRefusalEndsTheWaitAtOnce() throws Exception {
        replies.add(new String[] {"400", "{\"error\":{\"message\":\"'window' must be one of 1d, 1h, 1m, total\"}}"});

        String report = spend(3, Duration.ofSeconds(20)).report();

        assertThat(report).isEqualTo("spend by model: not available (HTTP 400: 'window' must be one of 1d, 1h, 1m, "
                + "total)\n");
        assertThat(queries).hasSize(1);
    }
}
