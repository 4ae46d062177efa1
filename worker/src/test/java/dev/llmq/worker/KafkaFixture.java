package dev.llmq.worker;

import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Topics under a unique prefix on the test broker, a job producer, and readers of what the worker wrote. */
final class KafkaFixture implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final JsonSerde<JobRequest> JOBS = JsonSerde.jobRequest();

    final String bootstrap;
    final TopicNames topics;
    final String group;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;

    KafkaFixture(String bootstrap, String name) {
        this.bootstrap = bootstrap;
        String prefix = "t" + COUNTER.incrementAndGet() + "-" + name + "-" + System.nanoTime();
        this.topics = new TopicNames(prefix);
        this.group = prefix + "-workers";
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 2),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Creates every topic from its definition, as production does: {@code partitions} for the topics without a fixed
     * count, the control topic compacted, and so on.
     */
    KafkaFixture create(int partitions) throws Exception {
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topics, partitions,
                (short) 1).ensureTopics(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(this::allPartitionsServeOffsets);
        return this;
    }

    /**
     * True once the broker answers offset requests for every partition: a partition that the metadata already shows
     * with a leader can still refuse (and, here, mis-sequence) the first produce requests for a moment.
     */
    private boolean allPartitionsServeOffsets() throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(topics.all()).allTopicNames().get().forEach((name, description) ->
                description.partitions().forEach(p -> request.put(new TopicPartition(name, p.partition()),
                        OffsetSpec.latest())));
        admin.listOffsets(request).all().get();
        return true;
    }

    WorkerSettings settings(String workerId) {
        return settingsBuilder(workerId).build();
    }

    /** Settings of a worker in this fixture's group, to change before building. */
    WorkerSettings.Builder settingsBuilder(String workerId) {
        return WorkerSettings.builder(bootstrap, topics, workerId).groupId(group);
    }

    RecordMetadata send(JobRequest job) throws ExecutionException, InterruptedException {
        return producer.send(new ProducerRecord<>(topics.jobs(), utf8(job.jobId()), JOBS.toBytes(job))).get();
    }

    RecordMetadata send(JobRequest job, int partition) throws ExecutionException, InterruptedException {
        return producer.send(new ProducerRecord<>(topics.jobs(), partition, utf8(job.jobId()), JOBS.toBytes(job))).get();
    }

    /** Sends the job to the interactive lane's topic. */
    RecordMetadata sendInteractive(JobRequest job) throws ExecutionException, InterruptedException {
        return producer.send(new ProducerRecord<>(topics.jobsInteractive(), utf8(job.jobId()), JOBS.toBytes(job)))
                .get();
    }

    RecordMetadata sendRaw(ProducerRecord<byte[], byte[]> record) throws ExecutionException, InterruptedException {
        return producer.send(record).get();
    }

    void sendAll(List<JobRequest> jobs) throws ExecutionException, InterruptedException {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        jobs.forEach(job -> sent.add(producer.send(new ProducerRecord<>(topics.jobs(), utf8(job.jobId()), JOBS.toBytes(job)))));
        for (Future<RecordMetadata> future : sent) {
            future.get();
        }
    }

    /** Committed offsets of the worker group on the jobs topic (partitions without a commit are absent). */
    Map<TopicPartition, Long> committed() throws Exception {
        return committed(group);
    }

    /** Committed offsets of a consumer group on the jobs topic (partitions without a commit are absent). */
    Map<TopicPartition, Long> committed(String group) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        committedWithMetadata(group).forEach((tp, om) -> out.put(tp, om.offset()));
        return out;
    }

    /** Committed offsets and metadata of a consumer group on the jobs topic (partitions without one are absent). */
    Map<TopicPartition, OffsetAndMetadata> committedWithMetadata(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, om) -> {
            if (om != null && tp.topic().equals(topics.jobs())) {
                out.put(tp, om);
            }
        });
        return out;
    }

    Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(request).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Every record now on the topic (up to its current end offsets), in partition order. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) throws Exception {
        Map<TopicPartition, Long> end = endOffsets(topic);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(end.keySet());
            consumer.seekToBeginning(end.keySet());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }
}
