package dev.llmq.worker.internal;

import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every {@code job_cancel} on the compacted control topic into {@link Cancellations}, through a
 * {@link ControlTopicTail}. Records of other control types (deployment health), tombstones and unreadable records are
 * skipped; an unreadable one is logged. {@link #awaitCaughtUp} tells when the cancellations asked before the start are
 * known.
 */
public final class CancellationReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CancellationReader.class);
    private static final JsonSerde<JobControlMessage> CONTROL = JsonSerde.jobControl();

    private final Cancellations cancellations;
    private final ControlTopicTail tail;

    public CancellationReader(String bootstrapServers, Map<String, String> clientProperties, String topic,
                              String clientId, Cancellations cancellations) {
        this.cancellations = Objects.requireNonNull(cancellations, "cancellations");
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.tail = new ControlTopicTail(props, topic, clientId, "cancellations", this::handle);
    }

    public CancellationReader start() {
        tail.start();
        return this;
    }

    /** Waits until the topic was read up to where it ended at start (or the reader stopped); false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return tail.awaitCaughtUp(timeout);
    }

    public boolean caughtUp() {
        return tail.caughtUp();
    }

    @Override
    public void close() {
        tail.close();
    }

    private boolean handle(ConsumerRecord<byte[], byte[]> record) {
        Header type = record.headers().lastHeader(LlmqHeaders.CONTROL_TYPE);
        if (record.value() == null || type == null
                || !JobControlMessage.TYPE_CANCEL.equals(new String(type.value(), StandardCharsets.UTF_8))) {
            return false; // a tombstone, or another kind of control message
        }
        JobControlMessage message;
        try {
            message = CONTROL.fromBytes(record.value());
        } catch (RuntimeException e) {
            LOG.warn("skipping unreadable cancellation {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return false;
        }
        cancellations.apply(message);
        return true;
    }
}
