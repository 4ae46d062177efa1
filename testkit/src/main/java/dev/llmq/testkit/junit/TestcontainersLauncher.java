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
        KafkaContainer container = new KafkaContainer(IMAGE);
        // the image reads broker properties from KAFKA_-prefixed variables, dots as underscores
        KafkaClusterExtension.BROKER_PROPERTIES.forEach((name, value) -> container.withEnv(
                "KAFKA_" + name.replace('.', '_').toUpperCase(Locale.ROOT), value));
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
