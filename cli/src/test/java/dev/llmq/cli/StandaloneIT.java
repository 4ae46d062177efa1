package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** A logger line in the console pattern, or a JSON log line. */
    private static final Pattern LOG_LINE = Pattern.compile(
            "(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +(TRACE|DEBUG|INFO|WARN|ERROR) |\"level\" *:");
    private static final Pattern LOG_FILE = Pattern.compile("llmq demo: server logs in (\\S+) \\(--verbose");

    /**
     * The demo prints only its own output: its embedded broker's, worker's and ingest's log lines go to the file it
     * names on stderr (kept after the demo), and that file carries no prompt of the jobs it ran; it submits once its
     * llmq is ready, so no submission is refused and tried again.
     */
    @Test
    void demoRunsTheSampleEndToEndAndPrintsOnlyItsOwnOutput() throws Exception {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        ByteArrayOutputStream systemOut = new ByteArrayOutputStream();
        ByteArrayOutputStream systemErr = new ByteArrayOutputStream();
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        int code;
        System.setOut(new PrintStream(systemOut, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(systemErr, true, StandardCharsets.UTF_8));
        try {
            code = cli.execute("demo", "--jobs", "60");
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
        String stdout = out + systemOut.toString(StandardCharsets.UTF_8);
        String stderr = err + systemErr.toString(StandardCharsets.UTF_8);
        realOut.println("demo stdout:\n" + stdout + "\ndemo stderr:\n" + stderr);
        Matcher said = LOG_FILE.matcher(stderr);
        assertThat(said.find()).as("where the logs go, on stderr: %s", stderr).isTrue();
        Path logFile = Path.of(said.group(1));
        try {
            assertThat(code).as(stderr).isZero();
            assertThat(stdout)
                    .contains("60 jobs: 60 succeeded, 0 failed")
                    .contains("a few results:")
                    .contains("demo-0001")
                    .containsPattern("gpt-4o-mini\\s+40\\s+0\\s+\\d+")
                    .containsPattern("gpt-4o\\s+20\\s+0\\s+\\d+")
                    .contains("spend by model (GET /v1/usage):")
                    .as("every job counted once by the usage aggregator, priced from the bundled table")
                    .containsPattern("gpt-4o-mini\\s+40\\s+40\\s+0\\s+\\d+\\s+\\d+\\s+\\d+\\s+0\\.\\d*[1-9]\\d*\\s+0\\n")
                    .containsPattern("total\\s+60\\s+60\\s+0\\s+\\d+\\s+\\d+\\s+\\d+\\s+0\\.\\d*[1-9]\\d*\\s+0\\n");
            assertThat(LOG_LINE.matcher(stdout).find()).as("a log line on stdout").isFalse();
            assertThat(LOG_LINE.matcher(stderr).find()).as("a log line on stderr").isFalse();
            // submitted once llmq is ready, as `llmq standalone` says it is: nothing refused and tried again
            assertThat(stderr).doesNotContain("trying again", "HTTP 5");
            assertThat(logFile).endsWith(Path.of("logs", "llmq.log"));
            String logs = Files.readString(logFile);
            assertThat(logs).contains(" INFO  ", "dev.llmq.runtime.EmbeddedKafka", " WARN  ");
            for (String prompt : DemoSample.prompts()) {
                assertThat(logs).as("the log file").doesNotContain(prompt);
            }
        } finally {
            Files.deleteIfExists(logFile);
            Files.deleteIfExists(logFile.getParent());
            Files.deleteIfExists(logFile.getParent().getParent());
        }
    }
}
