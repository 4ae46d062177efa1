package dev.llmq.worker;

import dev.llmq.schemas.TopicNames;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of one {@link JobWorker}.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param clientProperties extra Kafka client properties passed unchanged to the consumer and the producer (they
 *                         override the worker's defaults, except the deserializers and serializers)
 * @param topics topic names
 * @param groupId consumer group of the worker pool
 * @param workerId this worker's id (client id prefix, {@code worker_id} of status events)
 * @param maxInFlight most jobs processed at once by this worker; fetching pauses at the limit
 * @param maxInFlightPerPartition most jobs of one partition processed at once
 * @param pollTimeout longest wait of one consumer poll (also the longest delay before freed capacity is used)
 * @param shutdownTimeout how long {@link JobWorker#close()} waits for in-flight jobs before abandoning them
 * @param coalescing how stream chunks are merged before publishing
 */
public record WorkerSettings(String bootstrapServers, Map<String, String> clientProperties, TopicNames topics,
                             String groupId, String workerId, int maxInFlight, int maxInFlightPerPartition,
                             Duration pollTimeout, Duration shutdownTimeout, ChunkCoalescing coalescing) {

    public static final String DEFAULT_GROUP_ID = "llmq-workers";
    public static final int DEFAULT_MAX_IN_FLIGHT = 512;
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(50);
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    public WorkerSettings {
        requireText(bootstrapServers, "bootstrapServers");
        clientProperties = clientProperties == null ? Map.of() : Map.copyOf(clientProperties);
        Objects.requireNonNull(topics, "topics");
        requireText(groupId, "groupId");
        requireText(workerId, "workerId");
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
        }
        if (maxInFlightPerPartition < 1) {
            throw new IllegalArgumentException("maxInFlightPerPartition must be >= 1, was " + maxInFlightPerPartition);
        }
        requirePositive(pollTimeout, "pollTimeout");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        if (shutdownTimeout.isNegative()) {
            throw new IllegalArgumentException("shutdownTimeout must not be negative");
        }
        coalescing = coalescing == null ? ChunkCoalescing.NONE : coalescing;
    }

    /** Defaults: group {@value #DEFAULT_GROUP_ID}, {@value #DEFAULT_MAX_IN_FLIGHT} in flight, no coalescing. */
    public static WorkerSettings of(String bootstrapServers, TopicNames topics, String workerId) {
        return new WorkerSettings(bootstrapServers, Map.of(), topics, DEFAULT_GROUP_ID, workerId, DEFAULT_MAX_IN_FLIGHT,
                DEFAULT_MAX_IN_FLIGHT, DEFAULT_POLL_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT, ChunkCoalescing.NONE);
    }

    public WorkerSettings withClientProperties(Map<String, String> properties) {
        return new WorkerSettings(bootstrapServers, properties, topics, groupId, workerId, maxInFlight,
                maxInFlightPerPartition, pollTimeout, shutdownTimeout, coalescing);
    }

    public WorkerSettings withGroupId(String group) {
        return new WorkerSettings(bootstrapServers, clientProperties, topics, group, workerId, maxInFlight,
                maxInFlightPerPartition, pollTimeout, shutdownTimeout, coalescing);
    }

    /** Sets the worker limit; the per-partition limit is lowered to it when higher. */
    public WorkerSettings withMaxInFlight(int max) {
        return new WorkerSettings(bootstrapServers, clientProperties, topics, groupId, workerId, max,
                Math.min(maxInFlightPerPartition, Math.max(max, 1)), pollTimeout, shutdownTimeout, coalescing);
    }

    public WorkerSettings withMaxInFlightPerPartition(int max) {
        return new WorkerSettings(bootstrapServers, clientProperties, topics, groupId, workerId, maxInFlight, max,
                pollTimeout, shutdownTimeout, coalescing);
    }

    public WorkerSettings withPollTimeout(Duration timeout) {
        return new WorkerSettings(bootstrapServers, clientProperties, topics, groupId, workerId, maxInFlight,
                maxInFlightPerPartition, timeout, shutdownTimeout, coalescing);
    }

    public WorkerSettings withShutdownTimeout(Duration timeout) {
        return new WorkerSettings(bootstrapServers, clientProperties, topics, groupId, workerId, maxInFlight,
                maxInFlightPerPartition, pollTimeout, timeout, coalescing);
    }

    public WorkerSettings withCoalescing(ChunkCoalescing chunkCoalescing) {
        return new WorkerSettings(bootstrapServers, clientProperties, topics, groupId, workerId, maxInFlight,
                maxInFlightPerPartition, pollTimeout, shutdownTimeout, chunkCoalescing);
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }

    private static void requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
