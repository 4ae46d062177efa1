package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code llmq usage} against a real HTTP server on 127.0.0.1 answering {@code GET /v1/usage} as llmq does. */
class UsageCommandTest {

    private static final String TOTALS = """
            {"object":"list","group_by":"model","window":"total","from":null,"to":null,"data":[
             {"schema_version":1,"window":"total","group_by":"model","key":"gpt-4o-mini","requests":2,"succeeded":2,
              "prompt_tokens":40,"completion_tokens":12,"total_tokens":52,"cost_usd":0.00042150},
             {"schema_version":1,"window":"total","group_by":"model","key":"(none)","requests":1,"failed":1,
              "failures":{"no_deployment":1},"cost_usd":0}]}""";

    private FakeUsageServer server;

    @BeforeEach
    void start() throws IOException {
        server = FakeUsageServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String url() {
        return server.url().toString();
    }

    private static CliIT.Result run(String... args) {
        return CliIT.run(args);
    }

    @Test
    void printsTheTableWithATotalRow() {
        server.reply(200, TOTALS);

        CliIT.Result result = run("usage", "--url", url());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                model        requests  succeeded  failed  prompt tokens  completion tokens  cached tokens    cost USD  unpriced
                (none)              1          0       1              0                  0              0  0.00000000         0
                gpt-4o-mini         2          2       0             40                 12              0  0.00042150         0
                ---------------------------------------------------------------------------------------------------------------
                total               3          2       1             40                 12              0  0.00042150         0
                """);
        assertThat(server.queries()).containsExactly("group_by=model&window=total");
    }

    @Test
    void aWindowedTableWithoutARangeSaysWhichWindowsItSums() {
        server.reply(200, "{\"object\":\"list\",\"group_by\":\"model\",\"window\":\"1h\",\"data\":[]}");

        CliIT.Result result = run("usage", "--url", url(), "--window", "1h");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("no usage recorded (group_by model, window 1h)\n"
                + "the last 60 windows of 1h up to now (--from and --to choose others)\n");
    }

    @Test
    void everyOptionGoesIntoTheQueryUrlEncoded() {
        server.reply(200, "{\"object\":\"list\",\"group_by\":\"tenant\",\"window\":\"1h\",\"data\":[]}");

        CliIT.Result result = run("usage", "--url", url(), "--group-by", "tenant", "--window", "1h",
                "--from", "2026-11-30T00:00:00+01:00", "--to", "2026-11-30T06:00:00Z");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("no usage recorded (group_by tenant, window 1h)\n");
        assertThat(server.queries()).containsExactly("group_by=tenant&window=1h&from=2026-11-30T00%3A00%3A00%2B01%3A00"
                + "&to=2026-11-30T06%3A00%3A00Z");
    }

    @Test
    void jsonPrintsTheAnswerAsReceived() {
        server.reply(200, TOTALS);

        CliIT.Result result = run("usage", "--url", url(), "--json");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo(TOTALS + "\n");
    }

    @Test
    void aRefusalPrintsTheServersMessageAndExits1() {
        server.reply(400, "{\"error\":{\"message\":\"'window' must be one of 1d, 1h, 1m, total, got '5m'\","
                + "\"type\":\"invalid_request_error\",\"param\":\"window\",\"code\":\"invalid_value\"}}");

        CliIT.Result result = run("usage", "--url", url(), "--window", "5m");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).isEqualTo(
                "llmq usage: HTTP 400: 'window' must be one of 1d, 1h, 1m, total, got '5m'\n");
    }

    @Test
    void unavailableUsagePrintsTheServersMessageAndExits1() {
        server.reply(503, "{\"error\":{\"message\":\"no usage aggregator is configured for this ingest API\","
                + "\"type\":\"service_unavailable\",\"param\":null,\"code\":\"usage_unavailable\"}}");

        CliIT.Result result = run("usage", "--url", url());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("HTTP 503: no usage aggregator is configured for this ingest API");
    }

    @Test
    void anUnreachableLlmqIsAClearError() {
        String url = url();
        server.close();

        CliIT.Result result = run("usage", "--url", url);

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("llmq usage: cannot reach llmq at " + url + " (connection refused)\n");
    }

    @Test
    void watchRedrawsUntilStoppedAndRidesOutA503() throws Exception {
        server.reply(503, "{\"error\":{\"message\":\"the usage stores are moving\"}}");
        server.reply(200, TOTALS);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<CliIT.Result> watch = runner.submit(() -> run("usage", "--url", url(), "--watch", "1"));

            // the 503, then three answers: the last may be cut short by the stop, so two at least were drawn
            await().atMost(Duration.ofSeconds(20)).until(() -> server.queries().size() >= 4);
            runner.shutdownNow();
            CliIT.Result result = watch.get(10, TimeUnit.SECONDS);

            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(result.err()).contains("HTTP 503: the usage stores are moving (retrying in 1 s)");
            int draws = result.out().split("llmq usage at ", -1).length - 1;
            // one draw per answered query after the 503; the last query may have been cut short by the stop
            assertThat(draws).isGreaterThanOrEqualTo(2)
                    .isBetween(server.queries().size() - 2, server.queries().size() - 1);
            assertThat(result.out().split("\ntotal               3          2       1", -1)).hasSize(draws + 1);
            assertThat(result.out()).contains("(group by model, window total; every 1 s, Ctrl-C to stop)\nmodel ");
        } finally {
            runner.shutdownNow();
        }
    }
}
