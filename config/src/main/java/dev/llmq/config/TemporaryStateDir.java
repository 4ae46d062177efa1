package dev.llmq.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The temporary state directory of a role that was given none (an ingest's status store, a usage aggregator): a new directory under {@code java.io.tmpdir} that holds an {@value #OWNER} file naming
 * its process ({@code <pid>@<host>}). A role deletes its directory when it stops; one that was killed cannot, so
 * every new one first deletes the directories of its kind whose owner was a process of this host that is gone (each
 * SIGKILLed worker used to leave its RocksDB files behind for good). A directory without an owner file, or owned by
 * another host's process (a shared volume), is left alone.
 */
public final class TemporaryStateDir {

    /** The file naming a directory's process. */
    static final String OWNER = "llmq-owner";

    private TemporaryStateDir() {
    }

    /**
     * A new directory named {@code <prefix><random>} under {@code java.io.tmpdir}, owned by this process, after the
     * orphans of its kind are deleted; {@code dropped} is told which (when there were any), for the caller's log.
     */
    public static Path create(String prefix, Consumer<List<Path>> dropped) {
        return create(Path.of(System.getProperty("java.io.tmpdir")), prefix, dropped);
    }

    static Path create(Path parent, String prefix, Consumer<List<Path>> dropped) {
        List<Path> orphans = dropOrphans(parent, prefix);
        if (!orphans.isEmpty()) {
            dropped.accept(orphans);
        }
        try {
            Path dir = Files.createTempDirectory(parent, prefix);
            Files.writeString(dir.resolve(OWNER), self(), StandardCharsets.UTF_8);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary state directory under " + parent, e);
        }
    }

    /** Deletes the {@code prefix} directories under {@code parent} whose owner was a process of this host now gone. */
    static List<Path> dropOrphans(Path parent, String prefix) {
        List<Path> dropped = new ArrayList<>();
        String host = host(self());
        try (Stream<Path> dirs = Files.list(parent)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).toList()) {
                Path owner = dir.resolve(OWNER);
                if (!Files.isRegularFile(owner)) {
                    continue;
                }
                String who = Files.readString(owner, StandardCharsets.UTF_8).strip();
                if (host.equals(host(who)) && !alive(who)) {
                    delete(dir);
                    dropped.add(dir);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // another process may be deleting the same orphan; what is left is tried again at the next start
        }
        return dropped;
    }

    /** This process as {@code <pid>@<host>} (the JVM's own name for it). */
    static String self() {
        return ManagementFactory.getRuntimeMXBean().getName();
    }

    private static String host(String owner) {
        int at = owner.indexOf('@');
        return at < 0 ? "" : owner.substring(at + 1);
    }

    private static boolean alive(String owner) {
        int at = owner.indexOf('@');
        try {
            long pid = Long.parseLong(at < 0 ? owner : owner.substring(0, at));
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return true; // not a file of ours: leave the directory alone
        }
    }

    /** Deletes {@code root} and everything under it (a role's temporary state directory when it stops). */
    public static void delete(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
