package dev.llmq.ingest.internal;

import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.CloudEventHeaders;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@link JobControlMessage}s (cancellations) to the compacted control topic and returns only once the broker
 * acknowledged them (an idempotent, acks=all producer of its own, so a slow control write never queues behind jobs).
 * Keyed by {@link JobControlMessage#key()}, with the CloudEvents headers and {@link LlmqHeaders#CONTROL_TYPE}.
 */
public final class ControlPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlPublisher.class);

    private final IngestSettings settings;
    private final Producer<String, byte[]> producer;
    private final JsonSerde<JobControlMessage> serde = JsonSerde.jobControl();
    private final String source;

    public ControlPublisher(IngestSettings settings) {
        this(settings, KafkaProducer::new);
    }

    /** @param factory makes the producers (e.g. binding their metrics) */
    public ControlPublisher(IngestSettings settings, Function<Map<String, Object>, Producer<String, byte[]>> factory) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.source = "/llmq/ingest/" + settings.instanceId();
        this.producer = factory.apply(KafkaClients.producer(settings, "llmq-ingest-control-" + settings.instanceId(),
                null));
    }

    /** The instance named as the messages' source. */
    public String source() {
        return source;
    }

    /** Writes one message; 503 {@code kafka_unavailable} when the broker does not acknowledge it in time. */
    public void publish(JobControlMessage message) {
        Headers headers = CloudEventHeaders.builder().source(source).type(LlmqHeaders.TYPE_CONTROL)
                .id(message.key() + "@" + message.at().toEpochMilli()).time(message.at()).build();
        headers.add(LlmqHeaders.CONTROL_TYPE, message.type().getBytes(StandardCharsets.UTF_8));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(settings.topics().control(), null,
                message.at().toEpochMilli(), message.key(), serde.toBytes(message), headers);
        try {
            producer.send(record).get(settings.kafkaTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.kafkaUnavailable("interrupted while waiting for Kafka");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            log.warn("Kafka did not acknowledge a control message: {}", cause.toString());
            throw ApiException.kafkaUnavailable("Kafka did not acknowledge the cancellation within "
                    + settings.kafkaTimeout().toMillis() + " ms; nothing was changed, retry later");
        }
    }

    /**
     * Deletes the records of these cancellation keys from the compacted control topic (tombstones, with the header
     * {@link LlmqHeaders#CONTROL_TYPE} {@code job_cancel}), waiting until the broker acknowledged every one; false
     * when it did not within the Kafka timeout (a later sweep writes them again).
     */
    public boolean deleteCancellations(List<String> keys) {
        List<Future<RecordMetadata>> sent = new ArrayList<>(keys.size());
        for (String key : keys) {
            ProducerRecord<String, byte[]> tombstone = new ProducerRecord<>(settings.topics().control(), key, null);
            tombstone.headers().add(LlmqHeaders.CONTROL_TYPE,
                    JobControlMessage.TYPE_CANCEL.getBytes(StandardCharsets.UTF_8));
            sent.add(producer.send(tombstone));
        }
        long deadline = System.nanoTime() + settings.kafkaTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
        try {
            for (Future<RecordMetadata> f : sent) {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Kafka did not acknowledge the deletion of old cancellations: {}",
                    (e instanceof ExecutionException ? e.getCause() : e).toString());
            return false;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
    }
}
