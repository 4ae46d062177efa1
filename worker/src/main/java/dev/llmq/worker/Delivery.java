package dev.llmq.worker;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One record handed out by a {@link JobFeed}. Whoever processes it calls {@link #ack()} exactly once, after
 * everything the record leads to (its result, or its dead letter) is acknowledged by the broker. A record never acked
 * is delivered again to a later consumer.
 */
public final class Delivery {

    private final ConsumerRecord<byte[], byte[]> record;
    private final Runnable onAck;
    private final AtomicBoolean acked = new AtomicBoolean();

    public Delivery(ConsumerRecord<byte[], byte[]> record, Runnable onAck) {
        this.record = Objects.requireNonNull(record, "record");
        this.onAck = Objects.requireNonNull(onAck, "onAck");
    }

    public ConsumerRecord<byte[], byte[]> record() {
        return record;
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
