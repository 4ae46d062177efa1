package dev.llmq.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExactlyOnceStateTest {

    @TempDir
    Path stateDir;

    @Test
    void dropsOnlyTheTaskDirectoriesWithoutACheckpoint() throws IOException {
        Path app = stateDir.resolve("llmq-results-dedupe");
        Path crashed = Files.createDirectories(app.resolve("0_1").resolve("rocksdb").resolve("store"));
        Files.writeString(crashed.resolve("000001.sst"), "data");
        Path clean = Files.createDirectories(app.resolve("0_2").resolve("rocksdb"));
        Files.writeString(app.resolve("0_2").resolve(ExactlyOnceState.CHECKPOINT), "0\n1\nchangelog 2 42\n");
        Files.createDirectories(app.resolve("1_0"));
        Files.writeString(app.resolve("kafka-streams-process-metadata"), "{}");
        Path other = Files.createDirectories(stateDir.resolve("another-app").resolve("0_1"));

        assertThat(ExactlyOnceState.dropUncheckpointedTaskDirs(stateDir, "llmq-results-dedupe"))
                .containsExactlyInAnyOrder("0_1", "1_0");

        assertThat(app.resolve("0_1")).doesNotExist();
        assertThat(app.resolve("1_0")).doesNotExist();
        assertThat(clean).exists();
        assertThat(app.resolve("kafka-streams-process-metadata")).exists();
        assertThat(other).as("another application's tasks are not this one's to drop").exists();
    }

    @Test
    void aStateDirectoryWithoutTheApplicationIsLeftAlone() {
        assertThat(ExactlyOnceState.dropUncheckpointedTaskDirs(stateDir, "llmq-usage-aggregator")).isEmpty();
        assertThat(stateDir).isEmptyDirectory();
    }
}
