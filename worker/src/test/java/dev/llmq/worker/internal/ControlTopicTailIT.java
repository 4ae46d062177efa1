package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A control record the handler fails on is skipped: the reader goes on with the next, before and after catching up. */
@ExtendWith(KafkaClusterExtension.class)
class ControlTopicTailIT {

    @Test
    void aRecordTheHandlerFailsOnDoesNotStopTheReader(KafkaCluster kafka) throws Exception {
        String bootstrap = kafka.bootstrapServers();
        String topic = "tail-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        List<String> handled = new CopyOnWriteArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArraySerializer(), new ByteArraySerializer());
             ControlTopicTail tail = new ControlTopicTail(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                     topic, "tail-test", "test", record -> {
                         String value = new String(record.value(), StandardCharsets.UTF_8);
                         if (value.startsWith("boom")) {
                             throw new IllegalStateException("handler bug on " + value);
                         }
                         handled.add(value);
                         return true;
                     })) {
            for (String value : List.of("a", "boom-1", "b")) {
                producer.send(new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8))).get();
            }
            tail.start();
            assertThat(tail.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            for (String value : List.of("boom-2", "c")) {
                producer.send(new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8))).get();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> handled.contains("c"));
            assertThat(handled).containsExactly("a", "b", "c");
            assertThat(tail.reading()).isTrue();
        }
    }
}
