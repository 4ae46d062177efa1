package dev.llmq.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.Topics;
import dev.llmq.testkit.kafka.BrokerProcess;
import dev.llmq.usage.internal.UsageStreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker killed with {@code SIGKILL} while a transaction of the usage aggregator's was open (a sum sent and the
 * results' offsets past it, not committed). Kafka 4.4 may end such a transaction, when the broker is back, without
 * marking its end on the partitions it wrote: its offsets would stay pending, so the application could not start its
 * tasks, and its records open. The broker runs in a process of its own ({@link BrokerProcess}).
 */
class BrokerKillIT {

    private static final int PARTITIONS = 3;
    private static final int RESULTS = 300;

    @TempDir
    Path dirs;

    @Test
    void aTransactionOpenWhenTheBrokerWasKilledNeitherStallsTheAggregatorNorIsCounted() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(dirs.resolve("kafka"))) {
            String bootstrap = broker.bootstrapServers();
            TopicNames topics = new TopicNames("it-usage-broker-kill-" + UUID.randomUUID().toString().substring(0, 8));
            new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topics, PARTITIONS,
                    (short) 1).ensureTopics(Duration.ofSeconds(30));
            try (KafkaProducer<String, byte[]> producer = UsageAggregatorKillIT.producer(bootstrap)) {
                UsageAggregatorKillIT.send(producer, topics, 0, RESULTS);
            }
            String total = topics.name(Topics.USAGE_TOTAL);
            leaveOpen(broker, UsageStreams.applicationId(topics), topics.results(), total);
            broker.launch(); // the aggregator starts while the broker does, as a live one goes on

            try (UsageAggregator aggregator = new UsageAggregator(UsageAggregatorKillIT.settings(bootstrap, topics,
                    "agg-1", dirs.resolve("agg-1")), new SimpleMeterRegistry(), Clock.systemUTC()).start()) {
                broker.awaitReady();
                URI query = URI.create(aggregator.url() + "/v1/usage?group_by=model&window=total");
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                        assertThat(UsageAggregatorKillIT.requests(query)).as("results counted").isEqualTo(RESULTS));
            }
            assertThat(committed(bootstrap, total)).as("read_committed " + total)
                    .noneMatch(r -> r.key().startsWith("left-open-"));
        }
    }

    /**
     * A transaction of another producer of the application, left open by a broker killed: a record on every
     * partition of {@code written}, and the application's offsets past every result.
     */
    private static void leaveOpen(BrokerProcess broker, String application, String results, String written) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, application + "-earlier-1");
        // timed out when the broker is back: its coordinator aborts it as it starts, before it knows the partitions'
        // leaders, which is when Kafka skips their markers
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1000);
        try (KafkaProducer<String, byte[]> open = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            open.initTransactions();
            open.beginTransaction();
            Map<TopicPartition, OffsetAndMetadata> past = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                open.send(new ProducerRecord<>(written, p, "left-open-" + p, "{}".getBytes(StandardCharsets.UTF_8)));
                past.put(new TopicPartition(results, p), new OffsetAndMetadata(10_000));
            }
            open.sendOffsetsToTransaction(past, new ConsumerGroupMetadata(application));
            open.flush();
            broker.kill();
            open.close(Duration.ZERO);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> committed(String bootstrap, String topic) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
                return tps.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
            });
            return out;
        }
    }
}
