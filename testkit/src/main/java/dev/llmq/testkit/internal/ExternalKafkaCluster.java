package dev.llmq.testkit.internal;

import dev.llmq.runtime.KafkaCluster;

/** A cluster started by someone else, known only by its bootstrap servers. */
public record ExternalKafkaCluster(String bootstrapServers) implements KafkaCluster {

    public ExternalKafkaCluster {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must not be blank");
        }
    }

    @Override
    public String description() {
        return "existing Kafka cluster at " + bootstrapServers;
    }
}
