package dev.llmq.worker.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.router.DeploymentHealthEvent;
import dev.llmq.schemas.CloudEventHeaders;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.DeploymentHealthMessage;
import dev.llmq.worker.internal.ControlTopicTail;
import dev.llmq.worker.internal.HealthMessages;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link HealthBus} on the compacted control topic. Keys are {@code deployment-health:<id>:cooldown} and
 * {@code deployment-health:<id>:breaker}, so the latest record of each facet is the shared state and other kinds of
 * control messages never collide with them. Every bus reads every partition from the beginning without a consumer
 * group (each worker needs every event), so a late starter replays the compacted state before it is ready; records
 * of other control types, unreadable records and this instance's own events are skipped.
 */
public final class KafkaHealthBus implements HealthBus {

    /** Header naming the kind of control message, so readers can skip kinds they do not handle. */
    public static final String CONTROL_TYPE_HEADER = LlmqHeaders.CONTROL_TYPE;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaHealthBus.class);

    private final String topic;
    private final String source;
    private final Clock clock;
    private final Listener listener;
    private final ObjectMapper mapper = Json.mapper();
    private final KafkaProducer<byte[], byte[]> producer;
    private final ControlTopicTail tail;

    /**
     * @param clientProperties extra Kafka client properties, passed to the producer and the consumer
     * @param source this worker instance, unique per process start (see {@link #newSource})
     * @param listener receives other instances' events, on the bus's thread; must not block
     */
    public KafkaHealthBus(String bootstrapServers, Map<String, String> clientProperties, TopicNames topics,
                          String source, Clock clock, Listener listener) {
        this.topic = Objects.requireNonNull(topics, "topics").control();
        this.source = Objects.requireNonNull(source, "source");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
        Map<String, Object> common = new HashMap<>();
        common.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(bootstrapServers, "bootstrapServers"));
        common.putAll(clientProperties == null ? Map.of() : clientProperties);
        String clientId = source.replace('/', '-');
        Map<String, Object> producerProps = new HashMap<>(common);
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-health-out");
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        this.producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        this.tail = new ControlTopicTail(common, topic, clientId, "health-in", this::handle)
                .beforeReading(() -> producer.partitionsFor(topic)); // metadata now, so the first event is not delayed

    }

    /** A source id for one process start of worker {@code workerId}: {@code <workerId>/<8 random hex digits>}. */
    public static String newSource(String workerId) {
        return workerId + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Starts reading the control topic from its beginning; {@link #ready()} turns true once caught up. */
    public KafkaHealthBus start() {
        tail.start();
        return this;
    }

    /** Kafka's metrics of this bus's producer and consumer, for binding to a meter registry (closed by the caller). */
    public List<KafkaClientMetrics> metrics() {
        return List.of(new KafkaClientMetrics(producer), tail.metrics());
    }

    public String source() {
        return source;
    }

    @Override
    public void publish(DeploymentHealthEvent event) {
        Objects.requireNonNull(event, "event");
        Instant at = clock.instant();
        byte[] value;
        try {
            value = mapper.writeValueAsBytes(HealthMessages.of(event, source, at));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot serialize " + event, e);
        }
        Headers headers = CloudEventHeaders.builder().source("llmq/worker/" + source).type(LlmqHeaders.TYPE_CONTROL)
                .id(HealthMessages.key(event) + ":" + at).time(at).build();
        headers.add(CONTROL_TYPE_HEADER, utf8(DeploymentHealthMessage.TYPE));
        producer.send(new ProducerRecord<>(topic, null, utf8(HealthMessages.key(event)), value, headers), (md, error) -> {
            if (error != null) {
                LOG.warn("health event for deployment {} not published", event.deploymentId(), error);
            }
        });
    }

    @Override
    public boolean ready() {
        return tail.reading();
    }

    /**
     * Waits until the bus has caught up with the control topic.
     *
     * @return false on timeout
     * @throws IllegalStateException when the bus stopped reading (closed, or a fatal error, logged)
     */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        if (!tail.awaitCaughtUp(timeout)) {
            return false;
        }
        if (!tail.reading()) {
            throw new IllegalStateException("health bus " + source + " stopped reading " + topic);
        }
        return true;
    }

    @Override
    public void close() {
        tail.close();
        producer.close(Duration.ofSeconds(5));
    }

    /** @return true when the record was another instance's health event and went to the listener */
    private boolean handle(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null || record.key() == null
                || !new String(record.key(), StandardCharsets.UTF_8).startsWith(DeploymentHealthMessage.KEY_PREFIX)) {
            return false; // a tombstone or another kind of control message
        }
        Header type = record.headers().lastHeader(CONTROL_TYPE_HEADER);
        if (type != null && !DeploymentHealthMessage.TYPE.equals(new String(type.value(), StandardCharsets.UTF_8))) {
            return false;
        }
        DeploymentHealthMessage wire;
        try {
            wire = mapper.readValue(record.value(), DeploymentHealthMessage.class);
            if (wire == null) {
                throw new IOException("the record holds JSON null");
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("skipping unreadable control record {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return false;
        }
        if (source.equals(wire.source())) {
            return false; // our own event, already in force here
        }
        Optional<DeploymentHealthEvent> event = HealthMessages.toEvent(wire);
        if (event.isEmpty()) {
            LOG.debug("skipping health record {}-{}@{} with unknown state {}", record.topic(), record.partition(),
                    record.offset(), wire.state());
            return false;
        }
        try {
            listener.onRemoteHealth(event.get(), wire.source() == null ? "unknown" : wire.source(),
                    wire.at() == null ? Instant.ofEpochMilli(record.timestamp()) : wire.at());
        } catch (RuntimeException e) {
            LOG.warn("health listener failed on deployment {}", wire.deploymentId(), e);
        }
        return true;
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
