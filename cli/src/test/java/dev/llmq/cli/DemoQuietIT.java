package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code llmq demo} prints only its own output: the embedded broker's, worker's and ingest's log lines go to the log
 * file it names (kept after the demo), and that file carries no prompt of the jobs it ran.
 */
class DemoQuietIT {

    /** A logger line in the console pattern, or a JSON log line. */
    private static final Pattern LOG_LINE = Pattern.compile(
            "(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +(TRACE|DEBUG|INFO|WARN|ERROR) |\"level\" *:");
    private static final Pattern LOG_FILE = Pattern.compile("llmq demo: server logs in (\\S+) \\(--verbose");

    private Path logFile;

    @AfterEach
    void deleteLogs() throws Exception {
        if (logFile != null) {
            Files.deleteIfExists(logFile);
            Files.deleteIfExists(logFile.getParent());
            Files.deleteIfExists(logFile.getParent().getParent());
        }
    }

    @Test
    void demoPrintsOnlyItsOwnOutputAndLogsToAFileWithoutPrompts() throws Exception {
        ByteArrayOutputStream systemOut = new ByteArrayOutputStream();
        ByteArrayOutputStream systemErr = new ByteArrayOutputStream();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        int code;
        System.setOut(new PrintStream(systemOut, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(systemErr, true, StandardCharsets.UTF_8));
        try {
            var cli = Main.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            code = cli.execute("demo", "--jobs", "4");
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
        String stdout = out + systemOut.toString(StandardCharsets.UTF_8);
        String stderr = err + systemErr.toString(StandardCharsets.UTF_8);
        realOut.println("demo stdout:\n" + stdout + "\ndemo stderr:\n" + stderr);

        assertThat(code).as(stderr).isZero();
        assertThat(stdout).contains("4 jobs: 4 succeeded, 0 failed", "spend by model");
        assertThat(LOG_LINE.matcher(stdout).find()).as("a log line on stdout").isFalse();
        assertThat(LOG_LINE.matcher(stderr).find()).as("a log line on stderr").isFalse();
        Matcher said = LOG_FILE.matcher(stderr);
        assertThat(said.find()).as("where the logs go, on stderr").isTrue();
        logFile = Path.of(said.group(1));
        assertThat(logFile).endsWith(Path.of("logs", "llmq.log"));
        String logs = Files.readString(logFile);
        assertThat(logs).contains(" INFO  ", "dev.llmq.runtime.EmbeddedKafka", " WARN  ");
        for (String prompt : DemoSample.prompts()) {
            assertThat(logs).as("the log file").doesNotContain(prompt);
        }
    }
}
