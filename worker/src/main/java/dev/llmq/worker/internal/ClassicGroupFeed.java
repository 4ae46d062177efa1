package dev.llmq.worker.internal;

import dev.llmq.worker.Delivery;
import dev.llmq.worker.JobFeed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link JobFeed} over a classic consumer group with parallel processing inside each partition.
 *
 * <p>Records are handed out as soon as they are polled, up to {@code maxInFlight} for the worker and
 * {@code maxInFlightPerPartition} per partition; polled records over a limit wait in a per-partition backlog, and a
 * partition with a backlog (or at a limit) is paused, so the consumer keeps polling (and stays in the group) without
 * fetching more. Acks are queued by whichever thread makes them and applied by the polling thread, which commits per
 * partition the lowest offset not yet acked (asynchronously after each poll, synchronously on revocation and close).
 */
public final class ClassicGroupFeed implements JobFeed, ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(ClassicGroupFeed.class);

    private record Ack(TopicPartition partition, PartitionTracker tracker, long offset) {
    }

    private final org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final int maxInFlight;
    private final int maxInFlightPerPartition;
    private final Duration pollTimeout;
    private final Duration shutdownTimeout;
    private final Map<TopicPartition, PartitionTracker> trackers = new HashMap<>();
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean claimed = new AtomicBoolean();
    private volatile boolean stopping;
    private volatile boolean aborted;
    private volatile String memberId = "";
    private volatile Set<Integer> held = Set.of();
    private Consumer<Delivery> dispatcher;

    /** Takes ownership of {@code consumer}, which must not be subscribed yet and is closed when {@link #run} ends. */
    public ClassicGroupFeed(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, String topic,
                            int maxInFlight, int maxInFlightPerPartition, Duration pollTimeout, Duration shutdownTimeout) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.maxInFlight = maxInFlight;
        this.maxInFlightPerPartition = maxInFlightPerPartition;
        this.pollTimeout = Objects.requireNonNull(pollTimeout, "pollTimeout");
        this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    }

    @Override
    public void run(Consumer<Delivery> dispatch) {
        this.dispatcher = Objects.requireNonNull(dispatch, "dispatcher");
        if (!claimed.compareAndSet(false, true)) {
            throw new IllegalStateException("a feed runs once");
        }
        try {
            consumer.subscribe(List.of(topic), this);
            while (!stopping) {
                pollOnce();
            }
            if (!aborted) {
                drain();
            }
        } catch (RuntimeException e) {
            LOG.error("job consumer of {} stopped on an error; unacked jobs will be delivered again", topic, e);
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
    public Set<Integer> partitions() {
        return held;
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    private void pollOnce() {
        applyAcks();
        dispatchBacklog();
        applyPauses();
        commit(false);
        ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
        memberId = consumer.groupMetadata().memberId();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            PartitionTracker tracker = trackers.get(new TopicPartition(record.topic(), record.partition()));
            if (tracker != null) {
                tracker.seen(record);
            }
        }
        dispatchBacklog();
    }

    /** Stops handing out work and waits, bounded, for outstanding acks; then commits what is done. */
    private void drain() {
        consumer.pause(consumer.assignment());
        long deadline = System.nanoTime() + shutdownTimeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            applyAcks();
            consumer.pause(consumer.assignment());
            commit(false);
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(pollTimeout)) {
                PartitionTracker tracker = trackers.get(new TopicPartition(record.topic(), record.partition()));
                if (tracker != null) {
                    tracker.seen(record); // kept in the backlog so the commit stays below it
                }
            }
        }
        applyAcks();
        if (inFlight.get() > 0) {
            LOG.warn("closing with {} jobs still in flight; they will be delivered again", inFlight.get());
        }
        commit(true);
    }

    private void applyAcks() {
        Ack ack;
        while ((ack = acks.poll()) != null) {
            if (trackers.get(ack.partition()) == ack.tracker()) {
                ack.tracker().done(ack.offset());
            }
        }
    }

    private void dispatchBacklog() {
        if (stopping) {
            return;
        }
        boolean progress = true;
        while (progress && inFlight.get() < maxInFlight) {
            progress = false;
            for (Map.Entry<TopicPartition, PartitionTracker> entry : trackers.entrySet()) {
                PartitionTracker tracker = entry.getValue();
                if (inFlight.get() >= maxInFlight) {
                    break;
                }
                if (tracker.backlog() > 0 && tracker.dispatched() < maxInFlightPerPartition) {
                    dispatch(entry.getKey(), tracker, tracker.takeBacklog());
                    progress = true;
                }
            }
        }
    }

    private void dispatch(TopicPartition partition, PartitionTracker tracker, ConsumerRecord<byte[], byte[]> record) {
        inFlight.incrementAndGet();
        long offset = record.offset();
        Delivery delivery = new Delivery(record, () -> {
            inFlight.decrementAndGet();
            acks.add(new Ack(partition, tracker, offset));
        });
        try {
            dispatcher.accept(delivery);
        } catch (RuntimeException e) {
            // the record stays pending: never committed past, delivered again to the next owner
            inFlight.decrementAndGet();
            LOG.error("could not hand out job record {}", delivery, e);
        }
    }

    /** Pauses every partition that has a backlog or is at a limit, and resumes the others. */
    private void applyPauses() {
        boolean full = inFlight.get() >= maxInFlight;
        Set<TopicPartition> pause = new HashSet<>();
        Set<TopicPartition> resume = new HashSet<>();
        Set<TopicPartition> paused = consumer.paused();
        for (Map.Entry<TopicPartition, PartitionTracker> entry : trackers.entrySet()) {
            PartitionTracker tracker = entry.getValue();
            boolean hold = full || tracker.backlog() > 0 || tracker.dispatched() >= maxInFlightPerPartition;
            boolean isPaused = paused.contains(entry.getKey());
            if (hold && !isPaused) {
                pause.add(entry.getKey());
            } else if (!hold && isPaused) {
                resume.add(entry.getKey());
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> partitions, boolean force) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            PartitionTracker tracker = trackers.get(partition);
            if (tracker == null) {
                continue;
            }
            long position = tracker.pending() == 0 ? positionOf(partition) : -1;
            OptionalLong offset = tracker.committable(position);
            if (offset.isPresent() && (force || tracker.advances(offset.getAsLong()))) {
                offsets.put(partition, new OffsetAndMetadata(offset.getAsLong()));
            }
        }
        return offsets;
    }

    private long positionOf(TopicPartition partition) {
        try {
            return consumer.position(partition, Duration.ZERO);
        } catch (KafkaException e) {
            return -1;
        }
    }

    private void commit(boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(new ArrayList<>(trackers.keySet()), sync);
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            commitSync(offsets);
            return;
        }
        Map<TopicPartition, PartitionTracker> owners = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            PartitionTracker tracker = trackers.get(partition);
            tracker.requested(offset.offset());
            owners.put(partition, tracker);
        });
        consumer.commitAsync(offsets, (done, error) -> {
            // runs on this polling thread, inside a later poll or commit
            owners.forEach((partition, tracker) -> {
                if (error == null) {
                    tracker.committed(offsets.get(partition).offset());
                } else {
                    tracker.commitFailed();
                }
            });
            if (error instanceof RetriableException || error instanceof RebalanceInProgressException) {
                LOG.debug("async commit of {} failed, sent again with the next one: {}", offsets.keySet(), error.toString());
            } else if (error != null) {
                LOG.warn("async commit of {} failed, sent again with the next one", offsets.keySet(), error);
            }
        });
    }

    private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        try {
            consumer.commitSync(offsets);
            offsets.forEach((partition, offset) -> {
                PartitionTracker tracker = trackers.get(partition);
                if (tracker != null) {
                    tracker.committed(offset.offset());
                }
            });
            LOG.debug("committed {}", offsets);
        } catch (KafkaException e) {
            LOG.warn("commit of {} failed; those jobs may be processed again", offsets, e);
        }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        applyAcks();
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(partitions, true);
        if (!offsets.isEmpty()) {
            commitSync(offsets);
        }
        int running = 0;
        for (TopicPartition partition : partitions) {
            PartitionTracker tracker = trackers.remove(partition);
            if (tracker != null) {
                running += tracker.dispatched();
            }
        }
        updateHeld();
        LOG.info("partitions revoked: {} ({} of their jobs still running, their results will still be published)",
                partitions, running);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        applyAcks();
        partitions.forEach(trackers::remove);
        updateHeld();
        LOG.warn("partitions lost: {}; their jobs will be delivered again", partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            trackers.put(partition, new PartitionTracker());
        }
        if (stopping && !partitions.isEmpty()) {
            consumer.pause(partitions);
        }
        updateHeld();
        memberId = consumer.groupMetadata().memberId();
        LOG.info("partitions assigned: {}", partitions);
    }

    private void updateHeld() {
        Set<Integer> now = new HashSet<>();
        trackers.keySet().forEach(partition -> now.add(partition.partition()));
        held = Set.copyOf(now);
    }
}
