package dev.llmq.worker.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaClusterExtension.class)
class KafkaHealthBusIT {

    private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");

    @Test
    void healthReachesOtherWorkersWithinASecondAndLateStartersLearnTheCurrentState(KafkaCluster kafka)
            throws Exception {
        TopicNames topics = new TopicNames("health-" + System.nanoTime());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topics.control(), 2, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
            Map<TopicPartition, OffsetSpec> partitions = Map.of(new TopicPartition(topics.control(), 0),
                    OffsetSpec.latest(), new TopicPartition(topics.control(), 1), OffsetSpec.latest());
            // a new partition can refuse (and mis-sequence) the first produce requests until its leader serves it
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> admin.listOffsets(partitions).all().get() != null);
        }
        List<DeploymentHealthEvent> seenByB = new CopyOnWriteArrayList<>();
        try (KafkaHealthBus a = new KafkaHealthBus(kafka.bootstrapServers(), Map.of(), topics, "wa", e -> { }).start();
             KafkaHealthBus b = new KafkaHealthBus(kafka.bootstrapServers(), Map.of(), topics, "wb", seenByB::add)
                     .start();
             KafkaProducer<byte[], byte[]> other = new KafkaProducer<>(
                     Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> a.ready() && b.ready());

            a.publish(DeploymentHealthEvent.cooledDown("d1", T0.plusSeconds(10), "429 from provider", "rate_limited",
                    429, "wa", T0));
            await().atMost(Duration.ofSeconds(1)).until(() -> !seenByB.isEmpty());
            assertThat(seenByB.getFirst().state()).isEqualTo(HealthState.COOLED_DOWN);
            assertThat(seenByB.getFirst().workerId()).isEqualTo("wa");

            other.send(new ProducerRecord<>(topics.control(), bytes("job-9"), bytes("{\"type\":\"cancel\"}"))).get();
            other.send(new ProducerRecord<>(topics.control(), bytes("d3"), bytes("{not json"))).get();
            a.publish(DeploymentHealthEvent.circuitOpen("d2", T0.plusSeconds(30), "5 of 6 failed", "wa", T0));
            b.publish(DeploymentHealthEvent.healthy("d1", "wb", T0.plusSeconds(11)));
            await().atMost(Duration.ofSeconds(2)).until(() -> seenByB.size() == 3 && a.snapshot().size() == 2
                    && a.snapshot().get("d1").state() == HealthState.HEALTHY);

            try (KafkaHealthBus late = new KafkaHealthBus(kafka.bootstrapServers(), Map.of(), topics, "wc", e -> { })
                    .start()) {
                await().atMost(Duration.ofSeconds(20)).until(late::ready);
                Map<String, DeploymentHealthEvent> state = late.snapshot();
                assertThat(state).containsOnlyKeys("d1", "d2");
                assertThat(state.get("d1").state()).isEqualTo(HealthState.HEALTHY);
                assertThat(state.get("d2").state()).isEqualTo(HealthState.CIRCUIT_OPEN);
                assertThat(state.get("d2").until()).isEqualTo(T0.plusSeconds(30));
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
