package dev.llmq.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The state directory of a role that keeps Kafka Streams state (an ingest's status store, a usage
 * aggregator): the one configured, created when missing and kept, or else a new
 * {@link TemporaryStateDir} that {@link #close()} deletes.
 *
 * @param path the directory
 * @param temporary whether it was created for this process alone (and is deleted when the role stops)
 */
public record StateDir(Path path, boolean temporary) implements AutoCloseable {

    public StateDir {
        Objects.requireNonNull(path, "path");
    }

    /**
     * The configured directory, or a temporary one when {@code configured} is null.
     *
     * @param temporaryPrefix the temporary directory's name before its random part (its kind: orphans of the same
     *                        kind left by killed processes are deleted first)
     * @param dropped told which orphans were deleted, when there were any (for the caller's log)
     * @throws UncheckedIOException when the directory cannot be created
     */
    public static StateDir open(Path configured, String temporaryPrefix, Consumer<List<Path>> dropped) {
        if (configured == null) {
            return new StateDir(TemporaryStateDir.create(temporaryPrefix, dropped), true);
        }
        try {
            return new StateDir(Files.createDirectories(configured), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state directory " + configured, e);
        }
    }

    /** Deletes the directory and everything in it when it is temporary; a configured one is kept. */
    @Override
    public void close() throws IOException {
        if (temporary) {
            TemporaryStateDir.delete(path);
        }
    }
}
