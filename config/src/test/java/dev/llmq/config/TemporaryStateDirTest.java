package dev.llmq.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemporaryStateDirTest {

    @TempDir
    Path tmp;

    @Test
    void aNewDirectoryDeletesOnlyTheOrphansOfStoppedProcessesOfThisHost() throws Exception {
        String host = TemporaryStateDir.self().substring(TemporaryStateDir.self().indexOf('@') + 1);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path orphan = owned("llmq-worker-state-1", gone.pid() + "@" + host);
        Files.createDirectories(orphan.resolve("llmq-results-dedupe/0_1/rocksdb"));
        Files.writeString(orphan.resolve("llmq-results-dedupe/0_1/rocksdb/000001.sst"), "data");
        Path live = owned("llmq-worker-state-2", TemporaryStateDir.self());
        Path otherHost = owned("llmq-worker-state-3", gone.pid() + "@another-host");
        Path unowned = Files.createDirectories(tmp.resolve("llmq-worker-state-4"));
        Path otherKind = owned("llmq-usage-state-5", gone.pid() + "@" + host);

        List<Path> told = new ArrayList<>();
        Path created = TemporaryStateDir.create(tmp, "llmq-worker-state-", told::addAll);

        assertThat(told).containsExactly(orphan);
        assertThat(orphan).doesNotExist();
        assertThat(live).as("a running process's").exists();
        assertThat(otherHost).as("another host's, on a shared volume").exists();
        assertThat(unowned).as("one without an owner file").exists();
        assertThat(otherKind).as("another role's kind").exists();
        assertThat(created.getFileName().toString()).startsWith("llmq-worker-state-");
        assertThat(Files.readString(created.resolve(TemporaryStateDir.OWNER))).isEqualTo(TemporaryStateDir.self());
    }

    @Test
    void noOrphansNoCall() {
        List<Path> told = new ArrayList<>();
        TemporaryStateDir.create(tmp, "llmq-ingest-state-", told::addAll);
        assertThat(told).isEmpty();
    }

    private Path owned(String name, String owner) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve(TemporaryStateDir.OWNER), owner);
        return dir;
    }
}
