package dev.llmq.worker.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.router.DeploymentHealthEvent;
import dev.llmq.schemas.CloudEventHeaders;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.DeploymentHealthMessage;
import dev.llmq.worker.internal.HealthMessages;
import dev.llmq.worker.internal.KafkaErrors;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration FIRST_TOPIC_WAIT = Duration.ofMillis(100);
    private static final Duration MAX_TOPIC_WAIT = Duration.ofSeconds(1);

    private final String topic;
    private final String source;
    private final Clock clock;
    private final Listener listener;
    private final ObjectMapper mapper = Json.mapper();
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean ready;
    private volatile boolean closing;

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
        Map<String, Object> consumerProps = new HashMap<>(common);
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-health-in");
        consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        this.producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        this.consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().daemon().name("llmq-health-bus-" + clientId).unstarted(this::readLoop);
    }

    /** A source id for one process start of worker {@code workerId}: {@code <workerId>/<8 random hex digits>}. */
    public static String newSource(String workerId) {
        return workerId + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Starts reading the control topic from its beginning; {@link #ready()} turns true once caught up. */
    public KafkaHealthBus start() {
        thread.start();
        return this;
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
        return ready;
    }

    /**
     * Waits until the bus has caught up with the control topic.
     *
     * @return false on timeout
     * @throws IllegalStateException when the bus stopped reading (closed, or a fatal error, logged)
     */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return false;
        }
        if (!ready) {
            throw new IllegalStateException("health bus " + source + " stopped reading " + topic);
        }
        return true;
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        if (thread.isAlive()) {
            try {
                thread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (thread.getState() == Thread.State.NEW) {
            consumer.close();
        }
        producer.close(Duration.ofSeconds(5));
    }

    private void readLoop() {
        try {
            List<TopicPartition> partitions = partitions();
            if (partitions.isEmpty()) {
                return;
            }
            producer.partitionsFor(topic); // metadata now, so the first event is not delayed by it
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            int replayed = 0;
            while (!closing) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_TIMEOUT)) {
                    if (handle(record) && !ready) {
                        replayed++;
                    }
                }
                if (!ready && caughtUp(end)) {
                    ready = true;
                    caughtUp.countDown();
                    LOG.info("health bus {} caught up with {}: applied {} shared health events", source, topic,
                            replayed);
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
            caughtUp.countDown();
            consumer.close();
        }
    }

    /**
     * The control topic's partitions, waiting (with backoff) for the topic to exist and through retriable failures
     * such as a broker not up yet; empty when closing (or interrupted) first. Closing stops the wait within
     * {@link #MAX_TOPIC_WAIT}, or at once when it wakes up a blocked metadata request.
     */
    private List<TopicPartition> partitions() {
        AtomicBoolean warned = new AtomicBoolean();
        Retry retry = Retry.of("llmq-health-bus-topic", RetryConfig.custom()
                .maxAttempts(Integer.MAX_VALUE)
                .intervalFunction(IntervalFunction.ofExponentialBackoff(FIRST_TOPIC_WAIT, 2.0, MAX_TOPIC_WAIT))
                .retryOnException(e -> !closing && (e instanceof TopicMissing || KafkaErrors.retriable(e)))
                .build());
        try {
            return retry.executeSupplier(() -> {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                if (partitions.isEmpty()) {
                    if (warned.compareAndSet(false, true)) {
                        LOG.warn("control topic {} does not exist yet; deployment health is not shared until it does",
                                topic);
                    }
                    throw new TopicMissing();
                }
                return partitions;
            });
        } catch (TopicMissing e) {
            return List.of();
        }
    }

    /** The control topic has no partitions (yet): a failure to retry, like Kafka's retriable ones. */
    private static final class TopicMissing extends RuntimeException {
        TopicMissing() {
            super("control topic missing", null, false, false);
        }
    }

    private boolean caughtUp(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
            if (consumer.position(entry.getKey()) < entry.getValue()) {
                return false;
            }
        }
        return true;
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
