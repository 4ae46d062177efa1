package dev.llmq.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link StateDir}: a configured directory is created and kept; without one, a temporary one is made and deleted. */
class StateDirTest {

    @TempDir
    Path tmp;

    @Test
    void aConfiguredDirectoryIsCreatedAndKeptWithItsState() throws Exception {
        Path configured = tmp.resolve("state/ingest-1");

        StateDir dir = StateDir.open(configured, "llmq-test-state-", dropped -> { });
        Files.writeString(configured.resolve("checkpoint"), "kept");
        dir.close();

        assertThat(dir.temporary()).isFalse();
        assertThat(dir.path()).isEqualTo(configured);
        assertThat(configured.resolve("checkpoint")).hasContent("kept");
    }

    @Test
    void withoutOneATemporaryDirectoryIsMadeAndDeletedWithWhatItHolds() throws Exception {
        List<Path> told = new ArrayList<>();
        StateDir dir = StateDir.open(null, "llmq-test-state-", told::addAll);
        Files.createDirectories(dir.path().resolve("app/0_1/rocksdb"));
        Files.writeString(dir.path().resolve("app/0_1/rocksdb/000001.sst"), "data");

        assertThat(dir.temporary()).isTrue();
        assertThat(dir.path().getFileName().toString()).startsWith("llmq-test-state-");
        assertThat(dir.path().resolve(TemporaryStateDir.OWNER)).exists();
        dir.close();
        assertThat(dir.path()).doesNotExist();
    }

    @Test
    void aDirectoryThatCannotBeCreatedIsAnErrorNamingIt() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");

        assertThatThrownBy(() -> StateDir.open(file.resolve("state"), "llmq-test-state-", dropped -> { }))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot create the state directory " + file.resolve("state"));
    }
}
