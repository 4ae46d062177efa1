package dev.llmq.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirLockTest {

    @Test
    void aDataDirUnderAFileSaysItIsNotADirectory(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("data"), "not a dir");
        Path kafka = file.resolve("kafka");

        assertThatThrownBy(() -> DataDirLock.acquire(kafka))
                .hasMessage("cannot lock Kafka data dir " + kafka + ": Not a directory");
    }

    @Test
    void aDataDirThatIsAFileSaysSo(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("kafka"), "not a dir");

        assertThatThrownBy(() -> DataDirLock.acquire(file))
                .hasMessage("cannot lock Kafka data dir " + file + ": " + file + " exists and is not a directory");
    }

    @Test
    void aDataDirNotWritableSaysPermissionDenied(@TempDir Path dir) {
        // as root (the tests' usual user) every dir is writable: the reason is given as the JDK throws it
        Path kafka = dir.resolve("kafka");
        assertThat(DataDirLock.cannotLock(kafka, new AccessDeniedException(kafka.toString())))
                .hasMessage("cannot lock Kafka data dir " + kafka + ": permission denied on " + kafka);
        assertThat(DataDirLock.cannotLock(kafka, new FileSystemException(kafka.toString(), null,
                "Read-only file system"))).hasMessage("cannot lock Kafka data dir " + kafka
                + ": Read-only file system");
        Path file = kafka.resolve(DataDirLock.FILE);
        assertThat(DataDirLock.cannotLock(kafka, new FileSystemException(file.toString(), null, "No space left")))
                .hasMessage("cannot lock Kafka data dir " + kafka + ": " + file + ": No space left");
    }

    @Test
    void aFreeDataDirIsLockedAndReleased(@TempDir Path dir) {
        Path kafka = dir.resolve("kafka");
        try (DataDirLock lock = DataDirLock.acquire(kafka)) {
            assertThat(kafka.resolve(DataDirLock.FILE)).exists();
            assertThatThrownBy(() -> DataDirLock.acquire(kafka)).hasMessageContaining("is in use by another broker");
        }
        DataDirLock.acquire(kafka).close();
    }
}
