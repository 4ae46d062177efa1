package dev.llmq.ingest.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads what the status store has not processed yet of a few partitions, to tell whether an entry it did not find is
 * on its way: the records from where the store's task is to the partitions' last stable offset now, looking for one
 * keyed by the id. The stream's own view of its lag is as of its last fetch, so a record committed since (a batch
 * listed at the end of a long transaction, a moment before the client asks) is only found here. A tail longer than
 * {@link #MOST} records is not read: the store is behind, and the entry may be in it. One group-less
 * {@code read_committed} consumer, made when first needed, used by one lookup at a time.
 */
final class UnreadTail implements AutoCloseable {

    /** The most records a lookup reads; a longer tail counts as holding the entry. */
    static final int MOST = 10_000;

    private final Supplier<Consumer<String, byte[]>> consumers;
    private final Duration timeout;
    private Consumer<String, byte[]> reader;

    /** @param consumers makes the reader: a group-less {@code read_committed} consumer ({@link KafkaClients}) */
    UnreadTail(Supplier<Consumer<String, byte[]>> consumers, Duration timeout) {
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * Whether a record keyed {@code key} is among those of each partition from its offset in {@code from} to its
     * last stable offset now; true too when a tail is longer than {@link #MOST} or could not be read within the
     * timeout (the entry may be there).
     */
    synchronized boolean holds(Map<TopicPartition, Long> from, String key) {
        if (reader == null) {
            reader = consumers.get();
        }
        Map<TopicPartition, Long> ends = reader.endOffsets(from.keySet(), timeout);
        List<TopicPartition> tails = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> f : from.entrySet()) {
            long end = ends.getOrDefault(f.getKey(), 0L);
            if (end - f.getValue() > MOST) {
                return true;
            }
            if (end > f.getValue()) {
                tails.add(f.getKey());
            }
        }
        if (tails.isEmpty()) {
            return false;
        }
        reader.assign(tails);
        tails.forEach(tp -> reader.seek(tp, from.get(tp)));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (tails.stream().anyMatch(tp -> reader.position(tp) < ends.get(tp))) {
            if (System.nanoTime() > deadline) {
                return true;
            }
            for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(100))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() < ends.get(tp) && key.equals(r.key())) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        if (reader != null) {
            reader.close(Duration.ofSeconds(1));
        }
    }
}
