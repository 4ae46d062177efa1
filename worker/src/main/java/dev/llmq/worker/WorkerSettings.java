package dev.llmq.worker;

import dev.llmq.config.KafkaSecrets;
import dev.llmq.config.LlmqKeys;
import dev.llmq.schemas.TopicNames;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of one {@link JobWorker}; build it with {@link #builder}, which starts from the {@code DEFAULT_*}
 * values. The record's constructor checks every value.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param clientProperties extra Kafka client properties passed unchanged to the consumer and the producer (they
 *                         override the worker's defaults, except the deserializers and serializers)
 * @param topics topic names
 * @param groupId consumer group of the worker pool
 * @param workerId this worker's id (client id prefix, {@code worker_id} of status events)
 * @param maxInFlight most jobs processed at once by this worker; fetching pauses at the limit
 * @param maxInFlightPerPartition most jobs of one partition processed at once; at most {@code maxInFlight}
 * @param pollTimeout longest wait of one consumer poll (also the longest delay before freed capacity is used)
 * @param shutdownTimeout how long {@link JobWorker#close()} waits for in-flight jobs before abandoning them
 *                        ({@code llmq.worker.shutdown_timeout})
 * @param handoffTimeout how long the worker waits for the running jobs of partitions a rebalance takes from it, so
 *                       the next owner does not run them again ({@code llmq.worker.handoff_timeout}; zero: at once)
 * @param coalescing how stream chunks are merged before publishing
 * @param sessionTimeout how long the group waits for a silent member before moving its partitions (the consumer's
 *                       {@code session.timeout.ms}; {@code llmq.worker.session_timeout})
 * @param heartbeatInterval how often the consumer heartbeats ({@code heartbeat.interval.ms};
 *                          {@code llmq.worker.heartbeat_interval}); below {@code sessionTimeout}
 * @param maxWaiting most jobs waiting for capacity or a Retry-After without holding an in-flight slot
 *                   ({@code llmq.worker.max_waiting}); 0: waiting jobs hold their slot
 * @param batchMinShare the share of contested dispatches that goes to batch jobs while interactive ones wait too
 *                      ({@code llmq.worker.batch_min_share})
 * @param maxDeliveries starts of a job without an end after which it is dead-lettered as a poison job
 *                      ({@code llmq.worker.max_deliveries}); 0: starts are not counted
 * @param awaitFirstStart whether a job's first delivery waits for its start to be recorded before it runs
 *                        ({@code llmq.worker.await_first_start}); false: a job appended after the worker took its
 *                        partition runs at once and its start is recorded within about 20 ms; a worker that dies
 *                        before that leaves the run uncounted (a job can then run {@code maxDeliveries} + 1 times)
 * @param runningEventDelay how long a run goes before its {@code running} status event is published: a run that ends
 *                          sooner has none ({@code llmq.worker.running_event_delay_ms}; zero: every run and attempt
 *                          is told when it starts)
 */
public record WorkerSettings(String bootstrapServers, Map<String, String> clientProperties, TopicNames topics,
                             String groupId, String workerId, int maxInFlight, int maxInFlightPerPartition,
                             Duration pollTimeout, Duration shutdownTimeout, Duration handoffTimeout,
                             ChunkCoalescing coalescing,
                             Duration sessionTimeout, Duration heartbeatInterval, int maxWaiting,
                             double batchMinShare, int maxDeliveries, boolean awaitFirstStart,
                             Duration runningEventDelay) {

    public static final Map<String, String> DEFAULT_CLIENT_PROPERTIES = Map.of();
    public static final String DEFAULT_GROUP_ID = "llmq-workers";
    /** The default of {@code llmq.worker.max_in_flight} ({@link LlmqKeys#WORKER_MAX_IN_FLIGHT}). */
    public static final int DEFAULT_MAX_IN_FLIGHT = LlmqKeys.WORKER_MAX_IN_FLIGHT.defaultValue();
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(50);
    /** The default of {@code llmq.worker.shutdown_timeout} ({@link LlmqKeys#WORKER_SHUTDOWN_TIMEOUT}). */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = LlmqKeys.WORKER_SHUTDOWN_TIMEOUT.defaultValue();
    /** The default of {@code llmq.worker.handoff_timeout} ({@link LlmqKeys#WORKER_HANDOFF_TIMEOUT}). */
    public static final Duration DEFAULT_HANDOFF_TIMEOUT = LlmqKeys.WORKER_HANDOFF_TIMEOUT.defaultValue();
    /** The default of {@code llmq.worker.session_timeout} ({@link LlmqKeys#WORKER_SESSION_TIMEOUT}). */
    public static final Duration DEFAULT_SESSION_TIMEOUT = LlmqKeys.WORKER_SESSION_TIMEOUT.defaultValue();
    /** The default of {@code llmq.worker.heartbeat_interval} ({@link LlmqKeys#WORKER_HEARTBEAT_INTERVAL}). */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = LlmqKeys.WORKER_HEARTBEAT_INTERVAL.defaultValue();
    /** {@code llmq.worker.chunks.max_delay_ms} and {@code max_chars}: the first token at once, then merged. */
    public static final ChunkCoalescing DEFAULT_COALESCING = ChunkCoalescing.of(
            LlmqKeys.WORKER_CHUNKS_MAX_DELAY_MS.defaultValue(), LlmqKeys.WORKER_CHUNKS_MAX_CHARS.defaultValue());

    /** The main settings, with the secrets among the client properties hidden ({@link KafkaSecrets}). */
    @Override
    public String toString() {
        return "WorkerSettings[bootstrapServers=" + bootstrapServers + ", clientProperties="
                + KafkaSecrets.redacted(clientProperties) + ", topics=" + topics + ", groupId=" + groupId
                + ", workerId=" + workerId + ", maxInFlight=" + maxInFlight + "]";
    }
    /** The default of {@code llmq.worker.max_waiting}. */
    public static final int DEFAULT_MAX_WAITING = LlmqKeys.WORKER_MAX_WAITING.defaultValue();
    /** The default of {@code llmq.worker.batch_min_share}. */
    public static final double DEFAULT_BATCH_MIN_SHARE = LlmqKeys.WORKER_BATCH_MIN_SHARE.defaultValue();
    /** The default of {@code llmq.worker.max_deliveries}. */
    public static final int DEFAULT_MAX_DELIVERIES = LlmqKeys.WORKER_MAX_DELIVERIES.defaultValue();
    /** The default of {@code llmq.worker.await_first_start}. */
    public static final boolean DEFAULT_AWAIT_FIRST_START = LlmqKeys.WORKER_AWAIT_FIRST_START.defaultValue();
    /** The default of {@code llmq.worker.running_event_delay_ms}. */
    public static final Duration DEFAULT_RUNNING_EVENT_DELAY =
            Duration.ofMillis(LlmqKeys.WORKER_RUNNING_EVENT_DELAY_MS.defaultValue());

    public WorkerSettings {
        requireText(bootstrapServers, "bootstrapServers");
        clientProperties = Map.copyOf(Objects.requireNonNull(clientProperties, "clientProperties"));
        Objects.requireNonNull(topics, "topics");
        requireText(groupId, "groupId");
        requireText(workerId, "workerId");
        LlmqKeys.WORKER_MAX_IN_FLIGHT.validate(maxInFlight, "maxInFlight");
        if (maxInFlightPerPartition < 1 || maxInFlightPerPartition > maxInFlight) {
            throw new IllegalArgumentException("maxInFlightPerPartition must be between 1 and maxInFlight ("
                    + maxInFlight + "), was " + maxInFlightPerPartition);
        }
        requirePositive(pollTimeout, "pollTimeout");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        if (shutdownTimeout.isNegative()) {
            throw new IllegalArgumentException("shutdownTimeout must not be negative");
        }
        LlmqKeys.WORKER_HANDOFF_TIMEOUT.validate(Objects.requireNonNull(handoffTimeout, "handoffTimeout"),
                "handoffTimeout");
        Objects.requireNonNull(coalescing, "coalescing");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        LlmqKeys.WORKER_SESSION_TIMEOUT.validate(sessionTimeout, "sessionTimeout");
        LlmqKeys.WORKER_HEARTBEAT_INTERVAL.validate(heartbeatInterval, "heartbeatInterval");
        if (heartbeatInterval.compareTo(sessionTimeout) >= 0) {
            throw new IllegalArgumentException("heartbeatInterval must be below sessionTimeout");
        }
        LlmqKeys.WORKER_MAX_WAITING.validate(maxWaiting, "maxWaiting");
        LlmqKeys.WORKER_BATCH_MIN_SHARE.validate(batchMinShare, "batchMinShare");
        LlmqKeys.WORKER_MAX_DELIVERIES.validate(maxDeliveries, "maxDeliveries");
        LlmqKeys.WORKER_RUNNING_EVENT_DELAY_MS.validate(
                Math.toIntExact(Objects.requireNonNull(runningEventDelay, "runningEventDelay").toMillis()),
                "runningEventDelay");
    }

    /** Settings with every default: {@code builder(bootstrapServers, topics, workerId).build()}. */
    public static WorkerSettings of(String bootstrapServers, TopicNames topics, String workerId) {
        return builder(bootstrapServers, topics, workerId).build();
    }

    /** A builder starting from the {@code DEFAULT_*} values. */
    public static Builder builder(String bootstrapServers, TopicNames topics, String workerId) {
        return new Builder(bootstrapServers, topics, workerId);
    }

    /** Collects settings; {@link #build()} checks them (through the record's constructor). */
    public static final class Builder {

        private final String bootstrapServers;
        private final TopicNames topics;
        private final String workerId;
        private Map<String, String> clientProperties = DEFAULT_CLIENT_PROPERTIES;
        private String groupId = DEFAULT_GROUP_ID;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Integer maxInFlightPerPartition;
        private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private Duration handoffTimeout = DEFAULT_HANDOFF_TIMEOUT;
        private ChunkCoalescing coalescing = DEFAULT_COALESCING;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private int maxWaiting = DEFAULT_MAX_WAITING;
        private double batchMinShare = DEFAULT_BATCH_MIN_SHARE;
        private int maxDeliveries = DEFAULT_MAX_DELIVERIES;
        private boolean awaitFirstStart = DEFAULT_AWAIT_FIRST_START;
        private Duration runningEventDelay = DEFAULT_RUNNING_EVENT_DELAY;

        private Builder(String bootstrapServers, TopicNames topics, String workerId) {
            this.bootstrapServers = bootstrapServers;
            this.topics = topics;
            this.workerId = workerId;
        }

        public Builder clientProperties(Map<String, String> value) {
            this.clientProperties = value;
            return this;
        }

        public Builder groupId(String value) {
            this.groupId = value;
            return this;
        }

        public Builder maxInFlight(int value) {
            this.maxInFlight = value;
            return this;
        }

        /** Defaults to {@code maxInFlight}. */
        public Builder maxInFlightPerPartition(int value) {
            this.maxInFlightPerPartition = value;
            return this;
        }

        public Builder pollTimeout(Duration value) {
            this.pollTimeout = value;
            return this;
        }

        public Builder shutdownTimeout(Duration value) {
            this.shutdownTimeout = value;
            return this;
        }

        /** {@code llmq.worker.handoff_timeout}: zero hands partitions over without waiting for their jobs. */
        public Builder handoffTimeout(Duration value) {
            this.handoffTimeout = value;
            return this;
        }

        public Builder coalescing(ChunkCoalescing value) {
            this.coalescing = value;
            return this;
        }

        public Builder sessionTimeout(Duration value) {
            this.sessionTimeout = value;
            return this;
        }

        public Builder heartbeatInterval(Duration value) {
            this.heartbeatInterval = value;
            return this;
        }

        public Builder maxWaiting(int value) {
            this.maxWaiting = value;
            return this;
        }

        public Builder batchMinShare(double value) {
            this.batchMinShare = value;
            return this;
        }

        public Builder maxDeliveries(int value) {
            this.maxDeliveries = value;
            return this;
        }

        /** {@code llmq.worker.await_first_start}: false lets a fresh job run while its start is recorded. */
        public Builder awaitFirstStart(boolean value) {
            this.awaitFirstStart = value;
            return this;
        }

        /** {@code llmq.worker.running_event_delay_ms}: zero tells every run and attempt when it starts. */
        public Builder runningEventDelay(Duration value) {
            this.runningEventDelay = value;
            return this;
        }

        public WorkerSettings build() {
            return new WorkerSettings(bootstrapServers, clientProperties, topics, groupId, workerId, maxInFlight,
                    maxInFlightPerPartition == null ? maxInFlight : maxInFlightPerPartition, pollTimeout,
                    shutdownTimeout, handoffTimeout, coalescing, sessionTimeout, heartbeatInterval, maxWaiting,
                    batchMinShare, maxDeliveries, awaitFirstStart, runningEventDelay);
        }
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
