package dev.llmq.ingest.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Kafka's own metrics of the ingest API's producers and consumers as meters ({@code kafka.producer.*},
 * {@code kafka.consumer.*}): wraps the factories that make them, binds each client made, and stops the binders on
 * {@link #close()}.
 */
public final class KafkaClientMeters implements AutoCloseable {

    private final MeterRegistry registry;
    private final List<KafkaClientMetrics> bound = new CopyOnWriteArrayList<>();

    public KafkaClientMeters(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    public <K, V> Function<Map<String, Object>, Producer<K, V>> producers(
            Function<Map<String, Object>, Producer<K, V>> factory) {
        return config -> {
            Producer<K, V> producer = factory.apply(config);
            bind(new KafkaClientMetrics(producer));
            return producer;
        };
    }

    public <K, V> Function<Map<String, Object>, Consumer<K, V>> consumers(
            Function<Map<String, Object>, Consumer<K, V>> factory) {
        return config -> {
            Consumer<K, V> consumer = factory.apply(config);
            bind(new KafkaClientMetrics(consumer));
            return consumer;
        };
    }

    private void bind(KafkaClientMetrics metrics) {
        metrics.bindTo(registry);
        bound.add(metrics);
    }

    @Override
    public void close() {
        bound.forEach(KafkaClientMetrics::close);
        bound.clear();
    }
}
