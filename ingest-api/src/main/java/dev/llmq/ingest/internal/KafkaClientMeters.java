package dev.llmq.ingest.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Kafka's own metrics of the ingest API's producers, consumers and Streams apps as meters ({@code kafka.producer.*},
 * {@code kafka.consumer.*}, {@code kafka.stream.*}): wraps the factories that make clients and binds each client
 * made, binds the Streams apps handed to it, and stops the binders on {@link #close()}.
 */
public final class KafkaClientMeters implements AutoCloseable {

    private final MeterRegistry registry;
    /** Closes each binder made: stops its refresh and removes its meters. */
    private final List<Runnable> closers = new CopyOnWriteArrayList<>();

    public KafkaClientMeters(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    public <K, V> Function<Map<String, Object>, Producer<K, V>> producers(
            Function<Map<String, Object>, Producer<K, V>> factory) {
        return binding(factory, KafkaClientMetrics::new);
    }

    public <K, V> Function<Map<String, Object>, Consumer<K, V>> consumers(
            Function<Map<String, Object>, Consumer<K, V>> factory) {
        return binding(factory, KafkaClientMetrics::new);
    }

    /** The factory, binding the metrics of each client it makes. */
    private <C> Function<Map<String, Object>, C> binding(Function<Map<String, Object>, C> factory,
                                                         Function<C, KafkaClientMetrics> metrics) {
        return config -> {
            C client = factory.apply(config);
            KafkaClientMetrics bound = metrics.apply(client);
            bound.bindTo(registry);
            closers.add(bound::close);
            return client;
        };
    }

    /** Binds a Streams app's metrics (its embedded clients' too: {@code kafka.consumer.*}, {@code kafka.stream.*}). */
    public void streams(KafkaStreams streams) {
        KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(registry);
        closers.add(metrics::close);
    }

    @Override
    public void close() {
        closers.forEach(Runnable::run);
        closers.clear();
    }
}
