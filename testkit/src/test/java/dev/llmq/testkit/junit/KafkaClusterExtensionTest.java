package dev.llmq.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.testkit.internal.ExternalKafkaCluster;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class KafkaClusterExtensionTest {

    @Test
    void environmentVariableWinsAndNothingIsStartedOrAskedOfDocker() {
        AtomicBoolean dockerAsked = new AtomicBoolean();
        KafkaClusterExtension ext = new KafkaClusterExtension(
                Map.of("KAFKA_BOOTSTRAP_SERVERS", " kafka-1:9092,kafka-2:9092 "),
                () -> { dockerAsked.set(true); return true; });

        KafkaClusterExtension.Started started = ext.choose();

        assertThat(started.cluster()).isEqualTo(new ExternalKafkaCluster("kafka-1:9092,kafka-2:9092"));
        assertThat(started.cluster().description()).contains("kafka-1:9092");
        assertThat(dockerAsked).isFalse();
        started.stop().run(); // stopping an external cluster does nothing
    }

    @Test
    void closingTheStoredResourceStopsOnce() {
        int[] stops = {0};
        var resource = new KafkaClusterExtension.ClusterResource(
                new KafkaClusterExtension.Started(new ExternalKafkaCluster("h:1"), () -> stops[0]++));
        resource.close();
        resource.close();
        assertThat(stops[0]).isEqualTo(1);
    }
}
