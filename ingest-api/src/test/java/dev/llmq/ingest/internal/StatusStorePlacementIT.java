package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.ingest.IngestSettings;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the status store says many keys live at once ({@link StatusStore#placement}: an owner per partition, the key's
 * partition computed here) is where Kafka Streams says each one lives, key by key.
 */
@ExtendWith(KafkaClusterExtension.class)
class StatusStorePlacementIT {

    @Test
    void thePlacementOfManyKeysIsKafkaStreamsOwnKeyByKey(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        TopicNames topics = new TopicNames("it-place-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topics, 5,
                (short) 1).ensureTopics(Duration.ofSeconds(30));
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "place-1").topics(topics)
                .stateDir(dir).build();
        JobIds ids = new JobIds(java.time.Clock.systemUTC(), new java.util.Random(11));
        try (StatusStore store = new StatusStore(settings, Json.mapper(),
                new KafkaClientMeters(new SimpleMeterRegistry()))) {
            store.start(new HostInfo("127.0.0.1", 4999));
            await().atMost(Duration.ofSeconds(60)).until(store::ready);
            StatusStore.Placement placement = store.placement(JobStatusTopology.JOB_STORE);
            assertThat(placement.owners()).hasSize(5).allMatch(o -> o instanceof StatusStore.Owner.Local);
            for (int i = 0; i < 2_000; i++) {
                String id = ids.nextJobId();
                assertThat(placement.owner(id)).as(id).isEqualTo(store.owner(JobStatusTopology.JOB_STORE, id));
            }
        }
    }
}
