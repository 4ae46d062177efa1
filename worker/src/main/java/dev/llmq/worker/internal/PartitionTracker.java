package dev.llmq.worker.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Offsets of one assigned partition: which records were seen, which are waiting to be dispatched, which are not done,
 * how many times each running record was started (by this and earlier owners), and how many of its running jobs wait
 * for capacity without a slot. The committable offset is the lowest offset not done, so a commit never passes a record
 * without its result. Used by the polling thread only, except {@link #parked}, which job threads raise.
 */
final class PartitionTracker {

    private final Lane lane;
    /** Offsets seen and not done, with their records' timestamps. */
    private final TreeMap<Long, Long> pending = new TreeMap<>();
    private final Deque<ConsumerRecord<byte[], byte[]>> backlog = new ArrayDeque<>();
    private final NavigableMap<Long, Integer> starts;
    private final List<CompletableFuture<Void>> unrecorded = new ArrayList<>();
    private final AtomicInteger parked = new AtomicInteger();
    private boolean startsChanged;
    private long next = -1;
    private long committed = -1;
    private long requested = -1;

    PartitionTracker() {
        this(Lane.BATCH, new TreeMap<>());
    }

    /** @param priorStarts start counts of records above the committed offset, as the previous owners left them */
    PartitionTracker(Lane lane, NavigableMap<Long, Integer> priorStarts) {
        this.lane = lane;
        this.starts = new TreeMap<>(priorStarts);
    }

    Lane lane() {
        return lane;
    }

    /** A record came from poll; it waits in the backlog until dispatched. */
    void seen(ConsumerRecord<byte[], byte[]> record) {
        pending.put(record.offset(), record.timestamp());
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
        if (starts.remove(offset) != null) {
            startsChanged = true;
        }
    }

    /** How many times {@code offset} was started before, by this owner or earlier ones. */
    int startsOf(long offset) {
        return starts.getOrDefault(offset, 0);
    }

    /**
     * Counts a start of {@code offset}; {@code recorded} completes once a commit carrying the count is acknowledged.
     *
     * @return the start's number (1 for the first)
     */
    int started(long offset, CompletableFuture<Void> recorded) {
        int n = starts.merge(offset, 1, Integer::sum);
        startsChanged = true;
        unrecorded.add(recorded);
        return n;
    }

    /** Whether start counts changed since the last commit was sent. */
    boolean startsChanged() {
        return startsChanged;
    }

    /** The metadata to commit with {@code offset}. */
    StartsMetadata.Encoded startsMetadata(long offset) {
        return StartsMetadata.encode(offset, starts);
    }

    /** A commit carrying the current counts is being sent: hands over the starts it records. */
    List<CompletableFuture<Void>> sending() {
        startsChanged = false;
        List<CompletableFuture<Void>> out = List.copyOf(unrecorded);
        unrecorded.clear();
        return out;
    }

    /** The commit carrying {@code starts} failed: they go with the next one. */
    void sendFailed(List<CompletableFuture<Void>> starts) {
        unrecorded.addAll(starts);
        startsChanged = true;
    }

    /** Records seen and not done, dispatched or not. */
    int pending() {
        return pending.size();
    }

    /** The timestamp of the lowest record seen and not done, or {@link Long#MAX_VALUE} when every record is done. */
    long oldestPendingTimestamp() {
        return pending.isEmpty() ? Long.MAX_VALUE : pending.firstEntry().getValue();
    }

    int backlog() {
        return backlog.size();
    }

    /** Running jobs waiting for capacity without holding a slot. */
    AtomicInteger parked() {
        return parked;
    }

    /** Records dispatched, not yet done, and holding a slot (not waiting without one). */
    int dispatched() {
        return pending.size() - backlog.size() - parked.get();
    }

    /**
     * The offset to commit: the lowest offset not done, or, when all are done, {@code position} (the consumer's next
     * offset, which also skips transaction markers) if known, else the offset after the last record seen.
     */
    OptionalLong committable(long position) {
        if (!pending.isEmpty()) {
            return OptionalLong.of(pending.firstKey());
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
