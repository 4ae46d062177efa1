package dev.llmq.bench;

import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka alone beside a scenario: a plain producer in the bench JVM sends small records, each at once ({@code
 * linger.ms=0}, {@code acks=all}, idempotent: how the worker's producer sends a stream's first output), and the
 * scenario's own reader notes when each became readable ({@link #read}). The latency from the send to readable is
 * what Kafka and the machine add under the scenario's load, with none of llmq's code in the path: the floor under a
 * latency llmq adds by publishing to Kafka.
 *
 * <p>Probes are stream chunks (a job id of their own, an empty chunk) keyed {@link #KEY_PREFIX}, a token of this
 * probe and a number, so a reader of the topic that does not know them parses them as chunks of a job it never
 * submitted.
 */
final class KafkaProbe implements AutoCloseable {

    /** The key (and job id) of every probe begins with this. */
    static final String KEY_PREFIX = "bench-probe-";
    private static final JsonSerde<StreamChunk> CHUNKS = JsonSerde.streamChunk();

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    /** This probe's keys: another run's probes on the topic are not counted. */
    private final String prefix = KEY_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-";
    private final AtomicInteger next = new AtomicInteger();
    /** Sent probes not read yet: {@link System#nanoTime()} before the send, by key. */
    private final Map<String, Long> sent = new ConcurrentHashMap<>();
    private final Histogram latency = new Histogram(3);

    private KafkaProbe(KafkaProducer<String, byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /** A probe that sends to {@code topic} on the cluster at {@code bootstrap}. */
    static KafkaProbe start(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-probe");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        producer.partitionsFor(topic); // the topic's metadata now: else the first probe's time would include fetching it
        return new KafkaProbe(producer, topic);
    }

    /** Sends the next probe without waiting. */
    void send() {
        String key = prefix + next.getAndIncrement();
        byte[] value = CHUNKS.toBytes(new StreamChunk(StreamChunk.SCHEMA_VERSION, key, 1, 0,
                Json.mapper().createObjectNode(), Instant.now()));
        sent.put(key, System.nanoTime());
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    /**
     * Notes a record the reader read at {@code readAt} ({@link System#nanoTime()}, taken when its poll returned);
     * returns whether it was a probe (of any bench run: a probe this one did not send is skipped).
     */
    boolean read(ConsumerRecord<String, ?> record, long readAt) {
        String key = record.key();
        if (key == null || !key.startsWith(KEY_PREFIX)) {
            return false;
        }
        Long at = sent.remove(key);
        if (at != null) {
            synchronized (latency) {
                latency.recordValue(Math.max(0, (readAt - at) / 1000));
            }
        }
        return true;
    }

    /** Probes sent so far. */
    int sent() {
        return next.get();
    }

    /** Send → readable of the probes read, in microseconds: a copy. */
    Histogram latencyMicros() {
        synchronized (latency) {
            return latency.copy();
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
