package dev.llmq.worker.internal;

import dev.llmq.worker.Delivery;
import dev.llmq.worker.JobFeed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link JobFeed} over a classic consumer group with parallel processing inside each partition, subscribed to the
 * two priority lanes' topics (interactive and batch).
 *
 * <p>Records are handed out as soon as they are polled, up to {@code maxInFlight} for the worker and
 * {@code maxInFlightPerPartition} per partition; polled records over a limit wait in a per-partition backlog, and a
 * partition at its limit, or of a lane with enough records waiting to fill every slot, is paused, so the consumer keeps
 * polling (and stays in the group) without fetching more, and both lanes always have records ready for the next free
 * slot. Free slots go first to jobs coming back from a wait
 * ({@link WaitBuffer}), then to the lanes as {@link LaneScheduler} says (interactive first, batch a minimum share).
 * Finished records are queued by whichever thread finishes them and applied by the polling thread, which commits them
 * in Kafka transactions ({@link FeedCommits}, {@link ResultTransactions}): each writes the results of the records that
 * finished since the last one and commits per partition the lowest offset not done, with the open records above it in
 * the metadata ({@link CommitMetadata}), so a next owner runs exactly the records that have no result. One transaction
 * at a time, started from the polling thread, which a finish or a transaction's end wakes from its poll. On
 * revocation and close the last one is committed before the partitions go.
 *
 * <p>Poison jobs: with {@code maxDeliveries > 0} every commit carries, in its metadata, how many times each running
 * open record above the committed offset was started; a new owner reads it on assignment. A record
 * started {@code maxDeliveries} times without finishing is handed out as {@link Delivery#poison()} instead of being
 * run again. A start is recorded before its job runs: the job waits ({@link Delivery#awaitStartRecorded()}) for the
 * commit that carries it, sent after the poll that dispatched it. Without {@code awaitFirstStart}, a record appended
 * after this owner took its partition (at or above the partition's last stable offset then, so no earlier owner can
 * have fetched it) and never started runs at once while its start is recorded; every other start waits, so a job
 * that kills its worker goes uncounted at most once. A start that ends through no fault of its job is given back
 * before the partition goes: a run that answers an orderly stop ({@link Delivery#abandoned()}), and every running job
 * of a partition that a rebalance hands over. A worker that dies, loses its partitions or has a job that ignores its
 * stop leaves the start counted.
 */
public final class ClassicGroupFeed implements JobFeed, ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(ClassicGroupFeed.class);

    /** A record finished ({@code finish}), or its run was abandoned as the worker stops ({@code finish} null). */
    private record Ack(TopicPartition partition, PartitionTracker tracker, long offset, Finish finish) {
    }

    /**
     * How long a stopping feed waits, once its drain's time is up and the jobs still running are interrupted, for those
     * that answer to end, so their starts are given back before it leaves.
     */
    static final Duration STOP_GRACE = Duration.ofSeconds(5);

    /** Longest sleep of {@link #handOver} between looks at its jobs (a finish or a transaction's end wakes it). */
    private static final Duration HANDOFF_CHECK = Duration.ofMillis(100);

    /**
     * How the feed hands out work.
     *
     * @param interactiveTopic the interactive lane's topic
     * @param batchTopic the batch lane's topic
     * @param batchMinShare share of contested dispatches that go to batch ({@code llmq.worker.batch_min_share})
     * @param maxWaiting jobs that may wait without a slot ({@code llmq.worker.max_waiting})
     * @param maxDeliveries starts without an end before a record is poison ({@code llmq.worker.max_deliveries};
     *                      0: not counted)
     * @param awaitFirstStart whether a fresh record's first start waits for its record too
     *                        ({@code llmq.worker.await_first_start})
     * @param handoffTimeout how long a revocation waits for the running jobs of the partitions it takes
     *                       ({@code llmq.worker.handoff_timeout}; zero: not at all)
     */
    public record Options(String interactiveTopic, String batchTopic, int maxInFlight, int maxInFlightPerPartition,
                          double batchMinShare, int maxWaiting, int maxDeliveries, boolean awaitFirstStart,
                          Duration pollTimeout, Duration shutdownTimeout, Duration handoffTimeout) {
        public Options {
            Objects.requireNonNull(interactiveTopic, "interactiveTopic");
            Objects.requireNonNull(batchTopic, "batchTopic");
            Objects.requireNonNull(pollTimeout, "pollTimeout");
            Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
            Objects.requireNonNull(handoffTimeout, "handoffTimeout");
            if (interactiveTopic.equals(batchTopic)) {
                throw new IllegalArgumentException("the two lanes need two topics");
            }
        }
    }

    private final org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
    private final Options options;
    private final int maxInFlight;
    private final int maxInFlightPerPartition;
    private final Map<TopicPartition, PartitionTracker> trackers = new HashMap<>();
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger backlog = new AtomicInteger();
    private final AtomicBoolean claimed = new AtomicBoolean();
    /** Set once {@link #run} claimed the feed (as opposed to {@link #stop} claiming it first). */
    private volatile boolean ran;
    private final LaneScheduler lanes;
    private final WaitBuffer waits;
    private final FeedCommits commits;
    private final Map<Lane, Integer> cursors = new EnumMap<>(Lane.class);
    private List<TopicPartition> order = List.of();
    private volatile boolean stopping;
    private volatile Runnable stopJobs;
    private volatile boolean aborted;
    private volatile String memberId = "";
    private volatile Set<TopicPartition> held = Set.of();
    private Consumer<Delivery> dispatcher;
    private final ConsumerLag lag;
    private final AtomicBoolean woken = new AtomicBoolean();
    /** The partitions a revocation is handing over ({@link #handOver}): none of their records is dispatched. */
    private volatile Set<TopicPartition> handingOver = Set.of();
    /**
     * The polling thread while it runs {@link #onPartitionsRevoked} (which may wait in {@link #handOver}): inside the
     * poll's rebalance, so {@link #wake} unparks it rather than waking a poll; else null.
     */
    private volatile Thread revoking;

    /**
     * Takes ownership of {@code consumer}, which must not be subscribed yet and is closed when {@link #run} ends.
     *
     * @param transactions writes the finished records' results with their offsets; not closed here
     * @param starts records the jobs' start counts before they run (when {@code maxDeliveries > 0}); not closed here
     */
    public ClassicGroupFeed(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, Options options,
                            ResultTransactions transactions, StartsLog starts) {
        this(consumer, options, transactions, starts, ConsumerLag.none());
    }

    /** @param lag where each poll leaves the held partitions' lag, for the worker's meters */
    public ClassicGroupFeed(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, Options options,
                            ResultTransactions transactions, StartsLog starts, ConsumerLag lag) {
        this.lag = Objects.requireNonNull(lag, "lag");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.options = Objects.requireNonNull(options, "options");
        this.maxInFlight = options.maxInFlight();
        this.maxInFlightPerPartition = options.maxInFlightPerPartition();
        this.lanes = new LaneScheduler(options.batchMinShare());
        this.waits = new WaitBuffer(options.maxWaiting(), inFlight);
        this.commits = new FeedCommits(consumer, trackers, Objects.requireNonNull(transactions, "transactions"),
                Objects.requireNonNull(starts, "starts"), this::wake);
    }

    @Override
    public void run(Consumer<Delivery> dispatch) {
        this.dispatcher = Objects.requireNonNull(dispatch, "dispatcher");
        if (!claimed.compareAndSet(false, true)) {
            if (stopping && !ran) {
                return; // stopped before it ran (a worker closed right after its start): stop() closed the consumer
            }
            throw new IllegalStateException("a feed runs once");
        }
        ran = true;
        try {
            consumer.subscribe(List.of(options.interactiveTopic(), options.batchTopic()), this);
            while (!stopping) {
                pollOnce();
            }
            if (!aborted) {
                drain();
            }
        } catch (RuntimeException e) {
            LOG.error("job consumer of {} and {} stopped on an error; unacked jobs will be delivered again",
                    options.interactiveTopic(), options.batchTopic(), e);
            throw e;
        } finally {
            held = Set.of();
            memberId = "";
            close();
        }
    }

    /** Leaves the group at once (a static member too) unless aborted, which keeps the member until it times out. */
    private void close() {
        try {
            consumer.close(CloseOptions.groupMembershipOperation(aborted
                    ? GroupMembershipOperation.REMAIN_IN_GROUP : GroupMembershipOperation.LEAVE_GROUP));
            LOG.info(aborted ? "job consumer aborted; its partitions move when its session times out"
                    : "job consumer closed and left its group");
        } catch (RuntimeException e) {
            LOG.warn("closing the job consumer failed", e);
        }
    }

    @Override
    public void stop() {
        stop(null);
    }

    @Override
    public void stop(Runnable stopJobs) {
        this.stopJobs = stopJobs;
        stopping = true;
        if (claimed.compareAndSet(false, true)) {
            consumer.close(); // never ran: nothing to drain
        }
    }

    @Override
    public void abort() {
        aborted = true;
        stop();
    }

    @Override
    public String memberId() {
        return memberId;
    }

    @Override
    public Set<TopicPartition> partitions() {
        return held;
    }

    /** The partitions being handed over now: a revocation waits for their running jobs ({@link #handOver}). */
    Set<TopicPartition> handingOver() {
        return handingOver;
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public int backlog() {
        return backlog.get();
    }

    @Override
    public int waiting() {
        return waits.waiting();
    }

    /**
     * Wakes the polling thread from its poll (or from its wait in {@link #handOver}), so a finished record's result
     * is written (or a transaction's end acted on) without waiting for the poll to time out. Once per poll at most.
     */
    private void wake() {
        Thread waiter = revoking;
        if (waiter != null) { // no network poll to end (and the mock consumer's wakeup would wait for the rebalance)
            LockSupport.unpark(waiter);
            return;
        }
        if (!woken.getAndSet(true)) {
            consumer.wakeup();
        }
    }

    private void pollOnce() {
        woken.set(false);
        advance();
        applyPauses();
        ConsumerRecords<byte[], byte[]> records = poll();
        memberId = consumer.groupMetadata().memberId();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            seen(record);
        }
        dispatchBacklog();
        commits.commitStarts(); // the jobs just dispatched wait for it
        recordLag();
    }

    /**
     * What the polling thread does between polls (and while {@link #handOver} waits, without polling): applies the
     * finished records, fills free slots, records the starts of the jobs just dispatched and starts a transaction with
     * what is committable.
     */
    private void advance() {
        applyAcks();
        dispatchBacklog();
        commits.commitStarts();
        commits.commit(false);
    }

    private ConsumerRecords<byte[], byte[]> poll() {
        try {
            return consumer.poll(options.pollTimeout());
        } catch (WakeupException e) {
            return ConsumerRecords.empty();
        }
    }

    private void seen(ConsumerRecord<byte[], byte[]> record) {
        PartitionTracker tracker = trackers.get(new TopicPartition(record.topic(), record.partition()));
        if (tracker == null) {
            return;
        }
        if (tracker.seen(record)) {
            backlog.incrementAndGet();
            LOG.debug("fetched {}-{}@{}", record.topic(), record.partition(), record.offset());
        } else {
            LOG.debug("{}-{}@{} passed over: its result was committed by an earlier owner", record.topic(),
                    record.partition(), record.offset());
        }
    }

    /** The held partitions' lag for the meters: records behind the position plus those polled and not done. */
    private void recordLag() {
        long oldestInteractive = Long.MAX_VALUE;
        long oldestBatch = Long.MAX_VALUE;
        for (Map.Entry<TopicPartition, PartitionTracker> e : trackers.entrySet()) {
            PartitionTracker tracker = e.getValue();
            OptionalLong behind = consumer.currentLag(e.getKey());
            lag.records(e.getKey(), (behind.isPresent() ? behind.getAsLong() : 0) + tracker.pending());
            if (e.getKey().topic().equals(options.interactiveTopic())) {
                oldestInteractive = Math.min(oldestInteractive, tracker.oldestPendingTimestamp());
            } else {
                oldestBatch = Math.min(oldestBatch, tracker.oldestPendingTimestamp());
            }
        }
        lag.oldest(options.interactiveTopic(), oldestInteractive);
        lag.oldest(options.batchTopic(), oldestBatch);
        lag.retain(trackers.keySet());
    }

    /**
     * Stops handing out work and waits, bounded, for the running jobs and for their results' transactions; then has
     * the jobs still running interrupted ({@link #stop(Runnable)}) and waits up to {@link #STOP_GRACE} for them to
     * give their starts back; then records the start counts and commits what is done.
     */
    private void drain() {
        consumer.pause(consumer.assignment());
        // jobs waiting for capacity get no slot back (see dispatchBacklog): not waited for
        long start = System.nanoTime();
        long deadline = start + options.shutdownTimeout().toNanos();
        int runningAtStop = inFlight.get();
        if (runningAtStop > 0) {
            LOG.info("stopping: waiting up to {} (llmq.worker.shutdown_timeout) for {} running jobs to finish; "
                    + "those still running then are left to the other workers", readable(options.shutdownTimeout()),
                    runningAtStop);
        }
        drainUntil(deadline, false);
        if (runningAtStop > 0 && inFlight.get() == 0) {
            LOG.info("stopping: the {} running jobs finished in {} ms", runningAtStop,
                    Duration.ofNanos(System.nanoTime() - start).toMillis());
        }
        Runnable interrupt = stopJobs;
        int running = inFlight.get() + waits.waiting();
        if (running > 0 && interrupt != null) {
            if (inFlight.get() > 0 || System.nanoTime() >= deadline) {
                LOG.info("{} jobs still running or waiting after the shutdown timeout ({}): stopping them", running,
                        options.shutdownTimeout());
            } else { // the running ones ended in time; those waiting are not waited for
                LOG.info("{} jobs waiting for capacity, a rate limit or a budget as the worker stops: stopping them",
                        running);
            }
            interrupt.run();
            drainUntil(System.nanoTime() + STOP_GRACE.toNanos(), true);
        }
        applyAcks();
        if (inFlight.get() + waits.waiting() > 0) {
            LOG.warn("closing with {} jobs still in flight; they will be delivered again, counted as started",
                    inFlight.get() + waits.waiting());
        }
        commits.recordStartsNow();
        commits.commit(true);
    }

    /** "30 s", "1.5 s", "300 ms": a timeout as an operator would write it. */
    static String readable(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        return (ms % 1000 == 0 ? String.valueOf(ms / 1000) : String.valueOf(ms / 1000.0)) + " s";
    }

    /**
     * Writes what finishes until nothing runs (nor waits for capacity, {@code waiting}) and nothing waits to be
     * written, or until {@code deadline} (nano time).
     */
    private void drainUntil(long deadline, boolean waiting) {
        while ((inFlight.get() + (waiting ? waits.waiting() : 0) > 0 || !acks.isEmpty() || commits.unsettled())
                && System.nanoTime() < deadline) {
            woken.set(false);
            applyAcks();
            consumer.pause(consumer.assignment());
            commits.commit(false);
            for (ConsumerRecord<byte[], byte[]> record : poll()) {
                seen(record); // kept in the backlog so the commit stays below it
            }
        }
    }

    /** Hands finished records to their trackers, to go with the next transaction. */
    private void applyAcks() {
        Ack ack;
        while ((ack = acks.poll()) != null) {
            if (ack.finish() == null) {
                if (trackers.get(ack.partition()) == ack.tracker() && ack.tracker().giveBack(ack.offset())) {
                    LOG.debug("{}@{} abandoned as the worker stops: its start is given back", ack.partition(),
                            ack.offset());
                }
            } else if (trackers.get(ack.partition()) != ack.tracker()) {
                ack.finish().done().completeExceptionally(new Delivery.Dropped(ack.partition()
                        + " left this worker before the record finished"));
            } else if (!ack.tracker().finished(ack.offset(), ack.finish())) {
                ack.finish().done().completeExceptionally(new Delivery.Dropped(ack.partition() + "@" + ack.offset()
                        + " is not waiting to finish (finished twice?)"));
            }
        }
    }

    /** Gives free slots to jobs back from a wait, then to the lanes' backlogs (see {@link LaneScheduler}). */
    private void dispatchBacklog() {
        if (stopping) {
            return; // waiting jobs get no slot back either: they are abandoned, their records uncommitted
        }
        applyAcks();
        waits.grant(maxInFlight, tracker -> {
            TopicPartition partition = partitionOf(tracker);
            return trackers.get(partition) == tracker
                    && (tracker.dispatched() >= maxInFlightPerPartition || handingOver.contains(partition));
        });
        while (inFlight.get() < maxInFlight) {
            TopicPartition interactive = nextReady(Lane.INTERACTIVE);
            TopicPartition batch = nextReady(Lane.BATCH);
            Lane lane = lanes.next(interactive != null, batch != null);
            if (lane == null) {
                return;
            }
            TopicPartition partition = lane == Lane.INTERACTIVE ? interactive : batch;
            LOG.debug("dispatching from {} (interactive ready: {}, batch ready: {})", partition, interactive != null,
                    batch != null);
            cursors.put(lane, order.indexOf(partition) + 1);
            PartitionTracker tracker = trackers.get(partition);
            backlog.decrementAndGet();
            dispatch(partition, tracker, tracker.takeBacklog());
        }
    }

    /** The lane's next partition, round robin, with a record to dispatch and room under its limit; else null. */
    private TopicPartition nextReady(Lane lane) {
        int n = order.size();
        int from = cursors.getOrDefault(lane, 0);
        for (int i = 0; i < n; i++) {
            TopicPartition partition = order.get((from + i) % n);
            PartitionTracker tracker = trackers.get(partition);
            if (tracker.lane() == lane && tracker.backlog() > 0 && tracker.dispatched() < maxInFlightPerPartition
                    && !handingOver.contains(partition)) {
                return partition;
            }
        }
        return null;
    }

    private TopicPartition partitionOf(PartitionTracker tracker) {
        for (Map.Entry<TopicPartition, PartitionTracker> e : trackers.entrySet()) {
            if (e.getValue() == tracker) {
                return e.getKey();
            }
        }
        return null;
    }

    private void dispatch(TopicPartition partition, PartitionTracker tracker, ConsumerRecord<byte[], byte[]> record) {
        inFlight.incrementAndGet();
        long offset = record.offset();
        int maxDeliveries = options.maxDeliveries();
        int before = maxDeliveries > 0 ? tracker.startsOf(offset) : 0;
        boolean poison = maxDeliveries > 0 && before >= maxDeliveries;
        CompletableFuture<Void> recorded = new CompletableFuture<>();
        int start = 0;
        if (maxDeliveries > 0 && !poison) {
            boolean runAtOnce = !options.awaitFirstStart() && before == 0 && tracker.fresh(offset);
            start = tracker.started(offset, runAtOnce ? null : recorded);
            if (runAtOnce) {
                recorded.complete(null); // recorded all the same, by a commit of start counts soon after
            }
        } else {
            recorded.complete(null);
        }
        if (poison) {
            LOG.warn("job record {}-{}@{} was started {} times without finishing; it is not run again",
                    record.topic(), record.partition(), offset, before);
        }
        WaitBuffer.Slot slot = waits.slot(tracker);
        Delivery delivery = new Delivery(record, records -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            acks.add(new Ack(partition, tracker, offset, new Finish(records, done)));
            if (commits.idle()) {
                wake(); // else the transaction going on wakes the polling thread when it ends
            }
            return done;
        }, () -> {
            if (slot.holding()) {
                inFlight.decrementAndGet();
            }
        }, () -> {
            acks.add(new Ack(partition, tracker, offset, null));
            wake();
        }, poison ? before + 1 : start, poison, recorded, slot);
        try {
            dispatcher.accept(delivery);
        } catch (RuntimeException e) {
            // the record stays pending: never committed past, delivered again to the next owner
            inFlight.decrementAndGet();
            LOG.error("could not hand out job record {}", delivery, e);
        }
    }

    /**
     * Pauses every partition at its in-flight limit and every partition of a lane that has {@code maxInFlight} records
     * fetched and waiting (enough to fill every slot); resumes the others. So each lane keeps a backlog ready for the
     * next free slot (an interactive job arriving while the worker is full is fetched at once) and buffers at most
     * about {@code maxInFlight} records plus one fetch.
     */
    private void applyPauses() {
        Map<Lane, Integer> laneBacklog = new EnumMap<>(Lane.class);
        trackers.values().forEach(t -> laneBacklog.merge(t.lane(), t.backlog(), Integer::sum));
        Set<TopicPartition> pause = new HashSet<>();
        Set<TopicPartition> resume = new HashSet<>();
        Set<TopicPartition> paused = consumer.paused();
        for (Map.Entry<TopicPartition, PartitionTracker> entry : trackers.entrySet()) {
            PartitionTracker tracker = entry.getValue();
            boolean hold = tracker.dispatched() >= maxInFlightPerPartition
                    || laneBacklog.getOrDefault(tracker.lane(), 0) >= maxInFlight;
            boolean isPaused = paused.contains(entry.getKey());
            if (hold && !isPaused) {
                pause.add(entry.getKey());
            } else if (!hold && isPaused) {
                resume.add(entry.getKey());
            }
        }
        if (!pause.isEmpty()) {
            LOG.debug("pausing {} (lane backlogs {})", pause, laneBacklog);
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            LOG.debug("resuming {} (lane backlogs {})", resume, laneBacklog);
            consumer.resume(resume);
        }
    }

    /**
     * Waits (a rebalance, up to the handoff timeout) for the partitions' running jobs, commits what finished (the last
     * transaction for these partitions), then lets them go: jobs of theirs still running, or finished too late, run
     * again at the next owner, which writes their results.
     */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        revoking = Thread.currentThread();
        try {
            revoke(partitions);
        } finally {
            revoking = null;
        }
    }

    private void revoke(Collection<TopicPartition> partitions) {
        applyAcks();
        if (!stopping) {
            handOver(partitions);
        }
        if (!stopping) { // a rebalance hands them over: their running jobs did nothing to be counted as started
            int given = 0;
            for (TopicPartition partition : partitions) {
                PartitionTracker tracker = trackers.get(partition);
                given += tracker == null ? 0 : tracker.giveBackRunning();
            }
            if (given > 0) {
                LOG.debug("{} starts of jobs running on {} given back: the partitions are handed over", given,
                        partitions);
                commits.recordStartsNow();
            }
        }
        commits.commit(true);
        Released released = release(partitions);
        LOG.info("partitions revoked: {} ({} of their jobs still running; the next owner runs them again)",
                partitions, released.running());
    }

    /**
     * Waits, up to the handoff timeout and while the worker is not stopping, for the jobs running on {@code partitions}
     * to finish, so their results are written here and the next owner does not call their providers again. Meanwhile
     * the partitions' other records are not dispatched (nor their waiting jobs given a slot), while the worker's other
     * partitions go on: finished records are committed and free slots filled from their backlogs as the polling
     * loop does, without polling (the rebalance waits for this callback; heartbeats go on).
     */
    private void handOver(Collection<TopicPartition> partitions) {
        int running = running(partitions);
        if (running == 0 || options.handoffTimeout().isZero()) {
            return;
        }
        long began = System.nanoTime();
        long deadline = began + options.handoffTimeout().toNanos();
        handingOver = Set.copyOf(partitions);
        try {
            LOG.info("handing over {}: waiting up to {} for their {} running jobs", partitions,
                    options.handoffTimeout(), running);
            while (!stopping) {
                advance();
                long left = deadline - System.nanoTime();
                if (running(partitions) == 0 || left <= 0) {
                    break;
                }
                LockSupport.parkNanos(this, Math.min(left, HANDOFF_CHECK.toNanos()));
            }
        } finally {
            handingOver = Set.of();
        }
        int left = running(partitions);
        LOG.info("handing over {}: {} of {} running jobs finished here in {} ms{}", partitions, running - left,
                running, (System.nanoTime() - began) / 1_000_000,
                left == 0 ? "" : "; " + left + " still running run again at the next owner");
    }

    /** Jobs of {@code partitions} holding a slot (running, or about to), not finished yet. */
    private int running(Collection<TopicPartition> partitions) {
        int n = 0;
        for (TopicPartition partition : partitions) {
            PartitionTracker tracker = trackers.get(partition);
            n += tracker == null ? 0 : tracker.dispatched();
        }
        return n;
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        applyAcks();
        Released released = release(partitions); // their starts and results go unrecorded
        LOG.warn("partitions lost: {} ({} of their jobs still running, {} finished without a committed result); "
                + "their jobs will be delivered again", partitions, released.running(), released.finished());
    }

    /** What {@link #release} let go of: jobs still running, and finished ones whose results were not committed. */
    private record Released(int running, int finished) {
    }

    /** Stops tracking {@code partitions}: their uncommitted finishes are dropped, their jobs run at the next owner. */
    private Released release(Collection<TopicPartition> partitions) {
        int running = 0;
        int finished = 0;
        for (TopicPartition partition : partitions) {
            PartitionTracker tracker = trackers.remove(partition);
            if (tracker != null) {
                running += tracker.dispatched() + tracker.parked().get();
                finished += tracker.finishedCount();
                FeedCommits.drop(partition, tracker);
                backlog.addAndGet(-tracker.backlog());
            }
        }
        updateHeld();
        return new Released(running, finished);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = commits.committedOf(partitions);
        Map<TopicPartition, NavigableMap<Long, Integer>> starts = options.maxDeliveries() > 0
                ? commits.startsOf(partitions) : Map.of();
        Map<TopicPartition, Long> freshFrom = options.maxDeliveries() > 0 && !options.awaitFirstStart()
                ? commits.endOffsetsOf(partitions) : Map.of();
        for (TopicPartition partition : partitions) {
            Lane lane = partition.topic().equals(options.interactiveTopic()) ? Lane.INTERACTIVE : Lane.BATCH;
            trackers.put(partition, new PartitionTracker(lane, FeedCommits.prior(partition,
                    committed.get(partition)), starts.getOrDefault(partition, new TreeMap<>()),
                    freshFrom.getOrDefault(partition, Long.MAX_VALUE)));
        }
        if (stopping && !partitions.isEmpty()) {
            consumer.pause(partitions);
        }
        updateHeld();
        memberId = consumer.groupMetadata().memberId();
        LOG.info("partitions assigned: {}", partitions);
    }

    private void updateHeld() {
        held = Set.copyOf(trackers.keySet());
        List<TopicPartition> sorted = new ArrayList<>(trackers.keySet());
        sorted.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        order = List.copyOf(sorted);
    }
}
