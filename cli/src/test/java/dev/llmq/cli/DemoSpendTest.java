package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The demo's spend by model, against a real HTTP server on 127.0.0.1 answering {@code GET /v1/usage}: it waits until
 * the count covers the demo's jobs, and otherwise says why in one line.
 */
class DemoSpendTest {

    private FakeUsageServer server;

    @BeforeEach
    void start() throws IOException {
        server = FakeUsageServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private DemoSpend spend(int jobs, Duration patience) {
        return new DemoSpend(new IngestClient(server.url()), jobs, patience, Duration.ofMillis(20));
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
        server.reply(503, "{\"error\":{\"message\":\"the usage stores are moving\"}}");
        server.reply(200, answer(1, 1));
        server.reply(200, answer(2, 1));

        String report = spend(3, Duration.ofSeconds(20)).report();

        assertThat(report).isEqualTo("""
                spend by model (GET /v1/usage):
                model        requests  succeeded  failed  prompt tokens  completion tokens  cached tokens   cost USD  unpriced
                gpt-4o              1          1       0            100                 32              0  0.0005700         0
                gpt-4o-mini         2          2       0            200                 64              0  0.0000684         0
                --------------------------------------------------------------------------------------------------------------
                total               3          3       0            300                 96              0  0.0006384         0
                """);
        assertThat(server.queries()).hasSize(3).containsOnly("group_by=model&window=total");
    }

    @Test
    void anAggregatorThatNeverCatchesUpIsOneLine() throws Exception {
        server.reply(200, answer(1, 0));

        String report = spend(3, Duration.ofMillis(200)).report();

        assertThat(report).isEqualTo(
                "spend by model: not shown, the usage aggregator had counted 1 of 3 jobs after 200 ms\n");
        assertThat(server.queries().size()).isGreaterThan(1);
    }

    @Test
    void usageThatStaysUnavailableIsOneLine() throws Exception {
        server.reply(503, "{\"error\":{\"message\":\"the usage aggregator at http://127.0.0.1:9 cannot "
                + "be reached\"}}");

        String report = spend(3, Duration.ofMillis(200)).report();

        assertThat(report).isEqualTo("spend by model: not available (HTTP 503: the usage aggregator at "
                + "http://127.0.0.1:9 cannot be reached)\n");
    }

    @Test
    void aRefusalEndsTheWaitAtOnce() throws Exception {
        server.reply(400, "{\"error\":{\"message\":\"'window' must be one of 1d, 1h, 1m, total\"}}");

        String report = spend(3, Duration.ofSeconds(20)).report();

        assertThat(report).isEqualTo("spend by model: not available (HTTP 400: 'window' must be one of 1d, 1h, 1m, "
                + "total)\n");
        assertThat(server.queries()).hasSize(1);
    }
}
