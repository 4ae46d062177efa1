package dev.llmq.router;

import dev.llmq.config.ApiKeys;
import dev.llmq.config.GroupCommit;
import dev.llmq.config.IngestLimits;
import dev.llmq.config.KafkaSecrets;
import dev.llmq.config.LlmqKeys;
import dev.llmq.provider.ResponseLimits;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * llmq's own {@code llmq:} section. Every key, its default and its rule are defined once in {@link LlmqKeys}; these
 * records validate through those definitions.
 *
 * @param kafka Kafka client properties, passed through unchanged (nested YAML maps flattened with dots)
 * @param providers {@code llmq.providers}: limits shared by every deployment of one provider, by provider name
 *                  (e.g. {@code anthropic}); providers without an entry have no shared limit
 * @param mockLlm {@code llmq.mock_llm.enabled}: the roles that call providers start the built-in mock LLM server
 *                and resolve {@code os.environ/LLMQ_MOCK_LLM_URL} to its OpenAI base URL
 * @param pricingTable {@code llmq.pricing.table}: a newer LiteLLM price table over the bundled one, or null
 * @param usage {@code llmq.usage}: the usage aggregator
 * @param budgets every spend budget: {@code llmq.budgets} (tenants and tags) and the deployments'
 *                {@code litellm_params.max_budget} (deployments; absent when only model group names were read)
 * @param auth {@code llmq.auth}: the API keys (none: no authentication)
 */
