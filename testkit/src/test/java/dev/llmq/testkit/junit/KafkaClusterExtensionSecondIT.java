package dev.llmq.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.runtime.KafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaClusterExtension.class)
class KafkaClusterExtensionSecondIT {

    @Test
    void sameClusterAsOtherTestClassesInThisRun(KafkaCluster cluster) {
        SharedCluster.FIRST_SEEN.compareAndSet(null, cluster);
        assertThat(cluster).isSameAs(SharedCluster.FIRST_SEEN.get());
    }
}
