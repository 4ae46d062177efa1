package dev.llmq.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicProvisionerTest {

    @Test
    void aPlanSaysACountOfExactlyOnePartitionInTheSingular() {
        assertThat(TopicProvisioner.describe(new NewTopic("t", 1, (short) 1).configs(Map.of("cleanup.policy",
                "compact")))).isEqualTo("1 partition, replication factor 1, cleanup.policy=compact");
        assertThat(TopicProvisioner.describe(new NewTopic("t", 11, (short) 1).configs(Map.of()))).as("only a count of exactly one")
                .isEqualTo("11 partitions, replication factor 1");
    }
}
