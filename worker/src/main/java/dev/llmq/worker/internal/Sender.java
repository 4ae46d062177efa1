package dev.llmq.worker.internal;

import dev.llmq.schemas.CloudEventHeaders;
import dev.llmq.schemas.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's producer of what is not transactional (idempotent, acks=all): stream chunks and status events, sent
 * without waiting, a failure logged and handed to the caller. Results and dead letters go through the worker's
 * transactions instead ({@link ResultTransactions}).
 */
public final class Sender {

    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);

    private final Producer<byte[], byte[]> producer;
    private final String source;

    /** @param source the CloudEvents {@code ce_source} of what this worker publishes */
    public Sender(Producer<byte[], byte[]> producer, String source) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.source = Objects.requireNonNull(source, "source");
    }

    /** Sends without waiting; a failure is logged. */
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        return send(record, error -> { });
    }

    /**
     * Sends without waiting; a failure is logged and given to {@code onFailure}, on the producer's I/O thread (or at
     * once, on this thread, when the producer refuses the record before sending it), so it must not block.
     */
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Consumer<Exception> onFailure) {
        Objects.requireNonNull(onFailure, "onFailure");
        return producer.send(record, (metadata, error) -> {
            if (error != null) {
                LOG.warn("send to {} failed: {}", record.topic(), KafkaErrors.describe(error));
                onFailure.accept(error);
            }
        });
    }

    /**
     * Sends what the producer holds now instead of after its {@code linger.ms}, and waits for it to be acknowledged.
     * Only a hurry, never needed for delivery: interrupted, it gives up (keeping the interrupt); a failure is the
     * sends' own, reported to their callbacks.
     */
    public void flush() {
        try {
            producer.flush();
        } catch (InterruptException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debug("flush failed: {}", KafkaErrors.describe(e));
        }
    }

    /**
     * JSON content type and CloudEvents binary-mode headers, plus the job's trace context ({@code traceparent},
     * {@code tracestate}) when it had one.
     */
    public Headers headers(String type, String id, Instant time, TraceContext trace) {
        return CloudEventHeaders.builder().source(source).type(type).id(id).time(time).trace(trace).build();
    }

    static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
