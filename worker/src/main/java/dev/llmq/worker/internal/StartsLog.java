package dev.llmq.worker.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a feed records how many times its running jobs were started, before they run, so that a job that kills its
 * worker is seen by the partition's next owner ({@link CommitMetadata}'s start counts). Apart from the results'
 * transactions: a job then waits for one offset commit (one round trip), not for the transaction going on and its
 * own. The counts are committed as offsets of a consumer group of their own ({@code <group>.starts}) that nobody
 * consumes with, by a consumer that never subscribes, on a thread of its own; a next owner reads them back on
 * assignment. That group's commits are not fenced by the workers' group: a worker frozen out of it can still write
 * counts for partitions it lost, which at worst counts a start too many or too few (never a result).
 */
public final class StartsLog implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Consumer<byte[], byte[]> consumer;
    private final ExecutorService thread;

    /** @param consumer a consumer of the starts' group, never subscribed; closed with this */
    public StartsLog(Consumer<byte[], byte[]> consumer, String threadName) {
        this.consumer = consumer;
        this.thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name(threadName).factory());
    }

    /** Commits the counts; completes once the broker has them. */
    CompletableFuture<Void> write(Map<TopicPartition, OffsetAndMetadata> counts) {
        Map<TopicPartition, OffsetAndMetadata> copy = Map.copyOf(counts);
        try {
            return CompletableFuture.runAsync(() -> consumer.commitSync(copy, TIMEOUT), thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The counts committed for {@code partitions} (those with none are left out); blocks, at most 10 s. */
    Map<TopicPartition, OffsetAndMetadata> read(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        CompletableFuture.runAsync(() -> consumer.committed(new HashSet<>(partitions), TIMEOUT)
                .forEach((partition, offset) -> {
                    if (offset != null) {
                        out.put(partition, offset);
                    }
                }), thread).join();
        return out;
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.shutdownNow();
        consumer.close(Duration.ofSeconds(5));
    }
}
