package dev.llmq.config;

import static dev.llmq.config.Validators.any;
import static dev.llmq.config.Validators.atLeast;
import static dev.llmq.config.Validators.between;

import java.time.Duration;
import java.util.List;

/**
 * The keys of llmq's own {@code llmq:} section, each defined once. Adding a key: one constant here (and in
 * {@link #DEF}), the code that reads it, and {@code docs/configuration.md} regenerated.
 */
public final class LlmqKeys {

    private LlmqKeys() {
    }

    public static final ConfigKey<Object> KAFKA = new ConfigKey<>("llmq.kafka.*", ConfigType.STRUCTURE, null, any(),
            "Kafka client properties passed unchanged to every producer, consumer and admin client (nested maps "
                    + "are joined with dots). `KAFKA_BOOTSTRAP_SERVERS` overrides `bootstrap.servers`, and "
                    + "`LLMQ_KAFKA_SOME_PROPERTY` sets `some.property`.",
            "{bootstrap.servers: 'kafka:9092', security.protocol: SASL_SSL}");

    public static final ConfigKey<String> TOPICS_PREFIX = new ConfigKey<>("llmq.topics.prefix", ConfigType.STRING,
            "llmq", Validators.matches("[A-Za-z0-9._-]+", "letters, digits, '.', '_' and '-'"),
            "The prefix of every topic name (`<prefix>.jobs.v1` ...).", "acme-llmq");

    public static final ConfigKey<Integer> TOPICS_PARTITIONS = new ConfigKey<>("llmq.topics.partitions",
            ConfigType.INT, 6, atLeast(1),
            "Partitions of the topics llmq creates (the DLQ and control topics always get one). Workers scale up "
                    + "to this many processes.", "12");

    public static final ConfigKey<Integer> TOPICS_REPLICATION_FACTOR = new ConfigKey<>(
            "llmq.topics.replication_factor", ConfigType.INT, 1, between(1, Short.MAX_VALUE),
            "Replication factor of the topics llmq creates.", "3");

    public static final ConfigKey<Long> INGEST_MAX_BODY_BYTES = new ConfigKey<>("llmq.ingest.max_body_bytes",
            ConfigType.LONG, 10L * 1024 * 1024, atLeast(1024),
            "The largest request body the ingest API accepts; larger ones are rejected whole.", "1048576");

    public static final ConfigKey<Integer> WORKER_MAX_IN_FLIGHT = new ConfigKey<>("llmq.worker.max_in_flight",
            ConfigType.INT, 256, atLeast(1),
            "Most jobs one worker process runs at once; it stops fetching at the limit.", "1024");

    public static final ConfigKey<Double> WORKER_LIMIT_SHARE = new ConfigKey<>("llmq.worker.limit_share",
            ConfigType.DOUBLE, 1.0, Validators.fraction(),
            "The fraction of each deployment's and provider's rpm/tpm that llmq's workers use together (lower it "
                    + "to leave room for other clients of the same keys); each of N live workers takes 1/N of it.",
            "0.8");

    public static final ConfigKey<Duration> WORKER_RESULTS_DEDUPE_RETENTION = new ConfigKey<>(
            "llmq.worker.results_dedupe_retention", ConfigType.SECONDS, Duration.ofDays(7), Validators.positive(),
            "How long, in seconds, the workers' result de-duplication remembers that a job has its terminal result "
                    + "on `<prefix>.results.v1`: a job run again within it (after a worker crash, a rebalance) gets "
                    + "no second result; one run again later does. Kept in a RocksDB window store per worker, "
                    + "backed by a compacted changelog topic.", "86400");

    public static final ConfigKey<String> WORKER_STATE_DIR = new ConfigKey<>("llmq.worker.state_dir",
            ConfigType.STRING, null, Validators.nonBlank(),
            "Directory of the worker's local state (the result de-duplication store); unset: a new temporary "
                    + "directory per process, deleted on exit, so the store is rebuilt from its changelog at each "
                    + "start. Each worker process on a machine needs its own.", "/var/lib/llmq/worker-1");

    public static final ConfigKey<Integer> PROVIDER_MAX_PARALLEL_REQUESTS = new ConfigKey<>(
            "llmq.providers.<provider>.max_parallel_requests", ConfigType.INT, null, atLeast(1),
            "Calls in flight at once over all deployments of the provider (e.g. `anthropic`), per worker process.",
            "16");

    public static final ConfigKey<Long> PROVIDER_RPM = new ConfigKey<>("llmq.providers.<provider>.rpm",
            ConfigType.LONG, null, atLeast(1),
            "Requests per minute over all deployments of the provider (providers limit per account).", "500");

    public static final ConfigKey<Long> PROVIDER_TPM = new ConfigKey<>("llmq.providers.<provider>.tpm",
            ConfigType.LONG, null, atLeast(1), "Tokens per minute over all deployments of the provider.",
            "200000");

    public static final ConfigKey<Duration> GROUP_TIMEOUT = new ConfigKey<>("llmq.model_groups.<group>.timeout",
            ConfigType.SECONDS, null, Validators.nonNegative(),
            "Request timeout for every deployment of the model group that sets none of its own (between a "
                    + "deployment's `timeout` and `router_settings.timeout`).", "120");

    public static final ConfigKey<Duration> GROUP_STREAM_TIMEOUT = new ConfigKey<>(
            "llmq.model_groups.<group>.stream_timeout", ConfigType.SECONDS, null, Validators.nonNegative(),
            "Stream idle timeout for every deployment of the model group that sets none of its own.", "30");

    public static final ConfigKey<Boolean> MOCK_LLM_ENABLED = new ConfigKey<>("llmq.mock_llm.enabled",
            ConfigType.BOOLEAN, false, any(),
            "The roles that call providers (`standalone`, `worker`) start the built-in mock LLM server and resolve "
                    + "`os.environ/LLMQ_MOCK_LLM_URL` to its OpenAI base URL. The bundled config sets it.", "true");

    public static final ConfigDef DEF = new ConfigDef("llmq",
            "llmq's own settings: Kafka, topics, the ingest API, workers, shared provider limits, per-group "
                    + "timeouts and the mock LLM server.",
            List.of(KAFKA, TOPICS_PREFIX, TOPICS_PARTITIONS, TOPICS_REPLICATION_FACTOR, INGEST_MAX_BODY_BYTES,
                    WORKER_MAX_IN_FLIGHT, WORKER_LIMIT_SHARE, WORKER_RESULTS_DEDUPE_RETENTION, WORKER_STATE_DIR,
                    PROVIDER_MAX_PARALLEL_REQUESTS, PROVIDER_RPM,
                    PROVIDER_TPM, GROUP_TIMEOUT, GROUP_STREAM_TIMEOUT, MOCK_LLM_ENABLED));
}
