package dev.llmq.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How llmq's {@code exactly_once_v2} Kafka Streams application (the usage
 * aggregator) keep their local state so that a task's state is never found "corrupted" while its stream thread holds
 * other tasks with uncommitted output.
 *
 * <p>Why: under exactly-once, Kafka Streams deletes a task's {@code .checkpoint} file while the task runs and writes
 * it again only on a clean close. A task directory that holds store files but no checkpoint (left by a crash, or by a
 * task closed dirty when a rebalance cut it short) makes the next assignment of that task throw
 * {@code TaskCorruptedException}. When that happens during a rebalance, Kafka Streams 4.4 skips committing the
 * thread's healthy tasks, then closes the corrupted task dirty, which aborts the thread's one transaction: the healthy
 * tasks' pending output is lost while their positions move on, and the next commit moves their offsets past it
 * (results that never reach the results topic). So such directories are removed before they can be found:
 * <ul>
 *   <li>at start, {@link #dropUncheckpointedTaskDirs} removes every task directory of the application that has no
 *   checkpoint (Kafka Streams would wipe them anyway and restore the stores from their changelogs);</li>
 *   <li>while running, {@link #CLEANUP_DELAY} is the application's {@code state.cleanup.delay.ms}: a task directory
 *   this instance no longer owns is deleted about a second after it was last touched, instead of ten minutes.</li>
 * </ul>
 * The cost is a full restore from the changelog whenever a task comes back to an instance, which exactly-once already
 * needs after any crash. What remains: a task that returns to the same instance within about a second of a dirty
 * close can still be found corrupted.
 *
 * <p>Since Kafka Streams 4.3 a RocksDB store keeps its changelog offsets inside itself (KIP-1035: a column family
 * {@code offsets}, whose key {@code status} says whether the store was closed cleanly), and no {@code .checkpoint}
 * file is written even on a clean close: every task directory is dropped at every start, and each start restores
 * the stores in full. That was measured and kept: restarting an aggregator with 400,000 results counted (16 MB of
 * state) took 3.0–3.1 s from start to running with the restore and 2.9 s with the stores kept, and reading each
 * store's status before the start (36 RocksDB databases opened read-only) took 0.3–0.6 s of that difference.
 */
public final class ExactlyOnceState {

    /** {@code state.cleanup.delay.ms} of llmq's exactly-once applications. */
    public static final Duration CLEANUP_DELAY = Duration.ofSeconds(1);

    /** Kafka Streams' per-task checkpoint file name. */
    static final String CHECKPOINT = ".checkpoint";

    /** A task directory's name: {@code <subtopology>_<partition>}. */
    private static final Pattern TASK_DIR = Pattern.compile("\\d+_\\d+");

    private ExactlyOnceState() {
    }

    /**
     * Puts into {@code props} (a Kafka Streams application's settings) what every llmq exactly-once application
     * runs with: {@code processing.guarantee=exactly_once_v2} and {@code state.cleanup.delay.ms} of
     * {@link #CLEANUP_DELAY}, whatever the user set, and its
     * transactional producer's {@code retry.backoff.ms} of {@link KafkaTransactions#RETRY_BACKOFF} unless the user's
     * Kafka properties set one.
     */
    public static void configure(Properties props, Map<String, ?> userProperties) {
        props.put("processing.guarantee", "exactly_once_v2");
        props.put("state.cleanup.delay.ms", Long.toString(CLEANUP_DELAY.toMillis()));
        StreamsDefaults.producer(props, userProperties, "retry.backoff.ms", KafkaTransactions.RETRY_BACKOFF.toMillis());
    }

    /**
     * Deletes the task directories of {@code applicationId} under {@code stateDir} that hold no checkpoint file, and
     * returns their names. Call before the application starts (Kafka Streams locks the directories it uses).
     */
    public static List<String> dropUncheckpointedTaskDirs(Path stateDir, String applicationId) {
        Path appDir = stateDir.resolve(applicationId);
        List<String> dropped = new ArrayList<>();
        if (!Files.isDirectory(appDir)) {
            return dropped;
        }
        try (Stream<Path> tasks = Files.list(appDir)) {
            for (Path task : tasks.filter(Files::isDirectory).toList()) {
                String name = task.getFileName().toString();
                if (TASK_DIR.matcher(name).matches() && !Files.exists(task.resolve(CHECKPOINT))) {
                    TemporaryStateDir.delete(task);
                    dropped.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the state directory " + appDir, e);
        }
        return dropped;
    }
}
