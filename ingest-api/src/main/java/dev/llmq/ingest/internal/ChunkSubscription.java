package dev.llmq.ingest.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One SSE client's share of the {@link ChunkHub}: a bounded queue of its job's records, filled by the hub's thread
 * and emptied by the client's thread, and a cursor. {@link #reached()} is the offset below which every record of the
 * job has been put in the queue: the hub moves it forward only after queueing, so a reader that reads it first and
 * empties the queue after holds every record below it.
 */
public final class ChunkSubscription implements AutoCloseable {

    private final ChunkHub hub;
    private final String jobId;
    private final TopicPartition partition;
    private final BlockingQueue<ConsumerRecord<String, byte[]>> queue;
    /** The offset of the next record not yet offered; written by the hub's thread only. */
    volatile long cursor;
    /** The queue was full: the hub stopped offering records at {@link #cursor} until the client catches up. */
    volatile boolean parked;
    private volatile boolean resumeAsked;
    private volatile boolean hubClosed;

    ChunkSubscription(ChunkHub hub, String jobId, TopicPartition partition, long start, int capacity) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.jobId = Objects.requireNonNull(jobId, "jobId");
        this.partition = Objects.requireNonNull(partition, "partition");
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.cursor = start;
    }

    public String jobId() {
        return jobId;
    }

    public TopicPartition partition() {
        return partition;
    }

    /** Every record of the job below this offset has been queued (the relay has it once it emptied the queue). */
    public long reached() {
        return cursor;
    }

    /**
     * Waits up to {@code wait} for a record, then takes every queued one (possibly none).
     *
     * @throws IllegalStateException when the hub closed
     */
    public List<ConsumerRecord<String, byte[]>> take(Duration wait) throws InterruptedException {
        if (hubClosed) {
            throw new IllegalStateException("the chunk hub closed");
        }
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        ConsumerRecord<String, byte[]> first = queue.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        if (first != null) {
            out.add(first);
            queue.drainTo(out);
        }
        if (parked && !resumeAsked && queue.isEmpty()) {
            resumeAsked = true;
            hub.resume(this);
        }
        return out;
    }

    /** The end offset of the job's partition now (read_committed: the last stable offset). */
    public CompletableFuture<Long> endOffset() {
        return hub.endOffset(partition);
    }

    /** Hub thread: queues the record unless the cursor is past it; parks when the queue is full. */
    void offer(ConsumerRecord<String, byte[]> r) {
        if (parked || r.offset() < cursor) {
            return;
        }
        if (queue.offer(r)) {
            cursor = r.offset() + 1;
        } else {
            resumeAsked = false;
            parked = true;
        }
    }

    /** Hub thread: the consumer's position after a poll in which every record of the job was offered. */
    void reached(long position) {
        if (!parked && position > cursor) {
            cursor = position;
        }
    }

    void hubClosed() {
        hubClosed = true;
    }

    /** Leaves the hub. */
    @Override
    public void close() {
        hub.unsubscribe(this);
    }
}
