package dev.llmq.cli;

import picocli.CommandLine.Option;

/** {@code --bootstrap-servers}, else {@code KAFKA_BOOTSTRAP_SERVERS}, else the config's {@code llmq.kafka}. */
final class KafkaOptions {

    /** The flag's value, or null; {@link Assembly#bootstrapServers()} falls back to the environment and config. */
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: KAFKA_BOOTSTRAP_SERVERS, else llmq.kafka.bootstrap.servers in the config)")
    String bootstrapServers;
}
