package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.Json;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The {@code llmq} commands a user types, run against a live llmq. */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliIT {

    private MockLlmServer mock;
    private Standalone llmq;
    private Path dir;

    @BeforeAll
    void start(KafkaCluster kafka, @TempDir Path tempDir) throws Exception {
        dir = tempDir;
        mock = MockLlmServer.builder().port(0).build().start();
        // slow enough that a tail attaches while the job is still streaming
        mock.behavior("gpt-4o", MockBehavior.defaults().withCompletionTokens(30).withTokensPerSecond(40));
        Path config = TestConfigs.write(dir, mock.openAiBaseUrl(), TestConfigs.uniquePrefix());
        llmq = TestConfigs.startLlmq(config, dir, kafka.bootstrapServers());
    }

    @AfterAll
    void stop() throws Exception {
        TestConfigs.closeAll(llmq, mock);
    }

    record Result(int exitCode, String out, String err) {
    }

    static Result run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void healthReadyAnswers200OnceRunning() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(llmq.httpUrl().resolve("/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void metricsAreExposedForPrometheus() throws Exception {
        new IngestClient(llmq.httpUrl()).submitNdjson(List.of(DemoSample.lines(1).get(0)));
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(llmq.httpUrl().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("llmq_jobs_submitted").contains("llmq_jobs_completed_total").contains("llmq_worker_in_flight");
    }

    @Test
    void submitWaitWritesBatchOutputInInputOrder() throws Exception {
        Path input = dir.resolve("in.jsonl");
        Files.write(input, DemoSample.lines(120));
        Path output = dir.resolve("out.jsonl");

        Result result = run("submit", input.toString(), "--url", llmq.httpUrl().toString(), "--wait", "-o",
                output.toString(), "--slice", "50");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out())
                .containsPattern("submitted 120 jobs in 3 submissions: batch_\\S+ batch_\\S+ batch_\\S+\\R")
                .contains("120 succeeded, 0 failed");
        List<String> lines = Files.readAllLines(output);
        assertThat(lines).hasSize(120);
        for (int i = 0; i < lines.size(); i++) {
            JsonNode line = Json.mapper().readTree(lines.get(i));
            assertThat(line.path("custom_id").asText()).isEqualTo(String.format("demo-%04d", i + 1));
            assertThat(line.path("response").path("body").path("object").asText()).isEqualTo("chat.completion");
        }
    }

    @Test
    void resultsWritesTheOutputOfBatchesSubmittedEarlierInInputOrder() throws Exception {
        Path input = dir.resolve("later.jsonl");
        Files.write(input, DemoSample.lines(30));
        String url = llmq.httpUrl().toString();
        Result submitted = run("submit", input.toString(), "--url", url, "--slice", "10");
        assertThat(submitted.exitCode()).as(submitted.err()).isZero();
        assertThat(submitted.err()).contains("`llmq results BATCH_ID... -o OUT.jsonl --wait` writes their output");
        List<String> batches = List.of(submitted.out().strip().replaceAll(".*: ", "").split(" "));
        assertThat(batches).hasSize(3).allMatch(b -> b.startsWith("batch_"));

        Path output = dir.resolve("later-out.jsonl");
        List<String> args = new ArrayList<>(List.of("results", "--wait", "-o", output.toString(), "--url", url));
        args.addAll(batches);
        Result results = run(args.toArray(String[]::new));
        assertThat(results.exitCode()).as(results.err()).isZero();
        assertThat(results.err()).contains("wrote 30 lines to " + output);
        List<String> lines = Files.readAllLines(output);
        assertThat(lines).hasSize(30);
        for (int i = 0; i < lines.size(); i++) {
            assertThat(Json.mapper().readTree(lines.get(i)).path("custom_id").asText())
                    .isEqualTo(String.format("demo-%04d", i + 1));
        }

        // to stdout, one batch: its ten lines
        Result one = run("results", batches.get(1), "--url", url);
        assertThat(one.exitCode()).as(one.err()).isZero();
        assertThat(one.out().lines().map(l -> l.replaceAll(".*\"custom_id\":\"(demo-\\d+)\".*", "$1")).toList())
                .containsExactly("demo-0011", "demo-0012", "demo-0013", "demo-0014", "demo-0015", "demo-0016",
                        "demo-0017", "demo-0018", "demo-0019", "demo-0020");

        // a wrong id is named before anything is written
        Path none = dir.resolve("none.jsonl");
        Result wrong = run("results", batches.get(0), "batch_nope", "-o", none.toString(), "--url", url);
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.err()).contains("llmq results: batch_nope: HTTP 404: no batch with id 'batch_nope'");
        assertThat(none).doesNotExist();
    }

    @Test
    void submitOfAMissingFileSaysSo() {
        Result result = run("submit", dir.resolve("nope.jsonl").toString(), "--url", llmq.httpUrl().toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("no such file");
    }

    @Test
    void submitOfABadFileIsRejectedWithTheLineNumber() throws Exception {
        Path input = dir.resolve("bad.jsonl");
        List<String> lines = new java.util.ArrayList<>(DemoSample.lines(3));
        lines.set(1, "{\"custom_id\":\"x\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"gpt-4o\"}}");
        Files.write(input, lines);
        Result result = run("submit", input.toString(), "--url", llmq.httpUrl().toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("line 2").contains("messages");
    }

    /**
     * A streaming job's tokens as they arrive; a job without a stream has none to follow, and its answer is printed
     * once it ends.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void tailPrintsTheJobsText(boolean stream) throws Exception {
        IngestClient client = new IngestClient(llmq.httpUrl());
        String line = "{\"custom_id\":\"tail-" + stream + "\",\"model\":\"gpt-4o\",\"stream\":" + stream + ","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]}";
        String jobId = client.submitNdjson(List.of(line)).jobIds().get(0);

        CompletableFuture<Result> tail = CompletableFuture.supplyAsync(() ->
                run("tail", "--job", jobId, "--url", llmq.httpUrl().toString()));
        Result result = tail.get(60, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(result.exitCode()).as(result.err()).isZero();
        JsonNode job = client.job(jobId);
        assertThat(job.path("status").asText()).isEqualTo("succeeded");
        String content = job.path("result").path("choices").path(0).path("message").path("content").asText();
        assertThat(content).isNotBlank();
        assertThat(result.out().strip()).isEqualTo(content.strip());
    }

    @Test
    void statusPrintsTheJob() throws Exception {
        IngestClient client = new IngestClient(llmq.httpUrl());
        String jobId = client.submitNdjson(List.of(DemoSample.lines(1).get(0))).jobIds().get(0);
        await().atMost(Duration.ofSeconds(30)).until(() -> client.job(jobId).path("status").asText().equals("succeeded"));
        Result result = run("status", jobId, "--url", llmq.httpUrl().toString());
        assertThat(result.exitCode()).isZero();
        assertThat(Json.mapper().readTree(result.out()).path("id").asText()).isEqualTo(jobId);
    }

    @Test
    void batchesListsTheNewestFirstPageByPage() throws Exception {
        IngestClient client = new IngestClient(llmq.httpUrl());
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            mine.add(0, client.submitNdjson(DemoSample.lines(2)).batchId()); // newest first
        }
        String url = llmq.httpUrl().toString();
        await().atMost(Duration.ofSeconds(30)).until(() -> mine.stream().allMatch(b -> {
            try {
                return client.batchView(b).path("status").asText().equals("completed");
            } catch (Exception e) {
                return false;
            }
        }) && run("batches", "--limit", "3", "--url", url).out().contains(mine.getLast()));

        Result first = run("batches", "--limit", "2", "--url", url);
        assertThat(first.exitCode()).as(first.err()).isZero();
        List<String> lines = first.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("batch").contains("submitted", "status", "total", "succeeded", "failed",
                "cancelled", "expired", "queued", "running", "cost USD");
        // the bundled price table prices the mock's gpt-4o: a cost of at least eight decimals
        assertThat(lines.get(1)).matches(mine.get(0)
                + " +\\d{4}-\\d\\d-\\d\\dT\\S+Z +completed +2 +2 +0 +0 +0 +0 +0 +0\\.\\d{8,}");
        JsonNode batch = client.batchView(mine.get(0));
        assertThat(batch.path("cost_usd").decimalValue()).isPositive();
        assertThat(batch.at("/usage/total_tokens").asLong()).isPositive();
        assertThat(lines.get(2)).startsWith(mine.get(1) + " ");
        assertThat(lines.get(3)).isEqualTo("more: llmq batches --after " + mine.get(1));

        Result next = run("batches", "--limit", "1", "--after", mine.get(1), "--url", url);
        assertThat(next.out().lines().skip(1).findFirst().orElseThrow()).startsWith(mine.get(2) + " ");

        Result all = run("batches", "--all", "--limit", "2", "--url", url);
        assertThat(all.exitCode()).as(all.err()).isZero();
        assertThat(all.out()).contains(mine).doesNotContain("more:");

        Result json = run("batches", "--limit", "1", "--json", "--url", url);
        assertThat(Json.mapper().readTree(json.out()).at("/data/0/id").asText()).isEqualTo(mine.get(0));

        Result refused = run("batches", "--limit", "0", "--url", url);
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("--limit takes a whole number from 1 to 100");
        Result bad = run("batches", "--after", "job_1", "--url", url);
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("llmq batches: HTTP 400: 'after' must be a batch id");
    }

    @Test
    void cancelStopsABatchAndStatusShowsIt() throws Exception {
        // slow enough that the cancel finds every job of the batch queued or running
        mock.behavior("gpt-4o-mini", MockBehavior.defaults().withLatency(Duration.ofSeconds(30))
                .withTimeToFirstToken(Duration.ofSeconds(30)));
        try {
            IngestClient client = new IngestClient(llmq.httpUrl());
            IngestClient.Submission submitted = client.submitNdjson(DemoSample.lines(3).stream()
                    .map(l -> l.replace("\"gpt-4o\"", "\"gpt-4o-mini\"")).toList());
            String batchId = submitted.batchId();

            Result cancel = run("cancel", batchId, "--reason", "wrong prompts", "--url", llmq.httpUrl().toString());

            assertThat(cancel.exitCode()).as(cancel.err()).isZero();
            assertThat(cancel.out())
                    .startsWith("cancel requested for batch " + batchId + " (3 jobs); status cancelling");
            await().atMost(Duration.ofSeconds(30)).until(() -> client.batchView(batchId).path("status").asText()
                    .equals("cancelled"));
            Result status = run("status", batchId, "--url", llmq.httpUrl().toString());
            assertThat(status.exitCode()).as(status.err()).isZero();
            JsonNode batch = Json.mapper().readTree(status.out());
            assertThat(batch.path("object").asText()).isEqualTo("batch");
            assertThat(batch.at("/counts/cancelled").asInt()).isEqualTo(3);
            assertThat(batch.path("cancelled_at").isNumber()).isTrue();
            assertThat(client.job(submitted.jobIds().get(0)).at("/error/message").asText())
                    .isEqualTo("the job was cancelled (with its batch " + batchId + "): wrong prompts");

            String other = client.submitNdjson(DemoSample.lines(2).stream()
                    .map(l -> l.replace("\"gpt-4o\"", "\"gpt-4o-mini\"")).toList()).batchId();
            Result several = run("cancel", batchId, "job_nope", other, "--url", llmq.httpUrl().toString());
            assertThat(several.exitCode()).as("two of three refused").isEqualTo(1);
            assertThat(several.err()).contains("llmq cancel: " + batchId + ": HTTP 409: Cannot cancel a batch with "
                            + "status 'cancelled': every job of batch")
                    .contains("llmq cancel: job_nope: HTTP 404: no job with id 'job_nope'");
            assertThat(several.out()).isEqualTo("cancel requested for batch " + other + " (2 jobs); status cancelling"
                    + " (`llmq status " + other + "` shows the outcome)" + System.lineSeparator());
        } finally {
            mock.behavior("gpt-4o-mini", MockBehavior.defaults());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"status job_x", "status batch_x", "cancel job_x", "tail --job job_x",
        "usage --group-by model"})
    void unreachableLlmqIsAClearError(String command) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.addAll(List.of("--url", "http://127.0.0.1:1"));
        Result result = run(args.toArray(String[]::new));
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("cannot reach llmq at http://127.0.0.1:1");
    }
}
