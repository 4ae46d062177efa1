package dev.llmq.worker.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TopicNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link HealthBus} on the compacted control topic, keyed by deployment id. Every bus reads every partition of the
 * topic from the beginning without a consumer group (each worker needs every event), so a late starter replays the
 * compacted state; messages of other control types on the topic are skipped.
 */
public final class KafkaHealthBus implements HealthBus {

    /** Header naming the kind of control message, so readers can skip kinds they do not handle. */
    public static final String CONTROL_TYPE_HEADER = "llmq.control.type";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaHealthBus.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

    private final String topic;
    private final String workerId;
    private final Listener listener;
    private final ObjectMapper mapper = Json.mapper();
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, DeploymentHealthEvent> latest = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean ready;
    private volatile boolean closing;

    /**
     * @param clientProperties extra Kafka client properties, passed to the producer and the consumer
     * @param workerId this worker's id ({@code ce_source}, consumer client id)
     * @param listener receives every health event read, on the bus's thread
     */
    public KafkaHealthBus(String bootstrapServers, Map<String, String> clientProperties, TopicNames topics,
                          String workerId, Listener listener) {
        this.topic = Objects.requireNonNull(topics, "topics").control();
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.listener = Objects.requireNonNull(listener, "listener");
        Map<String, Object> common = new HashMap<>();
        common.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(bootstrapServers, "bootstrapServers"));
        common.putAll(clientProperties == null ? Map.of() : clientProperties);
        Map<String, Object> producerProps = new HashMap<>(common);
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, workerId + "-health-out");
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProps.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        Map<String, Object> consumerProps = new HashMap<>(common);
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, workerId + "-health-in");
        consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        this.consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().daemon().name("llmq-health-bus-" + workerId).unstarted(this::readLoop);
    }

    /** Starts reading the control topic from its beginning; {@link #ready()} turns true once caught up. */
    public KafkaHealthBus start() {
        thread.start();
        return this;
    }

    @Override
    public void publish(DeploymentHealthEvent event) {
        Objects.requireNonNull(event, "event");
        byte[] value;
        try {
            value = mapper.writeValueAsBytes(event);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot serialize " + event, e);
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(LlmqHeaders.CONTENT_TYPE, utf8(LlmqHeaders.APPLICATION_JSON));
        headers.add(LlmqHeaders.CE_SPECVERSION, utf8("1.0"));
        headers.add(LlmqHeaders.CE_ID, utf8(event.deploymentId() + ":" + event.at()));
        headers.add(LlmqHeaders.CE_SOURCE, utf8("llmq/worker/" + workerId));
        headers.add(LlmqHeaders.CE_TYPE, utf8(LlmqHeaders.TYPE_CONTROL));
        headers.add(LlmqHeaders.CE_TIME, utf8(event.at().toString()));
        headers.add(CONTROL_TYPE_HEADER, utf8(DeploymentHealthEvent.TYPE));
        producer.send(new ProducerRecord<>(topic, null, utf8(event.deploymentId()), value, headers), (md, error) -> {
            if (error != null) {
                LOG.warn("health event for deployment {} not published", event.deploymentId(), error);
            }
        });
    }

    @Override
    public Map<String, DeploymentHealthEvent> snapshot() {
        return Map.copyOf(latest);
    }

    @Override
    public boolean ready() {
        return ready;
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
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
                    apply(record);
                }
                if (!ready && caughtUp(end)) {
                    ready = true;
                    LOG.info("health bus caught up with {}: {} deployments with shared state", topic, latest.size());
                }
            }
        } catch (WakeupException e) {
            if (!closing) {
                LOG.error("health bus woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("health bus stopped reading {}", topic, e);
        } finally {
            ready = false;
            consumer.close();
        }
    }

    /** The control topic's partitions, waiting for the topic to exist; empty when closing first. */
    private List<TopicPartition> partitions() {
        boolean warned = false;
        while (!closing) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (!partitions.isEmpty()) {
                return partitions;
            }
            if (!warned) {
                LOG.warn("control topic {} does not exist yet; deployment health is not shared until it does", topic);
                warned = true;
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
        return List.of();
    }

    private boolean caughtUp(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
            if (consumer.position(entry.getKey()) < entry.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            if (key != null) {
                latest.remove(key);
            }
            return;
        }
        DeploymentHealthEvent event;
        try {
            JsonNode tree = mapper.readTree(record.value());
            if (!DeploymentHealthEvent.TYPE.equals(tree.path("type").asText())) {
                return; // another kind of control message
            }
            event = mapper.treeToValue(tree, DeploymentHealthEvent.class);
        } catch (IOException | RuntimeException e) {
            LOG.warn("skipping unreadable control record {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return;
        }
        latest.put(event.deploymentId(), event);
        try {
            listener.onHealth(event);
        } catch (RuntimeException e) {
            LOG.warn("health listener failed on deployment {}", event.deploymentId(), e);
        }
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
