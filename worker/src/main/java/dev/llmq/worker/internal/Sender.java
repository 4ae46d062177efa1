package dev.llmq.worker.internal;

import dev.llmq.schemas.CloudEventHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The worker's one producer (idempotent, acks=all): fire-and-forget sends and sends retried until acknowledged. */
public final class Sender {

    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final Producer<byte[], byte[]> producer;
    private final String source;
    private final BooleanSupplier stopping;

    /**
     * @param source the CloudEvents {@code ce_source} of what this worker publishes
     * @param stopping true once the worker is shutting down: a send still failing then gives up
     */
    public Sender(Producer<byte[], byte[]> producer, String source, BooleanSupplier stopping) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.source = Objects.requireNonNull(source, "source");
        this.stopping = Objects.requireNonNull(stopping, "stopping");
    }

    /** Sends without waiting; a failure is logged. */
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        return producer.send(record, (metadata, error) -> {
            if (error != null) {
                LOG.warn("send to {} failed", record.topic(), error);
            }
        });
    }

    /**
     * Sends and blocks until the broker acknowledged the record, retrying with backoff after failures.
     *
     * @throws InterruptedException when interrupted, or when the worker is stopping and the send keeps failing
     */
    public RecordMetadata sendAcked(ProducerRecord<byte[], byte[]> record) throws InterruptedException {
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            try {
                return producer.send(record).get();
            } catch (ExecutionException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                if (stopping.getAsBoolean()) {
                    throw new InterruptedException("worker stopping; send to " + record.topic() + " abandoned: " + cause);
                }
                LOG.warn("send to {} failed, retrying in {} ms", record.topic(), backoff.toMillis(), cause);
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** JSON content type and CloudEvents binary-mode headers, plus the job's trace context when it had one. */
    public Headers headers(String type, String id, Instant time, String traceparent) {
        return CloudEventHeaders.builder().source(source).type(type).id(id).time(time).traceparent(traceparent).build();
    }

    static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
