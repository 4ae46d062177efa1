package dev.llmq.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaIT {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start(@TempDir Path dir) {
        kafka = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).build().start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void bootstrapServersIsLoopbackWithTheBoundPort() {
        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + kafka.port());
        assertThat(kafka.port()).isPositive().isNotEqualTo(kafka.controllerPort());
        assertThat(kafka.dataDir().resolve("meta.properties")).exists();
    }

    @Test
    void theRunningBrokerHasItsRequestPoolsSizedToTheCores() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            Config config = admin.describeConfigs(List.of(broker)).all().get().get(broker);
            EmbeddedKafka.threadPools(Runtime.getRuntime().availableProcessors())
                    .forEach((key, value) -> assertThat(config.get(key).value()).as(key).isEqualTo(value));
        }
    }

    @Test
    void theRunningBrokerHasItsShortSession() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            Config config = admin.describeConfigs(List.of(broker)).all().get().get(broker);
            assertThat(config.get("broker.session.timeout.ms").value()).isEqualTo("3000");
            assertThat(config.get("broker.heartbeat.interval.ms").value()).isEqualTo("500");
        }
    }

    @Test
    void producesAndConsumes() throws Exception {
        String topic = createTopic(kafka, "plain");
        try (KafkaProducer<String, String> producer = producer(kafka, Map.of())) {
            producer.send(new ProducerRecord<>(topic, "k1", "v1")).get();
            producer.send(new ProducerRecord<>(topic, "k2", "v2")).get();
        }
        assertThat(consumeAll(kafka, topic, "read_uncommitted", 2)).containsExactly("v1", "v2");
    }

    @Test
    void transactionsCommitAndAbort() throws Exception {
        String topic = createTopic(kafka, "tx");
        try (KafkaProducer<String, String> producer =
                     producer(kafka, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID()))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "a", "aborted"));
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "c", "committed-1"));
            producer.send(new ProducerRecord<>(topic, "c", "committed-2"));
            producer.commitTransaction();
        }
        assertThat(consumeAll(kafka, topic, "read_committed", 2)).containsExactly("committed-1", "committed-2");
    }

    @Test
    void autoTopicCreationIsOff() throws Exception {
        try (Admin admin = admin(kafka)) {
            assertThat(admin.listTopics().names().get()).doesNotContain("never-created");
        }
        try (KafkaProducer<String, String> producer =
                     producer(kafka, Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1500"))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("never-created", "x")).get())
                    .rootCause()
                    .satisfiesAnyOf(
                            e -> assertThat(e).isInstanceOf(UnknownTopicOrPartitionException.class),
                            e -> assertThat(e).hasMessageContaining("not present in metadata"));
        }
    }

    @Test
    void restartOnTheSameDataDirKeepsTopicsRecordsAndClusterId(@TempDir Path dir) throws Exception {
        String clusterId;
        String topic;
        try (EmbeddedKafka first = EmbeddedKafka.builder().dataDir(dir).build().start()) {
            clusterId = first.clusterId();
            topic = createTopic(first, "durable");
            try (KafkaProducer<String, String> producer = producer(first, Map.of())) {
                producer.send(new ProducerRecord<>(topic, "k", "survives restart")).get();
            }
        }
        try (EmbeddedKafka second = EmbeddedKafka.builder().dataDir(dir).build().start()) {
            assertThat(second.clusterId()).isEqualTo(clusterId);
            try (Admin admin = admin(second)) {
                assertThat(admin.listTopics().names().get()).contains(topic);
            }
            assertThat(consumeAll(second, topic, "read_uncommitted", 1)).containsExactly("survives restart");
        }
    }

    @Test
    void busyPortGivesAnExceptionNamingThePort() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            EmbeddedKafka broker = EmbeddedKafka.builder().port(port).build();
            assertThatThrownBy(broker::start)
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("already in use")
                    .extracting(e -> ((PortInUseException) e).port()).isEqualTo(port);
            assertThat(broker.isRunning()).isFalse();
            broker.close();
        }
    }

    @Test
    void aSecondBrokerOnTheSameDataDirIsRefusedBeforeItTouchesIt() throws Exception {
        Path dir = kafka.dataDir();
        String topic = createTopic(kafka, "held");
        EmbeddedKafka second = EmbeddedKafka.builder().dataDir(dir).build();
        assertThatThrownBy(second::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Kafka data dir " + dir + " is in use by another broker (process "
                        + ProcessHandle.current().pid() + "@");
        assertThat(second.isRunning()).isFalse();
        second.close();
        assertThat(dir).as("a refused broker leaves the data dir alone").exists();
        try (KafkaProducer<String, String> producer = producer(kafka, Map.of())) {
            producer.send(new ProducerRecord<>(topic, "k", "after")).get();
        }
        assertThat(consumeAll(kafka, topic, "read_uncommitted", 1)).containsExactly("after");
    }

    @Test
    void closeIsIdempotentAndStopsTheBroker(@TempDir Path dir) {
        EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir).brokerProperty("num.partitions", "3").build();
        broker.start();
        assertThat(broker.isRunning()).isTrue();
        broker.close();
        broker.close();
        assertThat(broker.isRunning()).isFalse();
        assertThatThrownBy(broker::bootstrapServers).isInstanceOf(IllegalStateException.class);
    }

    static String createTopic(KafkaCluster cluster, String prefix) throws Exception {
        String topic = prefix + "-" + UUID.randomUUID();
        try (Admin admin = admin(cluster)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        return topic;
    }

    static Admin admin(KafkaCluster cluster) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
    }

    static KafkaProducer<String, String> producer(KafkaCluster cluster, Map<String, Object> extra) {
        Map<String, Object> config = new java.util.HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"));
        config.putAll(extra);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    static List<String> consumeAll(KafkaCluster cluster, String topic, String isolation, int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            // one more short poll: nothing beyond the expected records may arrive
            consumer.poll(Duration.ofMillis(300)).forEach(r -> values.add(r.value()));
        }
        return values;
    }
}
