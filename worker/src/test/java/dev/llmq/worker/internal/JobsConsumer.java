package dev.llmq.worker.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A feed's jobs consumer for tests, whose {@link #wakeup} returns at once from any thread, as {@code KafkaConsumer}'s
 * does. {@link MockConsumer#wakeup} is synchronized on the consumer, which its {@code poll} holds while it runs a
 * rebalance callback: a feed's results thread waking the feed from a transaction's end then waited for the whole
 * handover, holding every transaction behind it, and a handover waiting for its jobs' results timed out in tests only.
 * A wake-up ends the next poll with a {@link WakeupException}, as the mock's does.
 */
final class JobsConsumer extends MockConsumer<byte[], byte[]> {

    private final AtomicBoolean woken = new AtomicBoolean();

    JobsConsumer() {
        super("earliest");
    }

    @Override
    public void wakeup() {
        woken.set(true);
    }

    @Override
    public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        if (woken.getAndSet(false)) {
            throw new WakeupException();
        }
        return super.poll(timeout);
    }
}
