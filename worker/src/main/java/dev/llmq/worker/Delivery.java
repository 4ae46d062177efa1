package dev.llmq.worker;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One record handed out by a {@link JobFeed}. Whoever processes it {@linkplain #finish finishes} it once with what the
 * record leads to (its result, or its dead letter): a feed writes those records in the same Kafka transaction that
 * commits the record's offset as done, so a {@code read_committed} reader sees them exactly when the record will not be
 * run again. A record never finished is delivered again to a later consumer.
 *
 * <p>A feed that counts deliveries says which start of the record this is ({@link #start()}), hands out a record
 * started too often as {@link #poison()} (not to be run), and completes {@link #awaitStartRecorded()} once the start is
 * durable, so a worker that dies while running it is seen by the next owner.
 */
public final class Delivery {

    private static final Future<Void> RECORDED = CompletableFuture.completedFuture(null);

    /** Writes what a record leads to together with its offset; see {@link Delivery#finish}. */
    @FunctionalInterface
    public interface Finisher {
        CompletableFuture<Void> finish(List<ProducerRecord<byte[], byte[]>> records);
    }

    /** Kafka refused one of the records a delivery was finished with, for good; none of them was written. */
    public static final class Refused extends Exception {

        private final int index;

        public Refused(int index, Throwable cause) {
            super("record " + index + " was refused: " + cause, cause);
            this.index = index;
        }

        /** Which of the records, by its index in the list given to {@link Delivery#finish}. */
        public int index() {
            return index;
        }
    }

    /** The record's partition left this worker before the records were written: nothing was, and the record runs again. */
    public static final class Dropped extends Exception {

        public Dropped(String message) {
            super(message);
        }
    }

    private final ConsumerRecord<byte[], byte[]> record;
    private final Finisher finisher;
    private final Runnable release;
    private final Runnable giveBack;
    private final int start;
    private final boolean poison;
    private final Future<Void> startRecorded;
    private final JobSlot slot;
    private final AtomicBoolean released = new AtomicBoolean();

    /** A delivery whose starts are not counted and whose slot is held throughout. */
    public Delivery(ConsumerRecord<byte[], byte[]> record, Finisher finisher) {
        this(record, finisher, () -> { }, 0, false, RECORDED, JobSlot.HELD);
    }

    /**
     * @param finisher writes the records with the offset
     * @param release gives the record's in-flight slot back; run once, after the first {@link #finish}
     * @param start which start of the record this is (1 for the first), counting earlier owners'; 0 when not counted
     * @param poison whether the record was started too often without finishing: it must not run again
     * @param startRecorded completes when the start is durably recorded
     * @param slot the job's in-flight slot
     */
    public Delivery(ConsumerRecord<byte[], byte[]> record, Finisher finisher, Runnable release, int start,
                    boolean poison, Future<Void> startRecorded, JobSlot slot) {
        this(record, finisher, release, () -> { }, start, poison, startRecorded, slot);
    }

    /**
     * @param giveBack takes this start off the record's count ({@link #abandoned()}); run once, before
     *                 {@code release}, and never after a {@link #finish}
     */
    public Delivery(ConsumerRecord<byte[], byte[]> record, Finisher finisher, Runnable release, Runnable giveBack,
                    int start, boolean poison, Future<Void> startRecorded, JobSlot slot) {
        this.record = Objects.requireNonNull(record, "record");
        this.finisher = Objects.requireNonNull(finisher, "finisher");
        this.release = Objects.requireNonNull(release, "release");
        this.giveBack = Objects.requireNonNull(giveBack, "giveBack");
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

    /**
     * Marks the record done, writing {@code records} with its offset. The future completes once they are written and
     * the offset committed; exceptionally with {@link Refused} when Kafka refused one of them for good (finish again,
     * with something else in its place), or with {@link Dropped} when the partition left this worker first. The first
     * call gives the record's in-flight slot back.
     */
    public CompletableFuture<Void> finish(List<ProducerRecord<byte[], byte[]>> records) {
        // the finish first: the feed then never sees a free slot whose partition still counts the job as running
        CompletableFuture<Void> done = finisher.finish(records);
        if (released.compareAndSet(false, true)) {
            release.run();
        }
        return done;
    }

    /**
     * The run ends without a result because its worker stops, and the job answered that (its call was interrupted, or
     * it had not begun): the record runs again at the partition's next owner, and this start does not count towards
     * the record being poison. Gives the slot back. Once, and not after {@link #finish}: then it does nothing.
     */
    public void abandoned() {
        if (released.compareAndSet(false, true)) {
            giveBack.run();
            release.run();
        }
    }

    @Override
    public String toString() {
        return "Delivery[" + record.topic() + "-" + record.partition() + "@" + record.offset() + "]";
    }
}
