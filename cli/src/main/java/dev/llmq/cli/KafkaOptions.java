package dev.llmq.cli;

import dev.llmq.router.LlmqConfig;
import picocli.CommandLine.Option;

/** {@code --bootstrap-servers}, else {@code KAFKA_BOOTSTRAP_SERVERS}, else the config's {@code llmq.kafka}. */
final class KafkaOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: KAFKA_BOOTSTRAP_SERVERS, else llmq.kafka.bootstrap.servers in the config)")
    String bootstrapServers;

    String resolve(LlmqConfig config) {
        if (bootstrapServers != null && !bootstrapServers.isBlank()) {
            return bootstrapServers;
        }
        String env = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        if (env != null && !env.isBlank()) {
            return env;
        }
        String fromConfig = config.llmq().kafka().get("bootstrap.servers");
        if (fromConfig != null && !fromConfig.isBlank()) {
            return fromConfig;
        }
        throw new IllegalArgumentException("no Kafka cluster given: use --bootstrap-servers HOST:PORT, "
                + "KAFKA_BOOTSTRAP_SERVERS, or llmq.kafka.bootstrap.servers in the config");
    }
}
