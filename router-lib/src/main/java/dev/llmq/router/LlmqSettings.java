package dev.llmq.router;

import dev.llmq.config.LlmqKeys;
import java.util.Map;
import java.util.Objects;
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
 */
public record LlmqSettings(Map<String, String> kafka, Topics topics, Ingest ingest, Worker worker,
                           Map<String, ProviderLimits> providers, boolean mockLlm) {

    public static final LlmqSettings DEFAULTS = new LlmqSettings(Map.of(), Topics.DEFAULTS, Ingest.DEFAULTS,
            Worker.DEFAULTS);

    public LlmqSettings {
        kafka = kafka == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(kafka));
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(ingest, "ingest");
        Objects.requireNonNull(worker, "worker");
        providers = providers == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(providers));
    }

    /** Settings without provider limits or the mock LLM server. */
    public LlmqSettings(Map<String, String> kafka, Topics topics, Ingest ingest, Worker worker) {
        this(kafka, topics, ingest, worker, Map.of(), false);
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

    /** {@code llmq.ingest}. */
    public record Ingest(long maxBodyBytes) {
        public static final Ingest DEFAULTS = new Ingest(LlmqKeys.INGEST_MAX_BODY_BYTES.defaultValue());

        public Ingest {
            LlmqKeys.INGEST_MAX_BODY_BYTES.validate(maxBodyBytes);
        }
    }

    /**
     * {@code llmq.worker}.
     *
     * @param limitShare the fraction of each deployment's rpm/tpm limit llmq's workers may use together (default
     *                   1.0; lower it to leave room for other clients of the same keys). Each worker process takes
     *                   1/N of it while N workers run ({@link DeploymentHealth#processFraction(double)})
     * @param resultsDedupeRetention how long the result de-duplication remembers a job's result
     * @param stateDir the worker's local state directory, or null for a temporary one per process
     */
    public record Worker(int maxInFlight, double limitShare, java.time.Duration resultsDedupeRetention,
                         String stateDir) {
        public static final Worker DEFAULTS = new Worker(LlmqKeys.WORKER_MAX_IN_FLIGHT.defaultValue(),
                LlmqKeys.WORKER_LIMIT_SHARE.defaultValue());

        public Worker {
            LlmqKeys.WORKER_MAX_IN_FLIGHT.validate(maxInFlight);
            LlmqKeys.WORKER_LIMIT_SHARE.validate(limitShare);
            Objects.requireNonNull(resultsDedupeRetention, "resultsDedupeRetention");
            LlmqKeys.WORKER_RESULTS_DEDUPE_RETENTION.validate(resultsDedupeRetention);
            LlmqKeys.WORKER_STATE_DIR.validate(stateDir);
        }

        /** The default retention and state directory. */
        public Worker(int maxInFlight, double limitShare) {
            this(maxInFlight, limitShare, LlmqKeys.WORKER_RESULTS_DEDUPE_RETENTION.defaultValue(), null);
        }
    }
}
