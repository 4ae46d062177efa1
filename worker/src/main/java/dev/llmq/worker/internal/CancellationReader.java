package dev.llmq.worker.internal;

import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.LlmqHeaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every {@code job_cancel} on the compacted control topic into {@link Cancellations}: all partitions from the
 * beginning, without a consumer group (every worker needs every cancellation), then follows the topic within about
 * 0.1 s. Records of other control types (deployment health), tombstones and unreadable records are skipped; an
 * unreadable one is logged. {@link #awaitCaughtUp} tells when the cancellations asked before the start are known.
 */
public final class CancellationReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CancellationReader.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration TOPIC_RETRY = Duration.ofMillis(500);

    private final String topic;
    private final Cancellations cancellations;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean closing;

    public CancellationReader(String bootstrapServers, Map<String, String> clientProperties, String topic,
                              String clientId, Cancellations cancellations) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.cancellations = Objects.requireNonNull(cancellations, "cancellations");
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-cancellations");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().daemon().name("llmq-cancellations-" + clientId).unstarted(this::readLoop);
    }

    public CancellationReader start() {
        thread.start();
        return this;
    }

    /** Waits until the topic was read up to where it ended at start; false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        if (thread.getState() == Thread.State.NEW) {
            consumer.close();
            return;
        }
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readLoop() {
        try {
            List<TopicPartition> partitions = partitions();
            if (partitions.isEmpty()) {
                return;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (!closing) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_TIMEOUT)) {
                    handle(record);
                }
                if (caughtUp.getCount() > 0 && reached(end)) {
                    caughtUp.countDown();
                    LOG.info("cancellations read from {}: {} known", topic, cancellations.size());
                }
            }
        } catch (WakeupException e) {
            if (!closing) {
                LOG.error("cancellation reader woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("cancellation reader stopped reading {}; cancellations asked from now on are not seen", topic, e);
        } finally {
            consumer.close();
        }
    }

    /** The topic's partitions once it exists; empty when closing first. */
    private List<TopicPartition> partitions() {
        boolean warned = false;
        while (!closing) {
            try {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                if (!partitions.isEmpty()) {
                    return partitions;
                }
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                if (!KafkaErrors.retriable(e)) {
                    throw e;
                }
            }
            if (!warned) {
                LOG.warn("control topic {} is not there yet; cancellations are read once it is", topic);
                warned = true;
            }
            try {
                Thread.sleep(TOPIC_RETRY);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
        return List.of();
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
        Header type = record.headers().lastHeader(LlmqHeaders.CONTROL_TYPE);
        if (record.value() == null || type == null
                || !JobControlMessage.TYPE_CANCEL.equals(new String(type.value(), StandardCharsets.UTF_8))) {
            return; // a tombstone, or another kind of control message
        }
        JobControlMessage message;
        try {
            message = Json.mapper().readValue(record.value(), JobControlMessage.class);
        } catch (IOException | RuntimeException e) {
            LOG.warn("skipping unreadable cancellation {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return;
        }
        cancellations.apply(message);
    }
}
