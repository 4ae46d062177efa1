package dev.llmq.usage;

import dev.llmq.config.ApiKeys;
import dev.llmq.config.KafkaSecrets;
import dev.llmq.config.LlmqKeys;
import dev.llmq.router.Budget;
import dev.llmq.schemas.TopicNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one usage aggregator instance runs with. Built with {@link #builder(String, String)}; defaults are the config
 * keys' ({@code llmq.usage.*}).
 *
 * @param bootstrapServers the Kafka cluster
 * @param instanceId this instance's id (client ids, the {@code source} of budget messages)
 * @param topics the topic names (prefix)
 * @param kafkaProperties extra Kafka client properties ({@code llmq.kafka})
 * @param host the address the HTTP server binds
 * @param port the HTTP port; 0 for a free one
 * @param grace how late a result still counts in its windows ({@code llmq.usage.grace})
 * @param dedupeRetention how long a counted job id is remembered ({@code llmq.usage.dedupe_retention})
 * @param stateDir where the stores live; null for a temporary directory deleted on close
 * @param advertisedUrl where the other instances reach this one; null for the bind address and port
 * @param budgets the spend budgets to watch
 * @param queryTimeout how long a query waits for another instance, and retries while the stores move
 * @param apiKeys the API keys at start ({@code llmq.auth.keys}); empty: {@code GET /v1/usage} is open
 * @param internalKey the secret the instances present to each other ({@code llmq.auth.internal_key}), or null for a
 *        random one per aggregator (then no other instance can ask it)
 * @param rocksDbMemoryBytes the memory of all the process's usage stores in RocksDB, outside the heap
 *        ({@code llmq.usage.rocksdb_memory_bytes}; the first aggregator of a process sets it)
 */
public record UsageSettings(String bootstrapServers, String instanceId, TopicNames topics,
                            Map<String, String> kafkaProperties, String host, int port, Duration grace,
                            Duration dedupeRetention, Path stateDir, String advertisedUrl, List<Budget> budgets,
                            Duration queryTimeout, ApiKeys apiKeys, String internalKey, long rocksDbMemoryBytes) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(5);

    public UsageSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers is required");
        }
        if (instanceId == null || instanceId.isBlank()) {
            throw new IllegalArgumentException("instanceId is required");
        }
        Objects.requireNonNull(topics, "topics");
        kafkaProperties = kafkaProperties == null ? Map.of() : Map.copyOf(kafkaProperties);
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        LlmqKeys.USAGE_GRACE.validate(Objects.requireNonNull(grace, "grace"));
        LlmqKeys.USAGE_DEDUPE_RETENTION.validate(Objects.requireNonNull(dedupeRetention, "dedupeRetention"));
        LlmqKeys.USAGE_ADVERTISED_URL.validate(advertisedUrl);
        budgets = budgets == null ? List.of() : List.copyOf(budgets);
        Objects.requireNonNull(queryTimeout, "queryTimeout");
        if (queryTimeout.isNegative() || queryTimeout.isZero()) {
            throw new IllegalArgumentException("queryTimeout must be positive");
        }
        apiKeys = apiKeys == null ? ApiKeys.NONE : apiKeys;
        LlmqKeys.AUTH_INTERNAL_KEY.validate(internalKey, "internalKey");
        LlmqKeys.USAGE_ROCKSDB_MEMORY_BYTES.validate(rocksDbMemoryBytes, "rocksDbMemoryBytes");
    }

    /** Never shows the internal key, nor the secrets among the Kafka properties ({@link KafkaSecrets}). */
    @Override
    public String toString() {
        return "UsageSettings[instanceId=" + instanceId + ", bootstrapServers=" + bootstrapServers + ", topics="
                + topics + ", kafkaProperties=" + KafkaSecrets.redacted(kafkaProperties) + ", host=" + host + ", port=" + port + ", grace=" + grace + ", dedupeRetention="
                + dedupeRetention + ", stateDir=" + stateDir + ", advertisedUrl=" + advertisedUrl + ", budgets="
                + budgets.size() + ", queryTimeout=" + queryTimeout + ", apiKeys=" + apiKeys + ", internalKey="
                + (internalKey == null ? "random" : "(set)") + ", rocksDbMemoryBytes=" + rocksDbMemoryBytes + "]";
    }

    public static Builder builder(String bootstrapServers, String instanceId) {
        return new Builder(bootstrapServers, instanceId);
    }

    /** Builds {@link UsageSettings}; every setter is optional. */
    public static final class Builder {
        private final String bootstrapServers;
        private final String instanceId;
        private TopicNames topics = TopicNames.defaults();
        private Map<String, String> kafkaProperties = Map.of();
        private String host = DEFAULT_HOST;
        private int port;
        private Duration grace = LlmqKeys.USAGE_GRACE.defaultValue();
        private Duration dedupeRetention = LlmqKeys.USAGE_DEDUPE_RETENTION.defaultValue();
        private Path stateDir;
        private String advertisedUrl;
        private List<Budget> budgets = List.of();
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private ApiKeys apiKeys = ApiKeys.NONE;
        private String internalKey;
        private long rocksDbMemoryBytes = LlmqKeys.USAGE_ROCKSDB_MEMORY_BYTES.defaultValue();

        private Builder(String bootstrapServers, String instanceId) {
            this.bootstrapServers = bootstrapServers;
            this.instanceId = instanceId;
        }

        public Builder topics(TopicNames value) {
            this.topics = value;
            return this;
        }

        public Builder kafkaProperties(Map<String, String> value) {
            this.kafkaProperties = value;
            return this;
        }

        public Builder host(String value) {
            this.host = value;
            return this;
        }

        public Builder port(int value) {
            this.port = value;
            return this;
        }

        public Builder grace(Duration value) {
            this.grace = value;
            return this;
        }

        public Builder dedupeRetention(Duration value) {
            this.dedupeRetention = value;
            return this;
        }

        /** Null: a temporary directory. */
        public Builder stateDir(Path value) {
            this.stateDir = value;
            return this;
        }

        /** Null: the bind address and port. */
        public Builder advertisedUrl(String value) {
            this.advertisedUrl = value;
            return this;
        }

        public Builder budgets(List<Budget> value) {
            this.budgets = value;
            return this;
        }

        public Builder queryTimeout(Duration value) {
            this.queryTimeout = value;
            return this;
        }

        /** Empty: no authentication. */
        public Builder apiKeys(ApiKeys value) {
            this.apiKeys = value;
            return this;
        }

        /** Null: a random one per aggregator. */
        public Builder internalKey(String value) {
            this.internalKey = value;
            return this;
        }

        public Builder rocksDbMemoryBytes(long value) {
            this.rocksDbMemoryBytes = value;
            return this;
        }

        public UsageSettings build() {
            return new UsageSettings(bootstrapServers, instanceId, topics, kafkaProperties, host, port, grace,
                    dedupeRetention, stateDir, advertisedUrl, budgets, queryTimeout, apiKeys, internalKey,
                    rocksDbMemoryBytes);
        }
    }
}
