package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.Json;
import dev.llmq.worker.PromptLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Where log lines go ({@link Logs}), with real logback and this JVM's stderr captured. */
class LogsTest {

    private static final Logger LOG = LoggerFactory.getLogger("dev.llmq.test.Logs");

    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private PrintStream realErr;

    @BeforeEach
    void captureStderr() {
        realErr = System.err;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStderr() {
        System.setErr(realErr);
        MDC.clear();
    }

    private String stderr() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonFormatWritesOneJsonObjectPerLineOnStderrUntilClosed() throws Exception {
        try (Logs.Redirect ignored = Logs.apply(Logs.Format.JSON, false)) {
            assertThat(Logs.currentFormat()).isEqualTo(Logs.Format.JSON);
            MDC.put("job_id", "job-9");
            LOG.info("in json");
        }
        LOG.info("back to text");

        String[] lines = stderr().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode json = Json.mapper().readTree(lines[0]);
        assertThat(json.path("message").asText()).isEqualTo("in json");
        assertThat(json.path("job_id").asText()).isEqualTo("job-9");
        assertThat(lines[1]).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  .* - back to text");
        assertThat(Logs.currentFormat()).isEqualTo(Logs.Format.TEXT);
    }

    @Test
    void anEmbeddedStackLogsToItsFileAndSaysWhereUnlessVerbose(@TempDir Path dataDir) throws Exception {
        StringWriter said = new StringWriter();
        try (Logs.Redirect ignored = Logs.embeddedStack("demo", dataDir, false, new PrintWriter(said))) {
            LOG.warn("a server warning");
        }
        Path file = dataDir.resolve("logs/llmq.log").toAbsolutePath();
        assertThat(said.toString()).isEqualTo("llmq demo: server logs in " + file + " (--verbose shows them here)"
                + System.lineSeparator());
        assertThat(stderr()).isEmpty();
        assertThat(Files.readString(file)).matches("(?s)\\d{4}-\\d\\d-\\d\\dT[^ ]+ WARN  \\[.*] dev.llmq.test.Logs "
                + "- a server warning\n");

        StringWriter saidVerbose = new StringWriter();
        try (Logs.Redirect ignored = Logs.embeddedStack("demo", dataDir, true, new PrintWriter(saidVerbose))) {
            LOG.warn("a verbose warning");
        }
        assertThat(saidVerbose.toString()).isEmpty();
        assertThat(stderr()).contains("WARN  dev.llmq.test.Logs - a verbose warning");
        assertThat(Files.readString(file)).doesNotContain("a verbose warning");
    }

    @Test
    void theFileTakesTheJsonFormatOfTheConsole(@TempDir Path dataDir) throws Exception {
        try (Logs.Redirect json = Logs.apply(Logs.Format.JSON, false);
             Logs.Redirect file = Logs.embeddedStack("demo", dataDir, false, new PrintWriter(new StringWriter()))) {
            LOG.info("to the file");
        }
        assertThat(stderr()).isEmpty();
        JsonNode line = Json.mapper().readTree(Files.readString(dataDir.resolve(Logs.LOG_FILE)));
        assertThat(line.path("message").asText()).isEqualTo("to the file");
    }

    @Test
    void promptsAreLoggedOnlyWhenAskedFor() {
        ObjectNode body = Json.mapper().createObjectNode().put("model", "g");
        body.putArray("messages").addObject().put("role", "user").put("content", "the planted prompt");
        JobRequest job = new JobRequest(1, "job-p", "batch-p", null, null, "g", body, false, 0, null, null, null,
                Instant.EPOCH, null);

        PromptLog.request(job);
        assertThat(stderr()).as("by default").isEmpty();
        try (Logs.Redirect ignored = Logs.apply(Logs.Format.TEXT, true)) {
            PromptLog.request(job);
        }
        assertThat(stderr()).contains("DEBUG dev.llmq.prompts - job job-p of batch batch-p (g): request body",
                "the planted prompt");
        stderr.reset();
        PromptLog.request(job);
        assertThat(stderr()).as("after --log-prompts is undone").isEmpty();
    }

    @Test
    void everyCommandTakesTheLogFlags() {
        for (String command : new String[] {"demo", "worker", "ingest", "standalone", "usage-aggregator", "mock-llm"}) {
            var cli = Main.commandLine();
            cli.parseArgs(command, "--log-format", "JSON", "--log-prompts");
            Main main = cli.getCommand();
            assertThat(main.logFormat).as(command).isEqualTo(Logs.Format.JSON);
            assertThat(main.logPrompts).as(command).isTrue();
        }
        assertThatThrownBy(() -> Main.commandLine().parseArgs("--log-format", "yaml", "status", "job-1"))
                .hasMessageContaining("log format must be text or json, got 'yaml'");
        var cli = Main.commandLine();
        cli.parseArgs("status", "job-1");
        assertThat(((Main) cli.getCommand()).logFormat).isEqualTo(Logs.Format.TEXT);
    }
}
