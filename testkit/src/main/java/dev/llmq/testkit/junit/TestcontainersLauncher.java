package dev.llmq.testkit.junit;

import dev.llmq.runtime.KafkaCluster;
import java.util.Locale;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/** Kept apart so Testcontainers classes load only when Testcontainers is on the class path. */
final class TestcontainersLauncher {

    static final String IMAGE = "apache/kafka:4.1.0";

    private TestcontainersLauncher() {
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings("resource")
    static KafkaClusterExtension.Started start() {
        // the image reads broker properties from KAFKA_-prefixed variables, dots as underscores
        KafkaContainer container = new KafkaContainer(IMAGE).withEnv(
                "KAFKA_" + KafkaClusterExtension.OLDEST_RECORD_PROPERTY.replace('.', '_').toUpperCase(Locale.ROOT),
                Long.toString(KafkaClusterExtension.OLDEST_RECORD.toMillis()));
        container.start();
        String bootstrap = container.getBootstrapServers();
        KafkaCluster cluster = new KafkaCluster() {
            @Override
            public String bootstrapServers() {
                return bootstrap;
            }

            @Override
            public String description() {
                return "Testcontainers Kafka " + IMAGE;
            }
        };
        return new KafkaClusterExtension.Started(cluster, container::stop);
    }
}
