package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llmq submit --wait} as a process of its own, stopped while it waits (Ctrl-C, or SIGTERM): it says that the
 * jobs were submitted and go on, and how to get their output or stop them.
 */
class SubmitInterruptedIT {

    @TempDir
    Path dir;

    @Test
    void stoppedWhileWaitingItSaysTheJobsGoOnAndHowToReachThem() throws Exception {
        try (FakeIngest ingest = FakeIngest.start()) {
            ingest.json("/v1/jobs", 202, "{\"batch_id\":\"batch_7\",\"jobs\":[{\"id\":\"job_1\"}]}");
            ingest.json("/v1/batches/batch_7", 200, "{\"total\":1,\"counts\":{\"queued\":1}}"); // never ends
            Path input = Files.writeString(dir.resolve("in.jsonl"), "{\"custom_id\":\"a\",\"method\":\"POST\","
                    + "\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"hi\"}]}}\n");
            Path out = dir.resolve("out.log");
            Path err = dir.resolve("err.log");
            String java = ProcessHandle.current().info().command().orElse("java");
            Process submit = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), Main.class.getName(), "submit", input.toString(), "--wait",
                    "--url", ingest.url().toString())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(out).contains("batch_7"));
                // SIGTERM, which runs the JVM's shutdown hooks as Ctrl-C's SIGINT does: a process started in the
                // background by a shell (as CI runs the build) inherits SIGINT ignored, and the JVM leaves it so
                submit.destroy();
                assertThat(submit.waitFor(30, TimeUnit.SECONDS)).as("llmq submit ended on SIGTERM").isTrue();

                assertThat(Files.readString(err)).contains(SubmitCommand.stoppedWaiting(List.of("batch_7"),
                        null)).contains("llmq results batch_7 -o OUT.jsonl --wait", "llmq cancel batch_7");
            } finally {
                submit.destroyForcibly();
            }
        }
    }
}
