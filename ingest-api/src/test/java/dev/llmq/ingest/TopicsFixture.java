package dev.llmq.ingest;

import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.kafka.LogEnds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

/** Topics with a unique prefix per test class, and plain clients to read and write them. */
final class TopicsFixture implements AutoCloseable {

    static final int PARTITIONS = 3;

    private final String bootstrap;
    private final TopicNames topics;
    private final KafkaProducer<String, byte[]> producer;

    TopicsFixture(String bootstrap, String name) {
        this.bootstrap = bootstrap;
        this.topics = new TopicNames("it-" + name + "-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topics, PARTITIONS,
                    (short) 1).ensureTopics(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(p);
    }

    TopicNames topics() {
        return topics;
    }

    KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p);
    }

    private List<TopicPartition> partitions(String topic) {
        List<TopicPartition> out = new ArrayList<>();
        for (int i = 0; i < PARTITIONS; i++) {
            out.add(new TopicPartition(topic, i));
        }
        return out;
    }

    /** The end offsets of both jobs topics (batch and interactive) once no transaction is open on them. */
    Map<TopicPartition, Long> jobsEndOffsets() {
        List<TopicPartition> tps = new ArrayList<>(partitions(topics.jobs()));
        tps.addAll(partitions(topics.jobsInteractive()));
        return stableEndOffsets(tps);
    }

    /**
     * The end offsets of {@code tps} once no transaction is open on them ({@link LogEnds}): a read right after a 202
     * waits for the commit's markers, and before/after comparisons are exact.
     */
    private Map<TopicPartition, Long> stableEndOffsets(List<TopicPartition> tps) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> LogEnds.read(admin, tps), ends -> ends.held().isEmpty()).highWatermarks();
        }
    }

    /** Every committed record on the (batch) jobs topic. */
    List<ConsumerRecord<String, byte[]>> committedJobRecords() {
        return committedRecords(topics.jobs());
    }

    /** Every committed record on {@code topic}, once no transaction is open on it. */
    List<ConsumerRecord<String, byte[]>> committedRecords(String topic) {
        List<TopicPartition> tps = partitions(topic);
        Map<TopicPartition, Long> end = stableEndOffsets(tps);
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            c.assign(tps);
            c.seekToBeginning(tps);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end");
                }
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            return out;
        }
    }

    /** Every committed record on the control topic (one partition). */
    List<ConsumerRecord<String, byte[]>> controlRecords() {
        return onePartitionRecords(topics.control());
    }

    /** Every committed record on a topic of one partition (control, files, file parts). */
    List<ConsumerRecord<String, byte[]>> onePartitionRecords(String topic) {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
                return c.position(tp) >= end;
            });
            return out;
        }
    }

    List<JobRequest> committedJobs() {
        return committedJobRecords().stream().map(r -> JsonSerde.jobRequest().fromBytes(r.value()))
                .collect(Collectors.toList());
    }

    void sendStatus(JobStatusEvent e) {
        send(topics.status(), e.jobId(), JsonSerde.jobStatusEvent().toBytes(e));
    }

    void sendResult(JobResult r) {
        send(topics.results(), r.jobId(), JsonSerde.jobResult().toBytes(r));
    }

    void sendChunk(StreamChunk c) {
        send(topics.chunks(), c.jobId(), JsonSerde.streamChunk().toBytes(c));
    }

    /** A record on the control topic as another writer would put it there (null value: a tombstone). */
    void sendControl(String key, byte[] value) {
        send(topics.control(), key, value);
    }

    /** Writes {@code records} (key, value) to {@code topic} as fast as the producer goes, and waits for them all. */
    void sendAll(String topic, List<Map.Entry<String, byte[]>> records) {
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        records.forEach(r -> sent.add(producer.send(new ProducerRecord<>(topic, r.getKey(), r.getValue()))));
        producer.flush();
        try {
            for (Future<RecordMetadata> f : sent) {
                f.get(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot write to " + topic, e);
        }
    }

    private void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot write to " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