public record LlmqSettings(Map<String, String> kafka, Topics topics, Ingest ingest, Worker worker,
                           Map<String, ProviderLimits> providers, Health health, boolean mockLlm, String pricingTable,
                           Usage usage, List<Budget> budgets, Auth auth) {

    public static final LlmqSettings DEFAULTS = new LlmqSettings(Map.of(), Topics.DEFAULTS, Ingest.DEFAULTS,
            Worker.DEFAULTS);

    /**
     * The settings of one part of {@code llmq:}, to compare two versions of the config part by part: a map, record,
     * list or value with equality by value; null for {@link LlmqSection#MODEL_GROUPS} (the deployments carry it); the
     * API keys compared by their entries.
     */
    public Object part(LlmqSection section) {
        return switch (section) {
            case KAFKA -> kafka;
            case TOPICS -> topics;
            case INGEST -> ingest;
            case WORKER -> worker;
            case PROVIDERS -> providers;
            case MODEL_GROUPS -> null;
            case HEALTH -> health;
            case MOCK_LLM -> mockLlm;
            case PRICING -> pricingTable;
            case USAGE -> usage;
            case BUDGETS -> budgets;
            case AUTH -> auth.keys().all();
            case INTERNAL_KEY -> auth.internalKey();
        };
    }

    public LlmqSettings {
        kafka = kafka == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(kafka));
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(ingest, "ingest");
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(health, "health");
        providers = providers == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(providers));
        LlmqKeys.PRICING_TABLE.validate(pricingTable);
        usage = usage == null ? Usage.DEFAULTS : usage;
        budgets = budgets == null ? List.of() : List.copyOf(budgets);
        auth = auth == null ? Auth.NONE : auth;
        Set<String> keys = new HashSet<>();
        for (Budget b : budgets) {
            if (!keys.add(b.key())) {
                throw new IllegalArgumentException("two budgets for " + b.scope() + " '" + b.subject() + "'");
            }
        }
    }

    /** Every setting, with the secrets among the Kafka properties hidden ({@link KafkaSecrets}). */
    @Override
    public String toString() {
        return "LlmqSettings[kafka=" + KafkaSecrets.redacted(kafka) + ", topics=" + topics + ", ingest=" + ingest
                + ", worker=" + worker + ", providers=" + providers + ", health=" + health + ", mockLlm=" + mockLlm
                + ", pricingTable=" + pricingTable + ", usage=" + usage + ", budgets=" + budgets + ", auth=" + auth
                + "]";
    }

    /** Settings without pricing, usage or budget settings. */
    public LlmqSettings(Map<String, String> kafka, Topics topics, Ingest ingest, Worker worker,
                        Map<String, ProviderLimits> providers, Health health, boolean mockLlm) {
        this(kafka, topics, ingest, worker, providers, health, mockLlm, null, Usage.DEFAULTS, List.of(), Auth.NONE);
    }

    /** Settings without API keys. */
    public LlmqSettings(Map<String, String> kafka, Topics topics, Ingest ingest, Worker worker,
                        Map<String, ProviderLimits> providers, Health health, boolean mockLlm, String pricingTable,
                        Usage usage, List<Budget> budgets) {
        this(kafka, topics, ingest, worker, providers, health, mockLlm, pricingTable, usage, budgets, Auth.NONE);
    }

    /** These settings with these budgets instead. */
    public LlmqSettings withBudgets(List<Budget> newBudgets) {
        return new LlmqSettings(kafka, topics, ingest, worker, providers, health, mockLlm, pricingTable, usage,
                newBudgets, auth);
    }

    /**
     * {@code llmq.auth}: the API keys and the secret the instances present to each other.
     *
     * @param keys the API keys; empty: no authentication (the roles then bind to loopback only)
     * @param internalKey {@code llmq.auth.internal_key}, or null for a random one per process
     */
    public record Auth(ApiKeys keys, String internalKey) {
        public static final Auth NONE = new Auth(ApiKeys.NONE, null);

        public Auth {
            keys = keys == null ? ApiKeys.NONE : keys;
            LlmqKeys.AUTH_INTERNAL_KEY.validate(internalKey);
        }

        @Override
        public String toString() {
            return "Auth[keys=" + keys + ", internalKey=" + (internalKey == null ? "random" : "(set)") + "]";
        }
    }

    /**
     * {@code llmq.usage}: the usage aggregator.
     *
     * @param grace how late a result still counts in its windows ({@code llmq.usage.grace})
     * @param dedupeRetention how long a counted job id is remembered ({@code llmq.usage.dedupe_retention})
     * @param stateDir the aggregator's local state directory, or null for a temporary one per process
     * @param advertisedUrl where the other aggregator instances reach this one, or null for the bind address
     * @param rocksDbMemoryBytes the memory of all the process's usage stores in RocksDB
     *        ({@code llmq.usage.rocksdb_memory_bytes})
     */
    public record Usage(Duration grace, Duration dedupeRetention, String stateDir, String advertisedUrl,
                        long rocksDbMemoryBytes) {
        public static final Usage DEFAULTS = new Usage(LlmqKeys.USAGE_GRACE.defaultValue(),
                LlmqKeys.USAGE_DEDUPE_RETENTION.defaultValue(), null, null,
                LlmqKeys.USAGE_ROCKSDB_MEMORY_BYTES.defaultValue());

        public Usage {
            LlmqKeys.USAGE_GRACE.validate(Objects.requireNonNull(grace, "grace"));
            LlmqKeys.USAGE_DEDUPE_RETENTION.validate(Objects.requireNonNull(dedupeRetention, "dedupeRetention"));
            LlmqKeys.USAGE_ROCKSDB_MEMORY_BYTES.validate(rocksDbMemoryBytes);
            LlmqKeys.USAGE_STATE_DIR.validate(stateDir);
            LlmqKeys.USAGE_ADVERTISED_URL.validate(advertisedUrl);
        }
    }

    /** Settings without provider limits or the mock LLM server. */
    public LlmqSettings(Map<String, String> kafka, Topics topics, Ingest ingest, Worker worker) {
        this(kafka, topics, ingest, worker, Map.of(), Health.DEFAULTS, false);
    }

    /**
     * One entry of {@code llmq.providers}: caps shared by all deployments of the provider, because providers limit
     * per account, not per deployment. No LiteLLM equivalent. {@code rpm} and {@code tpm} are scaled by
     * {@code worker.limit_share} and the process fraction like deployment limits; {@code max_parallel_requests}
     * is per process, like a deployment's.
     *
     * @param maxParallelRequests calls in flight at once over all the provider's deployments, or null
     * @param rpm requests per minute over all the provider's deployments, or null
     * @param tpm tokens per minute over all the provider's deployments, or null
     */
    public record ProviderLimits(Integer maxParallelRequests, Long rpm, Long tpm) {
        public ProviderLimits {
            LlmqKeys.PROVIDER_MAX_PARALLEL_REQUESTS.validate(maxParallelRequests, "max_parallel_requests");
            LlmqKeys.PROVIDER_RPM.validate(rpm, "rpm");
            LlmqKeys.PROVIDER_TPM.validate(tpm, "tpm");
        }

        /** Whether any limit is set. */
        public boolean any() {
            return maxParallelRequests != null || rpm != null || tpm != null;
        }
    }

    /** {@code llmq.topics}: the prefix of every topic name and the partitions/replication of created topics. */
    public record Topics(String prefix, int partitions, short replicationFactor) {
        public static final Topics DEFAULTS = new Topics(LlmqKeys.TOPICS_PREFIX.defaultValue(),
                LlmqKeys.TOPICS_PARTITIONS.defaultValue(), LlmqKeys.TOPICS_REPLICATION_FACTOR.defaultValue().shortValue());

        public Topics {
            Objects.requireNonNull(prefix, "prefix");
            LlmqKeys.TOPICS_PREFIX.validate(prefix);
            LlmqKeys.TOPICS_PARTITIONS.validate(partitions);
            LlmqKeys.TOPICS_REPLICATION_FACTOR.validate((int) replicationFactor);
        }
    }

    /**
     * {@code llmq.health}: when a deployment cools down (the LiteLLM rule without {@code allowed_fails}) and how its
     * circuit breaker behaves.
     */
    public record Health(int cooldownMinRequests, double cooldownFailureThreshold, Duration breakerWindow,
                         int breakerMinCalls, double breakerFailureRate, Duration breakerOpen,
                         int breakerHalfOpenCalls) {
        public static final Health DEFAULTS = new Health(LlmqKeys.HEALTH_COOLDOWN_MIN_REQUESTS.defaultValue(),
                LlmqKeys.HEALTH_COOLDOWN_FAILURE_THRESHOLD.defaultValue(),
                LlmqKeys.HEALTH_BREAKER_WINDOW.defaultValue(), LlmqKeys.HEALTH_BREAKER_MIN_CALLS.defaultValue(),
                LlmqKeys.HEALTH_BREAKER_FAILURE_RATE.defaultValue(), LlmqKeys.HEALTH_BREAKER_OPEN.defaultValue(),
                LlmqKeys.HEALTH_BREAKER_HALF_OPEN_CALLS.defaultValue());

        public Health {
            LlmqKeys.HEALTH_COOLDOWN_MIN_REQUESTS.validate(cooldownMinRequests);
            LlmqKeys.HEALTH_COOLDOWN_FAILURE_THRESHOLD.validate(cooldownFailureThreshold);
            LlmqKeys.HEALTH_BREAKER_WINDOW.validate(Objects.requireNonNull(breakerWindow, "breakerWindow"));
            LlmqKeys.HEALTH_BREAKER_MIN_CALLS.validate(breakerMinCalls);
            LlmqKeys.HEALTH_BREAKER_FAILURE_RATE.validate(breakerFailureRate);
            LlmqKeys.HEALTH_BREAKER_OPEN.validate(Objects.requireNonNull(breakerOpen, "breakerOpen"));
            LlmqKeys.HEALTH_BREAKER_HALF_OPEN_CALLS.validate(breakerHalfOpenCalls);
        }
    }

    /**
     * {@code llmq.ingest}.
     *
     * @param maxFileBytes the largest batch-input file {@code POST /v1/files} accepts
     *                     ({@code llmq.ingest.max_file_bytes})
     * @param statusRetention how long the status store answers for a job ({@code llmq.ingest.status_retention})
     * @param stateDir the status store's directory, or null for a temporary one per process
     * @param advertisedUrl where the other ingest instances reach this one, or null for the bind address
     * @param usageUrl a usage aggregator that {@code GET /v1/usage} is forwarded to, or null
     * @param limits {@code llmq.ingest.limits}
     * @param groupCommit {@code llmq.ingest.group_commit}
     */
    public record Ingest(long maxBodyBytes, long maxFileBytes, Duration statusRetention, String stateDir,
                         String advertisedUrl, String usageUrl, IngestLimits limits, GroupCommit groupCommit) {
        public static final Ingest DEFAULTS = new Ingest(LlmqKeys.INGEST_MAX_BODY_BYTES.defaultValue());

        public Ingest {
            LlmqKeys.INGEST_MAX_BODY_BYTES.validate(maxBodyBytes);
            LlmqKeys.INGEST_MAX_FILE_BYTES.validate(maxFileBytes);
            LlmqKeys.INGEST_STATUS_RETENTION.validate(Objects.requireNonNull(statusRetention, "statusRetention"));
            LlmqKeys.INGEST_STATE_DIR.validate(stateDir);
            LlmqKeys.INGEST_ADVERTISED_URL.validate(advertisedUrl);
            LlmqKeys.INGEST_USAGE_URL.validate(usageUrl);
            limits = limits == null ? IngestLimits.DEFAULTS : limits;
            groupCommit = groupCommit == null ? GroupCommit.DEFAULTS : groupCommit;
        }

        /** The given body limit and the defaults of every other ingest key. */
        public Ingest(long maxBodyBytes) {
            this(maxBodyBytes, LlmqKeys.INGEST_MAX_FILE_BYTES.defaultValue(),
                    LlmqKeys.INGEST_STATUS_RETENTION.defaultValue(), null, null, null, IngestLimits.DEFAULTS,
                    GroupCommit.DEFAULTS);
        }
    }

    /**
     * {@code llmq.worker}.
     *
     * @param limitShare the fraction of each deployment's rpm/tpm limit llmq's workers may use together (default
     *                   1.0; lower it to leave room for other clients of the same keys). Each worker process takes
     *                   1/N of it while N workers run ({@link DeploymentHealth#processFraction(double)})
     * @param chunksMaxDelayMs longest wait of a content delta to be merged with the next (0: no coalescing)
     * @param chunksMaxChars content characters at which a merged chunk is published at once
     * @param maxQueueWait how long a job may wait for capacity before it fails ({@code llmq.worker.max_queue_wait})
     * @param sessionTimeout how long the group waits for a silent worker ({@code llmq.worker.session_timeout})
     * @param heartbeatInterval how often a worker heartbeats ({@code llmq.worker.heartbeat_interval})
     * @param shutdownTimeout how long a stopping worker waits for its running jobs
     * @param handoffTimeout how long a worker waits for the running jobs of partitions a rebalance moves away
     *                       ({@code llmq.worker.handoff_timeout}; zero: hands them over at once)
     *                        ({@code llmq.worker.shutdown_timeout})
     * @param maxWaiting most jobs waiting for capacity without holding a slot ({@code llmq.worker.max_waiting})
     * @param batchMinShare the share of contested slots batch jobs get ({@code llmq.worker.batch_min_share})
     * @param maxDeliveries starts of a job without an end before it is a poison job
     *                      ({@code llmq.worker.max_deliveries}; 0: not counted)
     * @param awaitFirstStart whether a job's first delivery waits for its start to be recorded before it runs
     *                        ({@code llmq.worker.await_first_start})
     * @param responseLimits how much of a provider's answer a call reads ({@code llmq.worker.max_response_bytes},
     *                       {@code max_event_bytes}, {@code max_stream_bytes})
     * @param runningEventDelayMs how long a run goes before its {@code running} status event is published
     *                            ({@code llmq.worker.running_event_delay_ms}; 0: at once)
     */
    public record Worker(int maxInFlight, double limitShare, int chunksMaxDelayMs, int chunksMaxChars,
                         Duration maxQueueWait, Duration sessionTimeout, Duration heartbeatInterval,
                         Duration shutdownTimeout, Duration handoffTimeout, int maxWaiting, double batchMinShare,
                         int maxDeliveries, boolean awaitFirstStart, ResponseLimits responseLimits,
                         int runningEventDelayMs) {
        /**
         * What {@code llmq.worker.max_response_bytes}, {@code max_event_bytes} and {@code max_stream_bytes} default
         * to; declared before {@link #DEFAULTS}, which uses it.
         */
        public static final ResponseLimits DEFAULT_RESPONSE_LIMITS = new ResponseLimits(
                LlmqKeys.WORKER_MAX_RESPONSE_BYTES.defaultValue(), LlmqKeys.WORKER_MAX_EVENT_BYTES.defaultValue(),
                LlmqKeys.WORKER_MAX_STREAM_BYTES.defaultValue());

        public static final Worker DEFAULTS = new Worker(LlmqKeys.WORKER_MAX_IN_FLIGHT.defaultValue(),
                LlmqKeys.WORKER_LIMIT_SHARE.defaultValue());

        public Worker {
            LlmqKeys.WORKER_MAX_IN_FLIGHT.validate(maxInFlight);
            LlmqKeys.WORKER_LIMIT_SHARE.validate(limitShare);
            LlmqKeys.WORKER_CHUNKS_MAX_DELAY_MS.validate(chunksMaxDelayMs);
            LlmqKeys.WORKER_CHUNKS_MAX_CHARS.validate(chunksMaxChars);
            LlmqKeys.WORKER_MAX_QUEUE_WAIT.validate(Objects.requireNonNull(maxQueueWait, "maxQueueWait"));
            LlmqKeys.WORKER_SESSION_TIMEOUT.validate(Objects.requireNonNull(sessionTimeout, "sessionTimeout"));
            LlmqKeys.WORKER_HEARTBEAT_INTERVAL.validate(Objects.requireNonNull(heartbeatInterval, "heartbeatInterval"));
            LlmqKeys.WORKER_SHUTDOWN_TIMEOUT.validate(Objects.requireNonNull(shutdownTimeout, "shutdownTimeout"));
            LlmqKeys.WORKER_HANDOFF_TIMEOUT.validate(Objects.requireNonNull(handoffTimeout, "handoffTimeout"));
            LlmqKeys.WORKER_MAX_WAITING.validate(maxWaiting);
            LlmqKeys.WORKER_BATCH_MIN_SHARE.validate(batchMinShare);
            LlmqKeys.WORKER_MAX_DELIVERIES.validate(maxDeliveries);
            LlmqKeys.WORKER_RUNNING_EVENT_DELAY_MS.validate(runningEventDelayMs);
            responseLimits = responseLimits == null ? DEFAULT_RESPONSE_LIMITS : responseLimits;
            if (heartbeatInterval.compareTo(sessionTimeout) >= 0) {
                throw new IllegalArgumentException(LlmqKeys.WORKER_HEARTBEAT_INTERVAL.name() + " ("
                        + heartbeatInterval.toMillis() + " ms) must be below " + LlmqKeys.WORKER_SESSION_TIMEOUT.name()
                        + " (" + sessionTimeout.toMillis() + " ms)");
            }
        }

        /** The given limits and the defaults of every other worker key. */
        public Worker(int maxInFlight, double limitShare) {
            this(maxInFlight, limitShare, LlmqKeys.WORKER_CHUNKS_MAX_DELAY_MS.defaultValue(),
                    LlmqKeys.WORKER_CHUNKS_MAX_CHARS.defaultValue(), LlmqKeys.WORKER_MAX_QUEUE_WAIT.defaultValue(),
                    LlmqKeys.WORKER_SESSION_TIMEOUT.defaultValue(), LlmqKeys.WORKER_HEARTBEAT_INTERVAL.defaultValue(),
                    LlmqKeys.WORKER_SHUTDOWN_TIMEOUT.defaultValue(), LlmqKeys.WORKER_HANDOFF_TIMEOUT.defaultValue(),
                    LlmqKeys.WORKER_MAX_WAITING.defaultValue(),
                    LlmqKeys.WORKER_BATCH_MIN_SHARE.defaultValue(), LlmqKeys.WORKER_MAX_DELIVERIES.defaultValue(),
                    LlmqKeys.WORKER_AWAIT_FIRST_START.defaultValue(), DEFAULT_RESPONSE_LIMITS,
                    LlmqKeys.WORKER_RUNNING_EVENT_DELAY_MS.defaultValue());
        }
    }
}
