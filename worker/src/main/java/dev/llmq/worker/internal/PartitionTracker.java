package dev.llmq.worker.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Offsets of one assigned partition: which records were seen, which are waiting to be dispatched, which are not done.
 * The committable offset is the lowest offset not done, so a commit never passes a record without its result.
 * Used by the polling thread only.
 */
final class PartitionTracker {

    private final TreeSet<Long> pending = new TreeSet<>();
    private final Deque<ConsumerRecord<byte[], byte[]>> backlog = new ArrayDeque<>();
    private long next = -1;
    private long committed = -1;
    private long requested = -1;

    /** A record came from poll; it waits in the backlog until dispatched. */
    void seen(ConsumerRecord<byte[], byte[]> record) {
        pending.add(record.offset());
        backlog.addLast(record);
        next = Math.max(next, record.offset() + 1);
    }

    ConsumerRecord<byte[], byte[]> peekBacklog() {
        return backlog.peekFirst();
    }

    ConsumerRecord<byte[], byte[]> takeBacklog() {
        return backlog.pollFirst();
    }

    void done(long offset) {
        pending.remove(offset);
    }

    /** Records seen and not done, dispatched or not. */
    int pending() {
        return pending.size();
    }

    int backlog() {
        return backlog.size();
    }

    /** Records dispatched and not yet done. */
    int dispatched() {
        return pending.size() - backlog.size();
    }

    /**
     * The offset to commit: the lowest offset not done, or, when all are done, {@code position} (the consumer's next
     * offset, which also skips transaction markers) if known, else the offset after the last record seen.
     */
    OptionalLong committable(long position) {
        if (!pending.isEmpty()) {
            return OptionalLong.of(pending.first());
        }
        long candidate = Math.max(next, position);
        return candidate < 0 ? OptionalLong.empty() : OptionalLong.of(candidate);
    }

    /** Whether committing {@code offset} would move this partition past what is committed or being committed. */
    boolean advances(long offset) {
        return offset > Math.max(committed, requested);
    }

    /** A commit of {@code offset} was sent and has not been answered yet. */
    void requested(long offset) {
        requested = Math.max(requested, offset);
    }

    /** The broker confirmed a commit of {@code offset}. */
    void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    /** A commit failed: the next commit sends the offset again. */
    void commitFailed() {
        requested = committed;
    }
}
