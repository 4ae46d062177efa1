package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code llmq usage} against a real HTTP server on 127.0.0.1 answering {@code GET /v1/usage} as llmq does. */
class UsageCommandTest {

    private static final String TOTALS = """
            {"object":"list","group_by":"model","window":"total","from":null,"to":null,"data":[
             {"schema_version":1,"window":"total","group_by":"model","key":"gpt-4o-mini","requests":2,"succeeded":2,
              "prompt_tokens":40,"completion_tokens":12,"total_tokens":52,"cost_usd":0.00042150},
             {"schema_version":1,"window":"total","group_by":"model","key":"(none)","requests":1,"failed":1,
              "failures":{"no_deployment":1},"cost_usd":0}]}""";

    private HttpServer server;
    private final Queue<Reply> replies = new ConcurrentLinkedQueue<>();
    private final List<String> queries = new CopyOnWriteArrayList<>();

    private record Reply(int status, String body) {
    }

    record Result(int exitCode, String out, String err) {
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/usage", exchange -> {
            queries.add(exchange.getRequestURI().getRawQuery());
            Reply reply = replies.size() > 1 ? replies.poll() : replies.peek();
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), bytes.length);
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

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private Result run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void printsTheTableWithATotalRow() {
        replies.add(new Reply(200, TOTALS));

        Result result = run("usage", "--url", url());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                model        requests  succeeded  failed  prompt tokens  completion tokens  cached tokens    cost USD  unpriced
                (none)              1          0       1              0                  0              0           0         0
                gpt-4o-mini         2          2       0             40                 12              0  0.00042150         0
                ---------------------------------------------------------------------------------------------------------------
                total               3          2       1             40                 12              0  0.00042150         0
                """);
        assertThat(queries).containsExactly("group_by=model&window=total");
    }

    @Test
    void everyOptionGoesIntoTheQueryUrlEncoded() {
        replies.add(new Reply(200, "{\"object\":\"list\",\"group_by\":\"tenant\",\"window\":\"1h\",\"data\":[]}"));

        Result result = run("usage", "--url", url(), "--group-by", "tenant", "--window", "1h",
                "--from", "2026-11-30T00:00:00+01:00", "--to", "2026-11-30T06:00:00Z");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("no usage recorded (group_by tenant, window 1h)\n");
        assertThat(queries).containsExactly("group_by=tenant&window=1h&from=2026-11-30T00%3A00%3A00%2B01%3A00"
                + "&to=2026-11-30T06%3A00%3A00Z");
    }

    @Test
    void jsonPrintsTheAnswerAsReceived() {
        replies.add(new Reply(200, TOTALS));

        Result result = run("usage", "--url", url(), "--json");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo(TOTALS + "\n");
    }

    @Test
    void aRefusalPrintsTheServersMessageAndExits1() {
        replies.add(new Reply(400, "{\"error\":{\"message\":\"'window' must be one of 1d, 1h, 1m, total, got '5m'\","
                + "\"type\":\"invalid_request_error\",\"param\":\"window\",\"code\":\"invalid_value\"}}"));

        Result result = run("usage", "--url", url(), "--window", "5m");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).isEqualTo(
                "llmq usage: HTTP 400: 'window' must be one of 1d, 1h, 1m, total, got '5m'\n");
    }

    @Test
    void unavailableUsagePrintsTheServersMessageAndExits1() {
        replies.add(new Reply(503, "{\"error\":{\"message\":\"no usage aggregator is configured for this ingest API\","
                + "\"type\":\"service_unavailable\",\"param\":null,\"code\":\"usage_unavailable\"}}"));

        Result result = run("usage", "--url", url());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("HTTP 503: no usage aggregator is configured for this ingest API");
    }

    @Test
    void anUnreachableLlmqIsAClearError() {
        String url = url();
        server.stop(0);

        Result result = run("usage", "--url", url);

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("llmq usage: cannot reach llmq at " + url + " (connection refused)\n");
    }

    @Test
    void watchRedrawsUntilStoppedAndRidesOutA503() throws Exception {
        replies.add(new Reply(503, "{\"error\":{\"message\":\"the usage stores are moving\"}}"));
        replies.add(new Reply(200, TOTALS));
        ExecutorService runner = Executors.newSingleThreadExecutor();
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        try {
            Future<Integer> watch = runner.submit(() -> cli.execute("usage", "--url", url(), "--watch", "1"));

            await().atMost(Duration.ofSeconds(20)).until(() -> queries.size() >= 3);
            runner.shutdownNow();
            int code = watch.get(10, TimeUnit.SECONDS);

            assertThat(code).as(err.toString()).isZero();
            assertThat(err.toString()).contains("HTTP 503: the usage stores are moving (retrying in 1 s)");
            String text = out.toString();
            int draws = text.split("llmq usage at ", -1).length - 1;
            // one draw per answered query after the 503; the last query may have been cut short by the stop
            assertThat(draws).isGreaterThanOrEqualTo(2).isBetween(queries.size() - 2, queries.size() - 1);
            assertThat(text.split("\ntotal               3          2       1", -1)).hasSize(draws + 1);
            assertThat(text).contains("(group by model, window total; every 1 s, Ctrl-C to stop)\nmodel ");
        } finally {
            runner.shutdownNow();
        }
    }
}
