package dev.llmq.runtime;

/** A Kafka cluster reachable from this process: an embedded broker, a container, or an existing cluster. */
public interface KafkaCluster {

    /** The {@code bootstrap.servers} value for clients, e.g. {@code 127.0.0.1:9092}. */
    String bootstrapServers();

    /** A short description for logs, e.g. {@code embedded KRaft broker}; never contains credentials. */
    String description();
}
