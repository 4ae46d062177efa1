package dev.llmq.worker;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One record handed out by a {@link JobFeed}. Whoever processes it calls {@link #ack()} exactly once, after
 * everything the record leads to (its result, or its dead letter) is acknowledged by the broker. A record never acked
 * is delivered again to a later consumer.
 *
 * <p>A feed that counts deliveries says which start of the record this is ({@link #start()}), hands out a record
 * started too often as {@link #poison()} (not to be run), and completes {@link #awaitStartRecorded()} once the start is
 * durable, so a worker that dies while running it is seen by the next owner.
 */
public final class Delivery {

    private static final Future<Void> RECORDED = CompletableFuture.completedFuture(null);

    private final ConsumerRecord<byte[], byte[]> record;
    private final Runnable onAck;
    private final int start;
    private final boolean poison;
    private final Future<Void> startRecorded;
    private final JobSlot slot;
    private final AtomicBoolean acked = new AtomicBoolean();

    /** A delivery whose starts are not counted and whose slot is held throughout. */
    public Delivery(ConsumerRecord<byte[], byte[]> record, Runnable onAck) {
        this(record, onAck, 0, false, RECORDED, JobSlot.HELD);
    }

    /**
     * @param start which start of the record this is (1 for the first), counting earlier owners'; 0 when not counted
     * @param poison whether the record was started too often without finishing: it must not run again
     * @param startRecorded completes when the start is durably recorded
     * @param slot the job's in-flight slot
     */
    public Delivery(ConsumerRecord<byte[], byte[]> record, Runnable onAck, int start, boolean poison,
                    Future<Void> startRecorded, JobSlot slot) {
        this.record = Objects.requireNonNull(record, "record");
        this.onAck = Objects.requireNonNull(onAck, "onAck");
        if (start < 0) {
            throw new IllegalArgumentException("start must be >= 0");
        }
        this.start = start;
        this.poison = poison;
        this.startRecorded = Objects.requireNonNull(startRecorded, "startRecorded");
        this.slot = Objects.requireNonNull(slot, "slot");
    }

    public ConsumerRecord<byte[], byte[]> record() {
        return record;
    }

    /** Which start of the record this is, counting earlier owners' (1 for the first); 0 when starts are not counted. */
    public int start() {
        return start;
    }

    /** True when the record was started too often without finishing: it gets a failed result and a dead letter. */
    public boolean poison() {
        return poison;
    }

    /** Blocks until this start is durably recorded (at once when starts are not counted). */
    public void awaitStartRecorded() throws InterruptedException {
        try {
            startRecorded.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the start of " + this + " could not be recorded", e.getCause());
        }
    }

    public JobSlot slot() {
        return slot;
    }

    /** Marks the record done; calls after the first are ignored. */
    public void ack() {
        if (acked.compareAndSet(false, true)) {
            onAck.run();
        }
    }

    public boolean acked() {
        return acked.get();
    }

    @Override
    public String toString() {
        return "Delivery[" + record.topic() + "-" + record.partition() + "@" + record.offset() + "]";
    }
}
