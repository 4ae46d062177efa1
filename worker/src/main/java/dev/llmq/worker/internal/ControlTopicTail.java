package dev.llmq.worker.internal;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted control topic on a thread of its own: every partition from the beginning, without a consumer
 * group (every worker needs every record), {@code read_committed}, each record handed to a handler; then keeps
 * following within about 0.1 s. It waits (with backoff) for the topic to exist, and knows when it has read what the
 * topic held at its start. The readers of deployment health ({@code KafkaHealthBus}) and of cancellations and budget
 * states ({@link ControlReader}) are this loop with their own handlers.
 */
public final class ControlTopicTail implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlTopicTail.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration FIRST_TOPIC_WAIT = Duration.ofMillis(100);
    private static final Duration MAX_TOPIC_WAIT = Duration.ofSeconds(1);

    private final String topic;
    private final String what;
    private final Predicate<ConsumerRecord<byte[], byte[]>> handler;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile Runnable beforeReading = () -> { };
    private volatile boolean reading;
    private volatile boolean caughtUpOnce;
    private volatile boolean closing;

    /**
     * @param common Kafka client properties (bootstrap servers included); group settings are dropped
     * @param what what is read, for the thread name and the logs (e.g. {@code health}, {@code cancellations})
     * @param handler takes each record on the tail's thread, must not block; returns whether the record was applied
     *        (counted in the caught-up log line)
     */
    public ControlTopicTail(Map<String, ?> common, String topic, String clientId, String what,
                            Predicate<ConsumerRecord<byte[], byte[]>> handler) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.what = Objects.requireNonNull(what, "what");
        this.handler = Objects.requireNonNull(handler, "handler");
        Map<String, Object> props = new HashMap<>(common);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-" + what);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // fetch.max.wait.ms stays Kafka's (500 ms unless llmq.kafka says otherwise): the broker answers a fetch as soon
        // as a record is there (fetch.min.bytes 1), so the 50 ms set here before only multiplied the empty fetches of
        // an idle topic (14 a second per tail)
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().daemon().name("llmq-" + what + "-" + clientId).unstarted(this::readLoop);
    }

    /** Kafka's metrics of this tail's consumer, for binding to a meter registry (closed by the caller). */
    public KafkaClientMetrics metrics() {
        return new KafkaClientMetrics(consumer);
    }

    /** Runs {@code action} on the tail's thread once the topic exists, before its first poll. */
    public ControlTopicTail beforeReading(Runnable action) {
        this.beforeReading = Objects.requireNonNull(action, "action");
        return this;
    }

    public ControlTopicTail start() {
        thread.start();
        return this;
    }

    /** True from catching up with the topic until the tail stops reading (closed, or a fatal error, logged). */
    public boolean reading() {
        return reading;
    }

    /** True once the tail has read what the topic held at its start (and from then on, even after it stopped). */
    public boolean caughtUp() {
        return caughtUpOnce;
    }

    /**
     * Waits until the tail has read what the topic held at its start, or has stopped reading.
     *
     * @return false on timeout
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
    }

    private void readLoop() {
        try {
            List<TopicPartition> partitions = partitions();
            if (partitions.isEmpty()) {
                return;
            }
            beforeReading.run();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            int replayed = 0;
            while (!closing) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_TIMEOUT)) {
                    if (handled(record) && !reading) {
                        replayed++;
                    }
                }
                if (!reading && reached(end)) {
                    reading = true;
                    caughtUpOnce = true;
                    caughtUp.countDown();
                    LOG.info("{} caught up with {}: applied {} records", what, topic, replayed);
                }
            }
        } catch (WakeupException e) {
            if (!closing) {
                LOG.error("{} reader of {} woken up unexpectedly", what, topic, e);
            }
        } catch (RuntimeException e) {
            LOG.error("{} reader stopped reading {}", what, topic, e);
        } finally {
            reading = false;
            caughtUp.countDown();
            consumer.close();
        }
    }

    /** The handler's answer; a record it fails on is skipped, so that no record can stop the reader. */
    private boolean handled(ConsumerRecord<byte[], byte[]> record) {
        try {
            return handler.test(record);
        } catch (RuntimeException e) {
            LOG.warn("{} reader skipped record {}-{}@{} it failed on: {}", what, record.topic(), record.partition(),
                    record.offset(), e.toString());
            return false;
        }
    }

    /**
     * The topic's partitions, waiting (with backoff) for the topic to exist and through retriable failures such as a
     * broker not up yet; empty when closing (or interrupted) first. Closing stops the wait within
     * {@link #MAX_TOPIC_WAIT}, or at once when it wakes up a blocked metadata request.
     */
    private List<TopicPartition> partitions() {
        AtomicBoolean warned = new AtomicBoolean();
        Retry retry = Retry.of("llmq-" + what + "-topic", RetryConfig.custom()
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
                        LOG.warn("control topic {} does not exist yet; {} are read once it does", topic, what);
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

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
            if (consumer.position(entry.getKey()) < entry.getValue()) {
                return false;
            }
        }
        return true;
    }
}
