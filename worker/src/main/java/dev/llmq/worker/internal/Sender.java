package dev.llmq.worker.internal;

import dev.llmq.schemas.CloudEventHeaders;
import dev.llmq.schemas.TraceContext;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's one producer (idempotent, acks=all): fire-and-forget sends, and sends that wait for the broker's
 * acknowledgement.
 *
 * <p>An acknowledged send is retried, with exponential backoff, only after failures Kafka calls retriable (see
 * {@link KafkaErrors#retriable}); the producer has already retried those internally for {@code delivery.timeout.ms},
 * so they mean the cluster is unavailable, and nothing the worker could write instead would get through either.
 * They are retried until the send succeeds or the worker stops. Any other failure is final and reported at once as
 * a {@link SendRefusedException}, for the caller to write something else (or nothing) instead.
 */
public final class Sender {

    public static final Duration DEFAULT_FIRST_BACKOFF = Duration.ofMillis(100);
    public static final double DEFAULT_BACKOFF_MULTIPLIER = 2.0;
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);
    public static final IntervalFunction DEFAULT_BACKOFF = IntervalFunction.ofExponentialBackoff(DEFAULT_FIRST_BACKOFF,
            DEFAULT_BACKOFF_MULTIPLIER, DEFAULT_MAX_BACKOFF);

    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);

    private final Producer<byte[], byte[]> producer;
    private final String source;
    private final BooleanSupplier stopping;
    private final Retry retry;

    /**
     * @param source the CloudEvents {@code ce_source} of what this worker publishes
     * @param stopping true once the worker is shutting down: a send still failing then gives up
     */
    public Sender(Producer<byte[], byte[]> producer, String source, BooleanSupplier stopping) {
        this(producer, source, stopping, DEFAULT_BACKOFF);
    }

    /** @param backoff the waits between attempts of an acknowledged send */
    public Sender(Producer<byte[], byte[]> producer, String source, BooleanSupplier stopping, IntervalFunction backoff) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.source = Objects.requireNonNull(source, "source");
        this.stopping = Objects.requireNonNull(stopping, "stopping");
        this.retry = Retry.of("llmq-worker-send", RetryConfig.custom()
                .maxAttempts(Integer.MAX_VALUE)
                .intervalFunction(Objects.requireNonNull(backoff, "backoff"))
                .retryOnException(e -> KafkaErrors.retriable(e) && !stopping.getAsBoolean())
                .build());
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
     * Sends and blocks until the broker acknowledged the record, retrying with backoff after retriable failures.
     *
     * @throws SendRefusedException when Kafka refused the record for a reason that retrying cannot fix
     * @throws InterruptedException when interrupted, or when the worker is stopping and the send failed
     */
    public RecordMetadata sendAcked(ProducerRecord<byte[], byte[]> record)
            throws InterruptedException, SendRefusedException {
        CheckedSupplier<RecordMetadata> attempt = () -> {
            try {
                return producer.send(record).get();
            } catch (ExecutionException | RuntimeException e) {
                if (KafkaErrors.retriable(e) && !stopping.getAsBoolean()) {
                    LOG.warn("send to {} failed, retrying with backoff: {}", record.topic(), KafkaErrors.describe(e));
                }
                throw e;
            }
        };
        try {
            return retry.executeCheckedSupplier(attempt);
        } catch (InterruptedException | Error e) {
            throw e;
        } catch (Throwable e) {
            if (Thread.interrupted()) { // interrupted while backing off, or inside the producer
                throw new InterruptedException("interrupted; send to " + record.topic() + " abandoned");
            }
            if (stopping.getAsBoolean()) {
                throw new InterruptedException("worker stopping; send to " + record.topic() + " abandoned: "
                        + KafkaErrors.describe(e));
            }
            throw new SendRefusedException(record.topic(), e);
        }
    }

    /**
     * JSON content type and CloudEvents binary-mode headers, plus the job's trace context ({@code traceparent},
     * {@code tracestate}) when it had one.
     */
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

    public Headers headers(String type, String id, Instant time, TraceContext trace) {
        return CloudEventHeaders.builder().source(source).type(type).id(id).time(time).trace(trace).build();
    }

    static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
