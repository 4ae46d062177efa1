package dev.llmq.ingest;

import dev.llmq.config.ApiKeys;
import dev.llmq.config.GroupCommit;
import dev.llmq.config.IngestLimits;
import dev.llmq.config.LlmqKeys;
import dev.llmq.schemas.TopicNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of one ingest API instance. Made with {@link #builder(String, String)}, which starts from the
 * {@code DEFAULT_*} values; every rule is checked here, in the constructor, whichever way the record is made.
 *
 * @param host the address to bind, e.g. {@code 127.0.0.1}
 * @param port the HTTP port, {@code 0..65535}; 0 picks a free one (see {@link IngestServer#port()})
 * @param bootstrapServers Kafka's {@code bootstrap.servers}
 * @param kafkaProperties extra Kafka client properties, applied last to every producer and consumer (security etc.),
 *                        except what exactly-once submission rests on ({@code acks}, {@code enable.idempotence},
 *                        {@code transactional.id}, {@code isolation.level}, {@code enable.auto.commit})
 * @param topics the topic names
 * @param maxBodyBytes the largest accepted request body, at least {@link #MIN_MAX_BODY_BYTES}; larger ones get 413
 *        {@code request_too_large}
 * @param maxFileBytes the largest batch-input file {@code POST /v1/files} accepts ({@code llmq.ingest.max_file_bytes}),
 *        at least 1 KiB; larger ones get 413 {@code request_too_large}
 * @param transactionalIdPrefix with {@code instanceId} and a slot number, the producers' {@code transactional.id}s
 * @param instanceId stable per instance (a restarted instance fences its own zombies); unique across instances
 * @param kafkaTimeout the longest a submission waits for the broker ({@code max.block.ms}, {@code delivery.timeout.ms})
 *        before answering 503; at least {@link #MIN_KAFKA_TIMEOUT}
 * @param transactionalProducers how many transactions (each a group of submissions, {@code groupCommit}) can be
 *        written at once, {@code 1..}{@link #MAX_TRANSACTIONAL_PRODUCERS}
 * @param fileTransactions how many file transactions (an upload, a deletion, a batch made from a file) can be written
 *        at once, each by a transactional producer of its own, {@code 1..}{@link #MAX_TRANSACTIONAL_PRODUCERS}
 *        ({@link #DEFAULT_FILE_TRANSACTIONS}: one per core, at least two): a batch of 50,000 lines takes seconds,
 *        and a file request beyond these waits for one to end
 * @param streamTimeout the longest {@code GET /v1/jobs/{id}/stream} stays open; positive
 * @param statusRetention how long the status store keeps a job, its batch entry and its idempotency key
 *        ({@code llmq.ingest.status_retention}); positive
 * @param stateDir the status store's directory, or null for a temporary one per process ({@code llmq.ingest.state_dir})
 * @param advertisedUrl where the other instances reach this one ({@code llmq.ingest.advertised_url}), or null for
 *        {@code http://<host>:<bound port>}
 * @param usageUrl a usage aggregator ({@code http(s)://host:port}) that {@code GET /v1/usage} is forwarded to
 *        ({@code llmq.ingest.usage_url}, or the one running in the same process), or null: the route answers 503
 * @param apiKeys the API keys at start ({@code llmq.auth.keys}); empty: no authentication (bind to loopback)
 * @param internalKey the secret the instances present to each other ({@code llmq.auth.internal_key}), or null for a
 *        random one per process
 * @param limits the limits on one submission ({@code llmq.ingest.limits})
 * @param groupCommit how concurrent submissions share transactions ({@code llmq.ingest.group_commit})
 */
public record IngestSettings(String host, int port, String bootstrapServers, Map<String, String> kafkaProperties,
                             TopicNames topics, long maxBodyBytes, long maxFileBytes,
                             String transactionalIdPrefix, String instanceId,
                             Duration kafkaTimeout, int transactionalProducers, int fileTransactions,
                             Duration streamTimeout,
                             Duration statusRetention, Path stateDir, String advertisedUrl,
                             String usageUrl, ApiKeys apiKeys, String internalKey, IngestLimits limits,
                             GroupCommit groupCommit) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 4000;
    /** 10 MiB: the default of {@code llmq.ingest.max_body_bytes} ({@link LlmqKeys#INGEST_MAX_BODY_BYTES}). */
    public static final long DEFAULT_MAX_BODY_BYTES = LlmqKeys.INGEST_MAX_BODY_BYTES.defaultValue();
    /**
     * The smallest accepted {@code maxBodyBytes}: 1 KiB. A smaller limit would refuse even a one-message job with a
     * short prompt, so it can only be a configuration mistake. The rule is the key's ({@link
     * LlmqKeys#INGEST_MAX_BODY_BYTES}), so the config file and this class cannot disagree.
     */
    public static final long MIN_MAX_BODY_BYTES = 1024;
    public static final String DEFAULT_TRANSACTIONAL_ID_PREFIX = "llmq-ingest";
    public static final Duration DEFAULT_KAFKA_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration MIN_KAFKA_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_TRANSACTIONAL_PRODUCERS = 2;
    public static final int MAX_TRANSACTIONAL_PRODUCERS = 64;
    /**
     * One file transaction per core, at least two: a batch made from a file is parsed and checked line by line, so
     * more at once than cores would only stretch each of them towards the file producers' transaction timeout.
     */
    public static final int DEFAULT_FILE_TRANSACTIONS = Math.clamp(Runtime.getRuntime().availableProcessors(), 2,
            MAX_TRANSACTIONAL_PRODUCERS);
    public static final Duration DEFAULT_STREAM_TIMEOUT = Duration.ofMinutes(10);
    /** 7 days: the default of {@code llmq.ingest.status_retention} ({@link LlmqKeys#INGEST_STATUS_RETENTION}). */
    public static final Duration DEFAULT_STATUS_RETENTION = LlmqKeys.INGEST_STATUS_RETENTION.defaultValue();

    public IngestSettings {
        requireText(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        requireText(bootstrapServers, "bootstrapServers");
        kafkaProperties = kafkaProperties == null ? Map.of() : Map.copyOf(kafkaProperties);
        Objects.requireNonNull(topics, "topics");
        LlmqKeys.INGEST_MAX_BODY_BYTES.validate(maxBodyBytes, "maxBodyBytes");
        LlmqKeys.INGEST_MAX_FILE_BYTES.validate(maxFileBytes, "maxFileBytes");
        requireText(transactionalIdPrefix, "transactionalIdPrefix");
        requireText(instanceId, "instanceId");
        Objects.requireNonNull(kafkaTimeout, "kafkaTimeout");
        if (kafkaTimeout.compareTo(MIN_KAFKA_TIMEOUT) < 0) {
            throw new IllegalArgumentException("kafkaTimeout must be at least " + MIN_KAFKA_TIMEOUT + ", got "
                    + kafkaTimeout);
        }
        requireProducers(transactionalProducers, "transactionalProducers");
        requireProducers(fileTransactions, "fileTransactions");
        Objects.requireNonNull(streamTimeout, "streamTimeout");
        if (streamTimeout.isNegative() || streamTimeout.isZero()) {
            throw new IllegalArgumentException("streamTimeout must be positive, got " + streamTimeout);
        }
        LlmqKeys.INGEST_STATUS_RETENTION.validate(Objects.requireNonNull(statusRetention, "statusRetention"),
                "statusRetention");
        LlmqKeys.INGEST_ADVERTISED_URL.validate(advertisedUrl, "advertisedUrl");
        LlmqKeys.INGEST_USAGE_URL.validate(usageUrl, "usageUrl");
        apiKeys = apiKeys == null ? ApiKeys.NONE : apiKeys;
        LlmqKeys.AUTH_INTERNAL_KEY.validate(internalKey, "internalKey");
        limits = limits == null ? IngestLimits.DEFAULTS : limits;
        groupCommit = groupCommit == null ? GroupCommit.DEFAULTS : groupCommit;
    }

    @Override
    public String toString() {
        return "IngestSettings[host=" + host + ", port=" + port + ", bootstrapServers=" + bootstrapServers
                + ", instanceId=" + instanceId + ", apiKeys=" + apiKeys + ", limits=" + limits + "]";
    }

    /** A builder holding the two settings without a default and the {@code DEFAULT_*} values for the others. */
    public static Builder builder(String bootstrapServers, String instanceId) {
        return new Builder(bootstrapServers, instanceId);
    }

    private static void requireProducers(int value, String name) {
        if (value < 1 || value > MAX_TRANSACTIONAL_PRODUCERS) {
            throw new IllegalArgumentException(name + " must be 1.." + MAX_TRANSACTIONAL_PRODUCERS + ", got " + value);
        }
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }

    /**
     * Collects settings; {@link #build()} checks them (in the record's constructor), so a setter never throws for a
     * value out of range. Defaults: {@link #DEFAULT_HOST}:{@link #DEFAULT_PORT}, no extra Kafka properties,
     * {@link TopicNames#defaults()}, the other {@code DEFAULT_*} constants.
     */
    public static final class Builder {
        private final String bootstrapServers;
        private final String instanceId;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private Map<String, String> kafkaProperties = Map.of();
        private TopicNames topics = TopicNames.defaults();
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private long maxFileBytes = LlmqKeys.INGEST_MAX_FILE_BYTES.defaultValue();
        private String transactionalIdPrefix = DEFAULT_TRANSACTIONAL_ID_PREFIX;
        private Duration kafkaTimeout = DEFAULT_KAFKA_TIMEOUT;
        private int transactionalProducers = DEFAULT_TRANSACTIONAL_PRODUCERS;
        private int fileTransactions = DEFAULT_FILE_TRANSACTIONS;
        private Duration streamTimeout = DEFAULT_STREAM_TIMEOUT;
        private Duration statusRetention = DEFAULT_STATUS_RETENTION;
        private Path stateDir;
        private String advertisedUrl;
        private String usageUrl;
        private ApiKeys apiKeys = ApiKeys.NONE;
        private String internalKey;
        private IngestLimits limits = IngestLimits.DEFAULTS;
        private GroupCommit groupCommit = GroupCommit.DEFAULTS;

        private Builder(String bootstrapServers, String instanceId) {
            this.bootstrapServers = bootstrapServers;
            this.instanceId = instanceId;
        }

        public Builder host(String value) {
            this.host = value;
            return this;
        }

        public Builder port(int value) {
            this.port = value;
            return this;
        }

        /** Replaces the extra Kafka client properties (null means none). */
        public Builder kafkaProperties(Map<String, String> value) {
            this.kafkaProperties = value;
            return this;
        }

        public Builder topics(TopicNames value) {
            this.topics = value;
            return this;
        }

        public Builder maxBodyBytes(long value) {
            this.maxBodyBytes = value;
            return this;
        }

        /** The largest batch-input file {@code POST /v1/files} accepts; 200 MiB (OpenAI's limit) by default. */
        public Builder maxFileBytes(long value) {
            this.maxFileBytes = value;
            return this;
        }

        public Builder transactionalIdPrefix(String value) {
            this.transactionalIdPrefix = value;
            return this;
        }

        public Builder kafkaTimeout(Duration value) {
            this.kafkaTimeout = value;
            return this;
        }

        public Builder transactionalProducers(int value) {
            this.transactionalProducers = value;
            return this;
        }

        public Builder fileTransactions(int value) {
            this.fileTransactions = value;
            return this;
        }

        public Builder streamTimeout(Duration value) {
            this.streamTimeout = value;
            return this;
        }

        public Builder statusRetention(Duration value) {
            this.statusRetention = value;
            return this;
        }

        /** The status store's directory; null (the default) for a temporary one per process. */
        public Builder stateDir(Path value) {
            this.stateDir = value;
            return this;
        }

        /** Where the other instances reach this one; null (the default) for {@code http://<host>:<bound port>}. */
        public Builder advertisedUrl(String value) {
            this.advertisedUrl = value;
            return this;
        }

        /** The usage aggregator {@code GET /v1/usage} is forwarded to; null (the default) for none (503). */
        public Builder usageUrl(String value) {
            this.usageUrl = value;
            return this;
        }

        /** The API keys at start; {@link ApiKeys#NONE} (the default) for no authentication. */
        public Builder apiKeys(ApiKeys value) {
            this.apiKeys = value;
            return this;
        }

        /** The secret the instances present to each other; null (the default) for a random one per process. */
        public Builder internalKey(String value) {
            this.internalKey = value;
            return this;
        }

        public Builder limits(IngestLimits value) {
            this.limits = value;
            return this;
        }

        /** How concurrent submissions share transactions; {@link GroupCommit#DEFAULTS} by default. */
        public Builder groupCommit(GroupCommit value) {
            this.groupCommit = value;
            return this;
        }

        /** The settings; {@link IllegalArgumentException} or {@link NullPointerException} naming a bad value. */
        public IngestSettings build() {
            return new IngestSettings(host, port, bootstrapServers, kafkaProperties, topics, maxBodyBytes, maxFileBytes,
                    transactionalIdPrefix, instanceId, kafkaTimeout, transactionalProducers, fileTransactions,
                    streamTimeout, statusRetention, stateDir, advertisedUrl, usageUrl, apiKeys, internalKey, limits,
                    groupCommit);
        }
    }
}
