package dev.llmq.worker.internal;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * The job consumer's lag, as the feed's polling thread last saw it and a scrape reads it:
 * {@code llmq.consumer.lag{topic, partition}} (records of a held partition not finished yet: those behind the
 * consumer's position plus those polled and not done) and {@code llmq.consumer.lag.seconds{topic}} (now minus the
 * timestamp of the oldest record polled and not done, 0 when none is). A partition's gauge goes when it is revoked.
 */
public final class ConsumerLag {

    private record Held(AtomicLong records, Gauge gauge) {
    }

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<TopicPartition, Held> partitions = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> oldest = new ConcurrentHashMap<>();

    public ConsumerLag(MeterRegistry registry, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Lag that no scrape reads (a feed built without meters). */
    public static ConsumerLag none() {
        return new ConsumerLag(new CompositeMeterRegistry(), Clock.systemUTC());
    }

    /** Sets a held partition's lag in records; the first time, registers its gauge. Polling thread only. */
    void records(TopicPartition partition, long records) {
        partitions.computeIfAbsent(partition, this::register).records().set(records);
    }

    /** Sets the timestamp of a topic's oldest record not done ({@link Long#MAX_VALUE}: none). Polling thread only. */
    void oldest(String topic, long timestamp) {
        oldest.computeIfAbsent(topic, this::registerSeconds).set(timestamp);
    }

    /** Drops the gauges of partitions no longer held. Polling thread only. */
    void retain(Set<TopicPartition> held) {
        partitions.entrySet().removeIf(e -> {
            if (held.contains(e.getKey())) {
                return false;
            }
            registry.remove(e.getValue().gauge());
            return true;
        });
    }

    private Held register(TopicPartition partition) {
        AtomicLong value = new AtomicLong();
        Gauge gauge = Gauge.builder("llmq.consumer.lag", value, AtomicLong::get).strongReference(true)
                .description("records of a held job partition not finished yet (behind the position, or polled)")
                .tag("topic", partition.topic()).tag("partition", Integer.toString(partition.partition()))
                .register(registry);
        return new Held(value, gauge);
    }

    private AtomicLong registerSeconds(String topic) {
        AtomicLong timestamp = new AtomicLong(Long.MAX_VALUE);
        Gauge.builder("llmq.consumer.lag.seconds", timestamp, this::secondsSince)
                .description("now minus the timestamp of the oldest job record polled and not finished; 0 when idle")
                .tag("topic", topic).strongReference(true).register(registry);
        return timestamp;
    }

    private double secondsSince(AtomicLong timestamp) {
        long t = timestamp.get();
        return t == Long.MAX_VALUE ? 0 : Math.max(0, clock.millis() - t) / 1000.0;
    }
}
