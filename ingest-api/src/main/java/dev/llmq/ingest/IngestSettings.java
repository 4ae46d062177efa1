package dev.llmq.ingest;

import dev.llmq.schemas.TopicNames;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of one ingest API instance.
 *
 * @param host the address to bind, e.g. {@code 127.0.0.1}
 * @param port the HTTP port; 0 picks a free one (see {@link IngestServer#port()})
 * @param bootstrapServers Kafka's {@code bootstrap.servers}
 * @param kafkaProperties extra Kafka client properties, applied last to every producer and consumer (security etc.)
 * @param topics the topic names
 * @param maxBodyBytes the largest accepted request body; larger ones get 400 {@code request_too_large}
 * @param transactionalIdPrefix with {@code instanceId} and a slot number, the producers' {@code transactional.id}s
 * @param instanceId stable per instance (a restarted instance fences its own zombies); unique across instances
 * @param kafkaTimeout the longest a submission waits for the broker ({@code max.block.ms}, {@code delivery.timeout.ms})
 *        before answering 503
 * @param transactionalProducers how many multi-job submissions can be written at once
 * @param streamTimeout the longest {@code GET /v1/jobs/{id}/stream} stays open
 */
public record IngestSettings(String host, int port, String bootstrapServers, Map<String, String> kafkaProperties,
                             TopicNames topics, long maxBodyBytes, String transactionalIdPrefix, String instanceId,
                             Duration kafkaTimeout, int transactionalProducers, Duration streamTimeout) {

    public static final long DEFAULT_MAX_BODY_BYTES = 10L * 1024 * 1024;
    public static final Duration DEFAULT_KAFKA_TIMEOUT = Duration.ofSeconds(5);

    public IngestSettings {
        requireText(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        requireText(bootstrapServers, "bootstrapServers");
        kafkaProperties = kafkaProperties == null ? Map.of() : Map.copyOf(kafkaProperties);
        Objects.requireNonNull(topics, "topics");
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 1024, got " + maxBodyBytes);
        }
        requireText(transactionalIdPrefix, "transactionalIdPrefix");
        requireText(instanceId, "instanceId");
        Objects.requireNonNull(kafkaTimeout, "kafkaTimeout");
        if (kafkaTimeout.toMillis() < 1000) {
            throw new IllegalArgumentException("kafkaTimeout must be at least 1s, got " + kafkaTimeout);
        }
        if (transactionalProducers < 1 || transactionalProducers > 64) {
            throw new IllegalArgumentException("transactionalProducers must be 1..64, got " + transactionalProducers);
        }
        Objects.requireNonNull(streamTimeout, "streamTimeout");
        if (streamTimeout.isNegative() || streamTimeout.isZero()) {
            throw new IllegalArgumentException("streamTimeout must be positive");
        }
    }

    /** Defaults: 127.0.0.1:4000, default topics, 10 MiB bodies, 5 s Kafka timeout, 4 transactional producers. */
    public static IngestSettings defaults(String bootstrapServers, String instanceId) {
        return new IngestSettings("127.0.0.1", 4000, bootstrapServers, Map.of(), TopicNames.defaults(),
                DEFAULT_MAX_BODY_BYTES, "llmq-ingest", instanceId, DEFAULT_KAFKA_TIMEOUT, 4, Duration.ofMinutes(10));
    }

    public IngestSettings withHost(String value) {
        return new IngestSettings(value, port, bootstrapServers, kafkaProperties, topics, maxBodyBytes,
                transactionalIdPrefix, instanceId, kafkaTimeout, transactionalProducers, streamTimeout);
    }

    public IngestSettings withPort(int value) {
        return new IngestSettings(host, value, bootstrapServers, kafkaProperties, topics, maxBodyBytes,
                transactionalIdPrefix, instanceId, kafkaTimeout, transactionalProducers, streamTimeout);
    }

    public IngestSettings withKafkaProperties(Map<String, String> value) {
        return new IngestSettings(host, port, bootstrapServers, value, topics, maxBodyBytes,
                transactionalIdPrefix, instanceId, kafkaTimeout, transactionalProducers, streamTimeout);
    }

    public IngestSettings withTopics(TopicNames value) {
        return new IngestSettings(host, port, bootstrapServers, kafkaProperties, value, maxBodyBytes,
                transactionalIdPrefix, instanceId, kafkaTimeout, transactionalProducers, streamTimeout);
    }

    public IngestSettings withMaxBodyBytes(long value) {
        return new IngestSettings(host, port, bootstrapServers, kafkaProperties, topics, value,
                transactionalIdPrefix, instanceId, kafkaTimeout, transactionalProducers, streamTimeout);
    }

    public IngestSettings withKafkaTimeout(Duration value) {
        return new IngestSettings(host, port, bootstrapServers, kafkaProperties, topics, maxBodyBytes,
                transactionalIdPrefix, instanceId, value, transactionalProducers, streamTimeout);
    }

    public IngestSettings withTransactionalProducers(int value) {
        return new IngestSettings(host, port, bootstrapServers, kafkaProperties, topics, maxBodyBytes,
                transactionalIdPrefix, instanceId, kafkaTimeout, value, streamTimeout);
    }

    public IngestSettings withStreamTimeout(Duration value) {
        return new IngestSettings(host, port, bootstrapServers, kafkaProperties, topics, maxBodyBytes,
                transactionalIdPrefix, instanceId, kafkaTimeout, transactionalProducers, value);
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }
}
