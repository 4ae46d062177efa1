package dev.llmq.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.runtime.KafkaCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaClusterExtension.class)
class KafkaClusterExtensionIT {

    private static KafkaCluster fromBeforeAll;
    private final KafkaCluster fromConstructor;

    KafkaClusterExtensionIT(KafkaCluster cluster) {
        this.fromConstructor = cluster;
    }

    @BeforeAll
    static void remember(KafkaCluster cluster) {
        fromBeforeAll = cluster;
    }

    @Test
    void injectsOneClusterPerRunEverywhere(KafkaCluster cluster) {
        assertThat(cluster).isSameAs(fromBeforeAll).isSameAs(fromConstructor);
        assertThat(cluster.bootstrapServers()).isNotBlank();
        assertThat(cluster.description()).isNotBlank();
    }

    @Test
    void clusterAcceptsAdminRequests(KafkaCluster cluster) throws Exception {
        String topic = "ext-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            assertThat(admin.listTopics().names().get()).contains(topic);
        }
    }

    @Test
    void sameClusterAsOtherTestClassesInThisRun(KafkaCluster cluster) {
        SharedCluster.FIRST_SEEN.compareAndSet(null, cluster);
        assertThat(cluster).isSameAs(SharedCluster.FIRST_SEEN.get());
    }

    @Test
    void aRecordOlderThanTheShortestRetentionIsRefusedAtOnce(KafkaCluster cluster) throws Exception {
        String topic = "ext-old-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            long now = System.currentTimeMillis();
            long tooOld = now - KafkaClusterExtension.OLDEST_RECORD.plus(Duration.ofHours(1)).toMillis();

            assertThat(producer.send(new ProducerRecord<>(topic, null, now, "k", "now")).get().offset()).isZero();
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, null, tooOld, "k", "old")).get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidTimestampException.class);
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, null, 1_000L, "k", "1970")).get())
                    .hasCauseInstanceOf(InvalidTimestampException.class);
        }
    }
}
