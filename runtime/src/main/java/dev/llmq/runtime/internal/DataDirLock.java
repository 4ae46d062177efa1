package dev.llmq.runtime.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An embedded broker's hold on its data dir, taken before Kafka touches it. Kafka locks its log dirs only when the
 * broker part starts, after the controller part has opened the metadata log: a second process given the same dir
 * ran its own controller on that log (appending to the segment the first was writing) before it failed on Kafka's
 * lock. The lock file names its holder ({@code <pid>@<host>}), for the refusal's message; the OS drops the lock
 * when the holder dies, so a killed broker leaves nothing to clean up. A second broker of this process is refused
 * from a set of the dirs held here, before it opens the file: on Linux a lock is the process's, and closing any
 * descriptor of the file (a refused channel, or reading the holder's name) would release it.
 */
public final class DataDirLock implements AutoCloseable {

    /** The lock file's name in the data dir. */
    public static final String FILE = "llmq-broker.lock";

    /** The data dirs (lock files) held by this process. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock on {@code dataDir} (created when missing).
     *
     * @throws IllegalStateException when another broker, in this process or another, holds it
     * @throws UncheckedIOException when the lock file cannot be written
     */
    public static DataDirLock acquire(Path dataDir) {
        Path file = dataDir.toAbsolutePath().normalize().resolve(FILE);
        String self = ManagementFactory.getRuntimeMXBean().getName();
        if (!HELD.add(file)) {
            throw inUse(dataDir, self);
        }
        FileChannel channel = null;
        DataDirLock held = null;
        try {
            Files.createDirectories(dataDir);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) { // another process holds it
                channel.close();
                throw inUse(dataDir, Files.readString(file, StandardCharsets.UTF_8).strip());
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(self.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            held = new DataDirLock(file, channel, lock);
            return held;
        } catch (IOException e) {
            throw cannotLock(dataDir, e);
        } finally {
            if (held == null) {
                closeQuietly(channel);
                HELD.remove(file);
            }
        }
    }

    /** The refusal when the lock file cannot be made or written, with the reason (not writable, not a dir). */
    static UncheckedIOException cannotLock(Path dataDir, IOException e) {
        String why = switch (e) {
            case AccessDeniedException denied -> "permission denied on " + denied.getFile();
            case FileAlreadyExistsException exists -> exists.getFile() + " exists and is not a directory";
            case FileSystemException fs when fs.getReason() != null ->
                    (fs.getFile() == null || fs.getFile().equals(dataDir.toString()) ? "" : fs.getFile() + ": ")
                            + fs.getReason();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
        return new UncheckedIOException("cannot lock Kafka data dir " + dataDir + ": " + why, e);
    }

    private static IllegalStateException inUse(Path dataDir, String holder) {
        return new IllegalStateException("Kafka data dir " + dataDir + " is in use by another broker"
                + (holder.isEmpty() ? "" : " (process " + holder + ")")
                + "; stop it first, or give this one a data dir of its own");
    }

    /** Releases the lock; the file stays (a later broker takes it again). */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // the channel's close below releases it too
        }
        closeQuietly(channel);
        HELD.remove(file);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing held any more
            }
        }
    }
}
