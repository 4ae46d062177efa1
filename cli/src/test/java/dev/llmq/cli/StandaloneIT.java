package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Standalone mode with its own embedded broker and the bundled config (mock LLM). */
class StandaloneIT {

    @Test
    void restartOnTheSameDataDirKeepsTopicsAndResults(@TempDir Path dataDir) throws Exception {
        String jobId;
        try (Standalone first = Standalone.start(new Standalone.Options(null, dataDir, "127.0.0.1", 0, 0, Map.of(), null))) {
            await().atMost(Duration.ofSeconds(60)).until(first::ready);
            assertThat(first.mockLlm()).as("bundled config runs the mock LLM").isNotNull();
            IngestClient client = new IngestClient(first.httpUrl());
            jobId = client.submitNdjson(List.of(DemoSample.lines(1).get(0))).jobIds().get(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> client.job(jobId).path("status").asText().equals("succeeded"));
        }
        try (Standalone second = Standalone.start(new Standalone.Options(null, dataDir, "127.0.0.1", 0, 0, Map.of(), null))) {
            await().atMost(Duration.ofSeconds(60)).until(second::ready);
            IngestClient client = new IngestClient(second.httpUrl());
            var job = client.job(jobId);
            assertThat(job.path("status").asText()).isEqualTo("succeeded");
            assertThat(job.path("result").path("object").asText()).isEqualTo("chat.completion");
        }
    }

    @Test
    void demoRunsTheSampleEndToEndAndPrintsASummary() {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        int code = cli.execute("demo", "--jobs", "60");
        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString())
                .contains("60 jobs: 60 succeeded, 0 failed")
                .contains("a few results:")
                .contains("demo-0001")
                .containsPattern("gpt-4o-mini\\s+40\\s+0\\s+\\d+")
                .containsPattern("gpt-4o\\s+20\\s+0\\s+\\d+")
                .contains("spend by model (GET /v1/usage):")
                .as("every job counted once by the usage aggregator, priced from the bundled table")
                .containsPattern("gpt-4o-mini\\s+40\\s+40\\s+0\\s+\\d+\\s+\\d+\\s+\\d+\\s+0\\.\\d*[1-9]\\d*\\s+0\\n")
                .containsPattern("total\\s+60\\s+60\\s+0\\s+\\d+\\s+\\d+\\s+\\d+\\s+0\\.\\d*[1-9]\\d*\\s+0\\n");
    }
}
