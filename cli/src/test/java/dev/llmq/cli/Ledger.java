package dev.llmq.cli;

import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What the failure tests check on Kafka: the terminal results per job id as a {@code read_committed} reader sees them,
 * and whether a consumer group has committed past the last record of a topic (so nothing it reads can still produce a
 * second result). Also starts the ingest role in this JVM.
 */
final class Ledger {

    private Ledger() {
    }

    /** Every result on {@code topic}, grouped by job id, read to the topic's current end ({@code read_committed}). */
    static Map<String, List<JobResult>> results(String bootstrap, String topic) {
        return TopicReader.readAll(bootstrap, topic, JsonSerde.jobResult()::fromBytes, 0).stream()
                .collect(Collectors.groupingBy(JobResult::jobId));
    }

    /** The offset after the last data record of each partition of {@code topic} (control records left out). */
    static Map<TopicPartition, Long> afterLastRecord(String bootstrap, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        Map<TopicPartition, Long> after = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            partitions.forEach(tp -> after.put(tp, 0L));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    after.merge(tp, record.offset() + 1, Math::max);
                }
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
        }
        return after;
    }

    /** The partitions of {@code topic} where {@code group} has not committed past the last record yet (empty: done). */
    static List<String> behind(String bootstrap, String group, String topic) throws Exception {
        Map<TopicPartition, Long> target = afterLastRecord(bootstrap, topic);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            List<String> behind = new ArrayList<>();
            target.forEach((tp, offset) -> {
                OffsetAndMetadata c = committed.get(tp);
                long at = c == null ? 0 : c.offset();
                if (offset > 0 && at < offset) {
                    behind.add(tp.partition() + ": committed " + at + " < " + offset);
                }
            });
            return behind;
        }
    }

    /** llmq's topics for this prefix, created as the roles would. */
    static void createTopics(String bootstrap, TopicNames topics, int partitions) throws InterruptedException {
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topics, partitions,
                (short) 1).ensureTopics(Duration.ofSeconds(30));
    }

    /** {@code llmq ingest} in this JVM, on a free port, once ready. */
    static Assembly startIngest(java.nio.file.Path config, String bootstrap) throws InterruptedException {
        RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config)
                .bootstrapServers(bootstrap).httpPort(0).build();
        Assembly ingest = Assembly.start(Role.INGEST, options);
        await().atMost(Duration.ofSeconds(60)).until(ingest::ready);
        return ingest;
    }

    static java.net.URI url(Assembly ingest) {
        return java.net.URI.create("http://127.0.0.1:" + ingest.get(dev.llmq.ingest.IngestServer.class).port());
    }
}
