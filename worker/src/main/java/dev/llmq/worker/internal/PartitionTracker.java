package dev.llmq.worker.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Offsets of one assigned partition: which records were seen, which are waiting to be dispatched, which are not done,
 * which finished and wait for the transaction that writes their results and commits them done, how many times each
 * running record was started (by this and earlier owners), and how many of its running jobs wait for capacity without
 * a slot. A commit carries the lowest offset not done and, in its metadata ({@link CommitMetadata}), which records
 * above it are still open, so a next owner runs exactly those that have no result yet. Used by the polling thread
 * only, except {@link #parked}, which job threads raise.
 */
final class PartitionTracker {

    /**
     * What one commit of this partition carries.
     *
     * @param offset the offset to commit (the lowest not done once the commit's finished records are)
     * @param metadata the open records above it ({@link CommitMetadata})
     * @param included the finished records the commit writes and marks done, by offset
     * @param leftOut open records whose start counts did not fit in the metadata
     */
    record Prepared(long offset, String metadata, NavigableMap<Long, Finish> included, int leftOut) {
    }

    private final Lane lane;
    /** Offsets seen and not done (committed), with their records' timestamps: backlog, running, finished. */
    private final TreeMap<Long, Long> pending = new TreeMap<>();
    /** Finished records whose results are not committed yet. */
    private final TreeMap<Long, Finish> finished = new TreeMap<>();
    /**
     * The pending records not finished, with their start counts (0: never started); kept as records come, start,
     * finish and open again, so a commit reads it instead of walking every pending record.
     */
    private final TreeMap<Long, Integer> open = new TreeMap<>();
    /** The entries of {@link #open} that have a start count: what the {@link StartsLog} records. */
    private final TreeMap<Long, Integer> openStarted = new TreeMap<>();
    /** Records this owner started whose runs have not finished: the starts it can give back ({@link #giveBack}). */
    private final Set<Long> startedHere = new HashSet<>();
    private final Deque<ConsumerRecord<byte[], byte[]>> backlog = new ArrayDeque<>();
    private final NavigableMap<Long, Integer> starts;
    private final long freshFrom;
    private final CommitMetadata.Decoded prior;
    private final List<CompletableFuture<Void>> unrecorded = new ArrayList<>();
    private final AtomicInteger parked = new AtomicInteger();
    private boolean startsChanged;
    private long next = -1;
    private long committed = -1;
    private long requested = -1;
    private long skipped;

    PartitionTracker() {
        this(Lane.BATCH, CommitMetadata.Decoded.NONE);
    }

    /** @param prior what the previous owners committed about the records above the committed offset */
    PartitionTracker(Lane lane, CommitMetadata.Decoded prior) {
        this(lane, prior, new TreeMap<>());
    }

    /**
     * @param prior what the previous owners committed about the records above the committed offset
     * @param priorStarts the start counts the previous owners recorded ({@link StartsLog}); the higher count of the
     *                    two wins
     */
    PartitionTracker(Lane lane, CommitMetadata.Decoded prior, NavigableMap<Long, Integer> priorStarts) {
        this(lane, prior, priorStarts, Long.MAX_VALUE);
    }

    /**
     * @param freshFrom the partition's end (last stable offset) when this owner took it: records from there on were
     *                  appended since, and no earlier owner can have started them ({@link #fresh});
     *                  {@link Long#MAX_VALUE} when unknown
     */
    PartitionTracker(Lane lane, CommitMetadata.Decoded prior, NavigableMap<Long, Integer> priorStarts,
                     long freshFrom) {
        this.lane = lane;
        this.freshFrom = freshFrom;
        this.prior = prior;
        this.starts = prior.starts();
        priorStarts.forEach((offset, count) -> {
            if (offset >= prior.base() && !prior.done(offset)) {
                starts.merge(offset, count, Math::max);
            }
        });
    }

    Lane lane() {
        return lane;
    }

    /**
     * A record came from poll: it waits in the backlog until dispatched, unless an earlier owner committed it done
     * (its result is written), when it is passed over.
     *
     * @return false when the record is passed over
     */
    boolean seen(ConsumerRecord<byte[], byte[]> record) {
        next = Math.max(next, record.offset() + 1);
        if (prior.done(record.offset())) {
            skipped++;
            return false;
        }
        pending.put(record.offset(), record.timestamp());
        if (!finished.containsKey(record.offset())) {
            reopen(record.offset());
        }
        backlog.addLast(record);
        return true;
    }

    /** The pending record at {@code offset} is not finished: it is open, with its start count. */
    private void reopen(long offset) {
        Integer count = starts.get(offset);
        open.put(offset, count == null ? 0 : count);
        if (count != null) {
            openStarted.put(offset, count);
        }
    }

    /** Records passed over because an earlier owner had committed them done. */
    long skipped() {
        return skipped;
    }

    ConsumerRecord<byte[], byte[]> peekBacklog() {
        return backlog.peekFirst();
    }

    ConsumerRecord<byte[], byte[]> takeBacklog() {
        return backlog.pollFirst();
    }

    /**
     * The record at {@code offset} finished: {@code finish} waits for a commit. False when the offset is not pending
     * here (never seen, or already done), when the caller completes it.
     */
    boolean finished(long offset, Finish finish) {
        if (!pending.containsKey(offset) || finished.containsKey(offset)) {
            return false;
        }
        finished.put(offset, finish);
        open.remove(offset);
        openStarted.remove(offset);
        startedHere.remove(offset);
        return true;
    }

    /** Finished records waiting for a commit. */
    int finishedCount() {
        return finished.size();
    }

    /** Kafka refused a record of the finish at {@code offset}: it is open again until finished anew. */
    void refused(long offset) {
        if (finished.remove(offset) != null) {
            reopen(offset);
        }
    }

    /** The finishes not committed, taken out (the partition is leaving: they are not ours to write any more). */
    List<Finish> dropFinished() {
        List<Finish> out = new ArrayList<>(finished.values());
        finished.keySet().forEach(this::reopen);
        finished.clear();
        return out;
    }

    /** True when the record at {@code offset} was appended after this owner took the partition. */
    boolean fresh(long offset) {
        return offset >= freshFrom;
    }

    /** How many times {@code offset} was started before, by this owner or earlier ones. */
    int startsOf(long offset) {
        return starts.getOrDefault(offset, 0);
    }

    /**
     * Counts a start of {@code offset}; {@code recorded} completes once a commit carrying the count is acknowledged.
     *
     * @param recorded what the job waits on; null when it runs without waiting (its count goes with a later commit)
     * @return the start's number (1 for the first)
     */
    int started(long offset, CompletableFuture<Void> recorded) {
        int n = startsOf(offset) + 1;
        count(offset, n);
        startedHere.add(offset);
        startsChanged = true;
        if (recorded != null) {
            unrecorded.add(recorded);
        }
        return n;
    }

    /**
     * This owner's start of {@code offset} ended without finishing through no fault of the job (its worker stopped it
     * in an orderly way, or the partition was handed over): the start is taken off the record's count, so it does
     * not bring the job nearer to being poison. No effect unless this owner started it and it has not finished since.
     *
     * @return true when a start was given back (the counts then go to the {@link StartsLog} and the next commit)
     */
    boolean giveBack(long offset) {
        if (!startedHere.remove(offset)) {
            return false;
        }
        count(offset, Math.max(0, startsOf(offset) - 1));
        startsChanged = true;
        return true;
    }

    /** Sets the start count of {@code offset} (0: never started), in the open records' too while it is open. */
    private void count(long offset, int n) {
        if (n > 0) {
            starts.put(offset, n);
        } else {
            starts.remove(offset);
        }
        if (open.containsKey(offset)) {
            open.put(offset, n);
            if (n > 0) {
                openStarted.put(offset, n);
            } else {
                openStarted.remove(offset);
            }
        }
    }

    /** Gives back every start of this owner's still running ({@link #giveBack}); how many. */
    int giveBackRunning() {
        int n = 0;
        for (Long offset : List.copyOf(startedHere)) {
            if (giveBack(offset)) {
                n++;
            }
        }
        return n;
    }

    /** True when a job waits for a start count not sent yet. */
    boolean startAwaited() {
        return !unrecorded.isEmpty();
    }

    /**
     * The start counts of the records not done, for the {@link StartsLog}, or null when none changed since the last
     * were sent: committed at the lowest of them (or the next offset), in {@link CommitMetadata}'s form (only its
     * counts are read back).
     */
    org.apache.kafka.clients.consumer.OffsetAndMetadata startsRecord() {
        if (!startsChanged) {
            return null;
        }
        long base = openStarted.isEmpty() ? Math.max(0, next) : openStarted.firstKey();
        long end = openStarted.isEmpty() ? base : openStarted.lastKey() + 1;
        return new org.apache.kafka.clients.consumer.OffsetAndMetadata(base,
                CommitMetadata.encode(base, end, openStarted).metadata());
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

    /** Records dispatched, not yet finished, and holding a slot (not waiting without one). */
    int dispatched() {
        return pending.size() - backlog.size() - finished.size() - parked.get();
    }

    /**
     * What a commit would carry now, or null when there is nothing to commit ({@code force}: whenever there is an
     * offset). The commit treats as done every finished record below the metadata's end; finished records above it
     * (when the open ones did not all fit) wait for a later commit. What the previous owners committed about records
     * this owner has not fetched yet is carried over: their done records stay done, their open ones open.
     *
     * @param position the consumer's next offset (which also skips transaction markers), or -1 when unknown; used
     *                 when every record seen is done
     */
    Prepared prepare(long position, boolean force) {
        long seenEnd = backlog.isEmpty() ? next : backlog.peekFirst().offset();
        long end = Math.max(seenEnd, prior.end());
        NavigableMap<Long, Integer> listed = open.headMap(end, false);
        long unseen = Math.max(next, prior.base());
        NavigableMap<Long, Integer> priorUnseen = unseen < prior.end()
                ? prior.open().subMap(unseen, true, prior.end(), false) : Collections.emptyNavigableMap();
        if (!priorUnseen.isEmpty()) {
            listed = new TreeMap<>(listed); // with the previous owners' open records not fetched yet, all above it
            listed.putAll(priorUnseen);
        }
        long base;
        if (!listed.isEmpty()) {
            base = listed.firstKey();
        } else if (!backlog.isEmpty()) {
            base = backlog.peekFirst().offset();
        } else {
            base = Math.max(Math.max(next, position), prior.end());
            if (base < 0) {
                return null;
            }
        }
        CommitMetadata.Encoded encoded = CommitMetadata.encode(base, Math.max(base, end), listed);
        NavigableMap<Long, Finish> included = new TreeMap<>(finished.headMap(Math.max(base, encoded.end()), false));
        if (!force && included.isEmpty() && base <= Math.max(committed, requested)) {
            return null;
        }
        return new Prepared(base, encoded.metadata(), included, encoded.leftOut());
    }

    /** A commit carrying {@code prepared} is being sent. */
    void requested(Prepared prepared) {
        requested = Math.max(requested, prepared.offset());
    }

    /** The transaction carrying {@code prepared} committed: its finished records are done. */
    void committed(Prepared prepared) {
        for (Map.Entry<Long, Finish> e : prepared.included().entrySet()) {
            if (finished.remove(e.getKey(), e.getValue())) {
                pending.remove(e.getKey());
                starts.remove(e.getKey());
                startedHere.remove(e.getKey());
            }
        }
        committed = Math.max(committed, prepared.offset());
    }

    /** A commit failed: the next commit sends the offset and the finished records again. */
    void commitFailed() {
        requested = committed;
    }
}
