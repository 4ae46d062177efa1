package dev.llmq.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.runtime.KafkaCluster;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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
}
