package dev.llmq.config;

import static dev.llmq.config.Validators.any;
import static dev.llmq.config.Validators.atLeast;
import static dev.llmq.config.Validators.between;

import java.time.Duration;
import java.util.List;

/**
 * The keys of llmq's own {@code llmq:} section, each defined once. Adding a key: one constant here (and in
 * {@link #DEF}), the code that reads it, and {@code docs/configuration.md} regenerated. Removing one: its constant
 * goes and a {@link RemovedKey} in {@link #REMOVED} says why, so a config that still sets it is refused with that
 * reason instead of the key being ignored.
 */
public final class LlmqKeys {

    private LlmqKeys() {
    }

    public static final ConfigKey<Object> KAFKA = new ConfigKey<>("llmq.kafka.*", ConfigType.STRUCTURE, null, any(),
            "Kafka client properties passed to every Kafka client of every role: producers, consumers, admin "
                    + "clients and the clients inside each Kafka Streams application (nested maps are joined with "
                    + "dots). `LLMQ_KAFKA_SOME_PROPERTY` sets `some.property` over the file; "
                    + "`KAFKA_BOOTSTRAP_SERVERS` sets `bootstrap.servers` over both, and a role's "
                    + "`--bootstrap-servers` over all three. What llmq's guarantees rest on is not overridden: "
                    + "`acks=all` and idempotence on producers, each producer's `transactional.id`, `read_committed` "
                    + "without auto commit on consumers, group and Streams application ids, and "
                    + "`processing.guarantee=exactly_once_v2`.",
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

    public static final ConfigKey<Long> INGEST_MAX_FILE_BYTES = new ConfigKey<>("llmq.ingest.max_file_bytes",
            ConfigType.LONG, 200L * 1024 * 1024, atLeast(1024),
            "The largest batch-input file POST /v1/files accepts (OpenAI's limit: 200 MiB); it is read and written to"
                    + " Kafka as it streams, and a batch made from it likewise, so it needs no heap of its size.",
            "52428800");

    public static final ConfigKey<Duration> INGEST_STATUS_RETENTION = new ConfigKey<>(
            "llmq.ingest.status_retention", ConfigType.SECONDS, Duration.ofDays(7), Validators.positive(),
            "How long, in seconds, the ingest API answers for a job after it was submitted (its status, its result, "
                    + "its batch and its `Idempotency-Key`): entries of the status store older than this (by the "
                    + "job record's timestamp) are purged, and a retry with the same key afterwards is a new "
                    + "submission. Also bounded by the topics' own retention when the store is rebuilt.", "86400");

    public static final ConfigKey<String> INGEST_STATE_DIR = new ConfigKey<>("llmq.ingest.state_dir",
            ConfigType.STRING, null, Validators.nonBlank(),
            "Directory of the ingest API's local state (the RocksDB status store); unset: `<data dir>/ingest-state` "
                    + "for `standalone`, else a new temporary directory per process, deleted on exit, so each start "
                    + "restores the store from its changelog topics. Set it to restart without restoring. Each "
                    + "ingest process on a machine needs its own.",
            "/var/lib/llmq/ingest-1");

    public static final ConfigKey<String> INGEST_ADVERTISED_URL = new ConfigKey<>("llmq.ingest.advertised_url",
            ConfigType.STRING, null,
            Validators.httpHostUrl(),
            "The URL at which the other ingest instances reach this one, to ask it for the jobs, batches and "
                    + "idempotency keys whose share of the status store it holds; unset: `http://<bind host>:<port>` "
                    + "(the machine's host name when bound to a wildcard address).", "http://ingest-1.internal:8080");

    public static final ConfigKey<Integer> INGEST_GROUP_COMMIT_LINGER_MS = new ConfigKey<>(
            "llmq.ingest.group_commit.linger_ms", ConfigType.INT, 2, between(0, 1000),
            "Group commit: concurrent submissions share Kafka transactions. A free transactional producer waits this "
                    + "long after the first submission of a group for more to join it (up to `max_bytes`), then "
                    + "writes them all in one transaction: every submission of the group gets its 202 when it "
                    + "commits, or its error (nothing of any of them enqueued) when it fails. 0: a group is what "
                    + "queued while the producers were busy.", "5");

    public static final ConfigKey<Long> INGEST_GROUP_COMMIT_MAX_BYTES = new ConfigKey<>(
            "llmq.ingest.group_commit.max_bytes", ConfigType.LONG, 4L * 1024 * 1024, between(1024, Integer.MAX_VALUE),
            "Group commit: most bytes of jobs one transaction takes from the queue; a single submission larger than "
                    + "this still goes, alone.", "8388608");

    public static final ConfigKey<Long> INGEST_GROUP_COMMIT_MAX_QUEUED_BYTES = new ConfigKey<>(
            "llmq.ingest.group_commit.max_queued_bytes", ConfigType.LONG, 64L * 1024 * 1024, atLeast(1024),
            "Group commit: most bytes of jobs waiting for a transaction; a submission that would pass it answers 503 "
                    + "`ingest_busy` with `Retry-After` (one is always taken while the queue is empty).", "268435456");

    public static final ConfigKey<Integer> WORKER_MAX_IN_FLIGHT = new ConfigKey<>("llmq.worker.max_in_flight",
            ConfigType.INT, 1024, atLeast(1),
            "Most jobs one worker process runs at once; it stops fetching at the limit. A job holds its slot from its "
                    + "start (including the wait for its start to be recorded) to its result, about 20 KB of heap "
                    + "each.", "4096");

    public static final ConfigKey<Integer> WORKER_CHUNKS_MAX_DELAY_MS = new ConfigKey<>(
            "llmq.worker.chunks.max_delay_ms", ConfigType.INT, 50, between(0, 60_000),
            "Stream chunk coalescing: the longest a content delta waits to be merged with the next ones before it is "
                    + "published (the first content delta of each run is published at once). `0` publishes every "
                    + "provider chunk as its own record.", "100");

    public static final ConfigKey<Integer> WORKER_CHUNKS_MAX_CHARS = new ConfigKey<>(
            "llmq.worker.chunks.max_chars", ConfigType.INT, 256, between(1, 1024 * 1024),
            "Stream chunk coalescing: a merged chunk is published as soon as it holds this many characters of "
                    + "content, before `max_delay_ms` has passed.", "512");

    public static final ConfigKey<Double> WORKER_LIMIT_SHARE = new ConfigKey<>("llmq.worker.limit_share",
            ConfigType.DOUBLE, 1.0, Validators.fraction(),
            "The fraction of each deployment's and provider's rpm/tpm that llmq's workers use together (lower it "
                    + "to leave room for other clients of the same keys); each of N live workers takes 1/N of it.",
            "0.8");

    public static final ConfigKey<Duration> WORKER_MAX_QUEUE_WAIT = new ConfigKey<>("llmq.worker.max_queue_wait",
            ConfigType.SECONDS, Duration.ofMinutes(10), Validators.nonNegative(),
            "How long a job may wait for capacity when no deployment of its group (nor of its fallbacks) can take it "
                    + "now (all cooling down, breakers open, rpm/tpm or parallel limits reached), before it fails; "
                    + "within the job's deadline. Waiting sleeps until the earliest known recovery (re-checked "
                    + "every 1 to 5 s); no provider call is made meanwhile. 0 fails at once.", "1800");

    public static final ConfigKey<Integer> WORKER_MAX_WAITING = new ConfigKey<>("llmq.worker.max_waiting",
            ConfigType.INT, 10_000, atLeast(0),
            "Most jobs of one worker that may wait for capacity (see `max_queue_wait`) or for a Retry-After without "
                    + "holding one of its `max_in_flight` slots, so jobs of other model groups on the same partitions "
                    + "keep running. A waiting job keeps its offset uncommitted and takes a slot again before its "
                    + "next provider call. When this many are waiting, the next ones wait in their slot "
                    + "(back-pressure). 0: waiting jobs always hold their slot.", "50000");

    public static final ConfigKey<Double> WORKER_BATCH_MIN_SHARE = new ConfigKey<>("llmq.worker.batch_min_share",
            ConfigType.DOUBLE, 0.2, between(0, 1),
            "Priority lanes: while both `interactive` jobs (`<prefix>.jobs.interactive.v1`) and `batch` jobs "
                    + "(`<prefix>.jobs.v1`) wait for a worker's free slots, this fraction of the slots goes to batch "
                    + "jobs and the rest to interactive ones, so interactive jobs start first and a steady stream of "
                    + "them never stops batch work. 0: batch jobs start only when no interactive job waits.", "0.1");

    public static final ConfigKey<Integer> WORKER_MAX_DELIVERIES = new ConfigKey<>("llmq.worker.max_deliveries",
            ConfigType.INT, 3, between(0, 1000),
            "Poison jobs: a job whose worker died while running it (a crash, a kill, a lost session, or a stop "
                    + "that the job did not answer: wedged past the shutdown timeout and a few seconds more) this "
                    + "many times is not run again: it goes to the DLQ and ends `failed` with code `poison_job`. "
                    + "Starts are recorded durably before a job runs; a run ended by an orderly stop of its worker "
                    + "(interrupted after the shutdown timeout) or by a rebalance that moves its partition is not "
                    + "counted. 0 turns the count off (a job may loop forever).", "5");

    public static final ConfigKey<Boolean> WORKER_AWAIT_FIRST_START = new ConfigKey<>(
            "llmq.worker.await_first_start", ConfigType.BOOLEAN, true, any(),
            "Poison jobs (`max_deliveries`): whether a job on its first delivery waits for its start to be recorded "
                    + "before it runs (an offset commit, a few milliseconds before the provider call). `false` is a "
                    + "trade, off by default: a job appended after its worker took the partition, and never started, "
                    + "runs at once, and its start is recorded with others' within about 20 ms; a worker that dies "
                    + "before that leaves the run uncounted, so a job that kills its worker can run "
                    + "`max_deliveries` + 1 times. Jobs a worker finds on its partitions when it takes them, and "
                    + "every later delivery, always wait.",
            "false");

    public static final ConfigKey<Duration> WORKER_SESSION_TIMEOUT = new ConfigKey<>("llmq.worker.session_timeout",
            ConfigType.SECONDS, Duration.ofSeconds(6), Validators.atLeast(Duration.ofSeconds(1)),
            "How long the worker group waits for a silent worker (killed, frozen, cut off) before its partitions go "
                    + "to the others; a killed worker's jobs resume within about this plus one heartbeat interval "
                    + "(Kafka's `session.timeout.ms`, classic group protocol). Kafka brokers refuse less than their "
                    + "`group.min.session.timeout.ms` (6 s by default). A stopped worker leaves at once and does not "
                    + "wait for it, nor does a killed one started again under its `--worker-id` (the group's static "
                    + "member of that id). `llmq.kafka.session.timeout.ms` overrides.", "10");

    public static final ConfigKey<Duration> WORKER_HEARTBEAT_INTERVAL = new ConfigKey<>(
            "llmq.worker.heartbeat_interval", ConfigType.SECONDS, Duration.ofSeconds(1),
            Validators.atLeast(Duration.ofMillis(100)),
            "How often a worker tells the group it is alive, and so how soon it hears of a rebalance (Kafka's "
                    + "`heartbeat.interval.ms`); must be below `llmq.worker.session_timeout`. "
                    + "`llmq.kafka.heartbeat.interval.ms` overrides.", "3");

    public static final ConfigKey<Duration> WORKER_SHUTDOWN_TIMEOUT = new ConfigKey<>(
            "llmq.worker.shutdown_timeout", ConfigType.SECONDS, Duration.ofSeconds(30), Validators.nonNegative(),
            "On SIGTERM a worker stops taking jobs and waits this long for its running jobs to finish (their results "
                    + "are published and committed), then leaves the group; jobs still running are left to the other "
                    + "workers.", "120");

    public static final ConfigKey<Duration> WORKER_HANDOFF_TIMEOUT = new ConfigKey<>(
            "llmq.worker.handoff_timeout", ConfigType.SECONDS, Duration.ofSeconds(30),
            Validators.between(Duration.ZERO, Duration.ofHours(1)),
            "When a rebalance moves partitions to another worker (one joins, say), how long the worker giving them up "
                    + "waits for their running jobs to finish, so their results are written here and their provider "
                    + "calls are not made again by the next owner. Their waiting jobs are not started meanwhile; the "
                    + "worker's other partitions go on. Jobs still running after it run again at the next owner. 0: "
                    + "hand over at once.", "120");

    public static final ConfigKey<Integer> WORKER_RUNNING_EVENT_DELAY_MS = new ConfigKey<>(
            "llmq.worker.running_event_delay_ms", ConfigType.INT, 100, between(0, 60_000),
            "How long, in milliseconds, a job runs before its worker publishes its `running` status event: a run that "
                    + "ends sooner goes from `queued` to its result without one (one record fewer on "
                    + "`<prefix>.status.v1` and in each ingest's status store for every such job). A run that lasts, "
                    + "waits for capacity or streams progress says it is running as before; every later attempt of it "
                    + "is told at once. 0: every run and attempt is told when it starts.", "0");

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

    public static final ConfigKey<Integer> HEALTH_COOLDOWN_MIN_REQUESTS = new ConfigKey<>(
            "llmq.health.cooldown_min_requests", ConfigType.INT, 5, atLeast(1),
            "Without `allowed_fails`, a deployment cools down when more than `cooldown_failure_threshold` of at "
                    + "least this many requests in the current minute failed (LiteLLM's rule).", "10");

    public static final ConfigKey<Double> HEALTH_COOLDOWN_FAILURE_THRESHOLD = new ConfigKey<>(
            "llmq.health.cooldown_failure_threshold", ConfigType.DOUBLE, 0.5, Validators.fraction(),
            "The failed fraction of a minute's requests above which a deployment cools down (see "
                    + "`cooldown_min_requests`).", "0.3");

    public static final ConfigKey<Duration> HEALTH_BREAKER_WINDOW = new ConfigKey<>("llmq.health.breaker_window",
            ConfigType.SECONDS, Duration.ofSeconds(60), Validators.atLeastSeconds(1),
            "The circuit breaker's time window, in whole seconds: it opens when `breaker_failure_rate` percent of at "
                    + "least `breaker_min_calls` calls in the window failed.", "30");

    public static final ConfigKey<Integer> HEALTH_BREAKER_MIN_CALLS = new ConfigKey<>(
            "llmq.health.breaker_min_calls", ConfigType.INT, 10, atLeast(1),
            "Calls in the window before the breaker may open.", "20");

    public static final ConfigKey<Double> HEALTH_BREAKER_FAILURE_RATE = new ConfigKey<>(
            "llmq.health.breaker_failure_rate", ConfigType.DOUBLE, 50.0, between(1, 100),
            "Percent of failed calls in the window that opens the breaker.", "60");

    public static final ConfigKey<Duration> HEALTH_BREAKER_OPEN = new ConfigKey<>("llmq.health.breaker_open",
            ConfigType.SECONDS, Duration.ofSeconds(30), Validators.atLeastSeconds(1),
            "How long an open breaker stays open before it lets probe calls through, in seconds.", "10");

    public static final ConfigKey<Integer> HEALTH_BREAKER_HALF_OPEN_CALLS = new ConfigKey<>(
            "llmq.health.breaker_half_open_calls", ConfigType.INT, 1, atLeast(1),
            "Probe calls a half-open breaker lets through; their outcome closes or reopens it.", "3");

    public static final ConfigKey<String> PRICING_TABLE = new ConfigKey<>("llmq.pricing.table", ConfigType.STRING,
            null, Validators.nonBlank(),
            "A newer copy of LiteLLM's `model_prices_and_context_window.json`; its entries replace the bundled "
                    + "table's entries of the same name (the rest of the bundled table stays).",
            "/etc/llmq/model_prices_and_context_window.json");

    public static final ConfigKey<Duration> USAGE_GRACE = new ConfigKey<>("llmq.usage.grace", ConfigType.SECONDS,
            Duration.ofMinutes(5), Validators.nonNegative(),
            "How late, in seconds after a window ends (by completion time), a result still counts in its 1-minute, "
                    + "1-hour and 1-day windows; a later one counts in the running totals only. Late is measured "
                    + "against the latest completion time the aggregator had seen when the commit interval the "
                    + "result arrived in began (`commit.interval.ms`, 100 ms).", "60");

    public static final ConfigKey<Duration> USAGE_DEDUPE_RETENTION = new ConfigKey<>(
            "llmq.usage.dedupe_retention", ConfigType.SECONDS, Duration.ofDays(7), Validators.positive(),
            "How long, in seconds, the usage aggregator remembers a counted job id, so that a result seen again "
                    + "within it is not counted twice.", "86400");

    public static final ConfigKey<String> USAGE_STATE_DIR = new ConfigKey<>("llmq.usage.state_dir",
            ConfigType.STRING, null, Validators.nonBlank(),
            "Directory of the usage aggregator's local state (its RocksDB stores); unset: `<data dir>/usage-state` "
                    + "for `standalone`, else a new temporary directory per process, restored from the changelog "
                    + "topics at each start. Each aggregator process on a machine needs its own.",
            "/var/lib/llmq/usage-1");

    public static final ConfigKey<Long> USAGE_ROCKSDB_MEMORY_BYTES = new ConfigKey<>(
            "llmq.usage.rocksdb_memory_bytes", ConfigType.LONG, 256L * 1024 * 1024, atLeast(16L * 1024 * 1024),
            "Memory for all of a usage aggregator process's RocksDB stores together, outside the Java heap: one block "
                    + "cache shared by every store, partition and window segment, half of it at most for their write "
                    + "buffers. Kafka Streams' default, a 50 MB cache and up to 48 MB of write buffers for each, grows "
                    + "with the partitions and segments. More holds more groups' windows in memory (many tenants and "
                    + "tags), less leaves more of the machine to the rest.", "1073741824");

    public static final ConfigKey<String> USAGE_ADVERTISED_URL = new ConfigKey<>("llmq.usage.advertised_url",
            ConfigType.STRING, null, Validators.httpHostUrl(),
            "The URL at which the other usage aggregator instances reach this one, to ask it for the groups whose "
                    + "share of the stores it holds; unset: `http://<bind host>:<port>`.", "http://usage-1.internal:8090");

    public static final ConfigKey<String> INGEST_USAGE_URL = new ConfigKey<>("llmq.ingest.usage_url",
            ConfigType.STRING, null, Validators.httpHostUrl(),
            "A usage aggregator (any instance) that the ingest API forwards `GET /v1/usage` to; unset: the one "
                    + "running in the same process (`standalone`), else `GET /v1/usage` answers 503.",
            "http://usage-1.internal:8090");

    public static final ConfigKey<String> BUDGET_TENANT = new ConfigKey<>("llmq.budgets[].tenant", ConfigType.STRING,
            null, Validators.nonBlank(), "The tenant this budget limits (one of `tenant` and `tag`).", "acme");

    public static final ConfigKey<String> BUDGET_TAG = new ConfigKey<>("llmq.budgets[].tag", ConfigType.STRING,
            null, Validators.nonBlank(), "The job tag this budget limits (one of `tenant` and `tag`).", "experiments");

    public static final ConfigKey<java.math.BigDecimal> BUDGET_MAX = new ConfigKey<>("llmq.budgets[].max_budget",
            ConfigType.DECIMAL, null, Validators.positiveDecimal(),
            "Spend limit in USD per period (required). Once reached, ingest rejects new jobs of the tenant or tag "
                    + "with 429 until the period ends.", "100");

    public static final ConfigKey<String> BUDGET_DURATION = new ConfigKey<>("llmq.budgets[].budget_duration",
            ConfigType.STRING, "1mo", Validators.budgetDuration(),
            "The budget's period, aligned to UTC (days start at midnight, weeks on Monday, months on the 1st).", "1d");

    public static final ConfigKey<String> BUDGET_ON_EXCEEDED = new ConfigKey<>("llmq.budgets[].on_exceeded",
            ConfigType.STRING, "wait", Validators.oneOf("wait", "fail"),
            "What queued jobs of an exhausted tenant or tag do: `wait` for the period to end (within their "
                    + "deadline), or `fail` at once with `budget_exceeded`.", "fail");

    public static final ConfigKey<Long> WORKER_MAX_RESPONSE_BYTES = new ConfigKey<>(
            "llmq.worker.max_response_bytes", ConfigType.LONG, 64L * 1024 * 1024, between(1024, Integer.MAX_VALUE - 8),
            "The largest non-streaming answer (or error body) a worker reads from a provider; a larger one fails the "
                    + "job (`server_error`, naming this key) without being buffered.", "16777216");

    public static final ConfigKey<Integer> WORKER_MAX_EVENT_BYTES = new ConfigKey<>("llmq.worker.max_event_bytes",
            ConfigType.INT, 8 * 1024 * 1024, between(1024, Integer.MAX_VALUE - 8),
            "The largest server-sent event (one line, or all lines of one event) a worker reads from a provider's "
                    + "stream; a larger one fails the job without being buffered.", "1048576");

    public static final ConfigKey<Long> WORKER_MAX_STREAM_BYTES = new ConfigKey<>("llmq.worker.max_stream_bytes",
            ConfigType.LONG, 256L * 1024 * 1024, atLeast(1024),
            "Most bytes one provider stream may send in all: an endless stream fails the job here (or at the "
                    + "deployment's timeout, whichever comes first). At least `max_event_bytes`.", "67108864");

    public static final ConfigKey<Integer> LIMIT_MAX_JOBS_PER_SUBMISSION = new ConfigKey<>(
            "llmq.ingest.limits.max_jobs_per_submission", ConfigType.INT, 50_000, between(1, 10_000_000),
            "Most jobs in one JSON array or NDJSON submission (OpenAI's batch files hold up to 50,000).", "10000");

    public static final ConfigKey<Integer> LIMIT_MAX_MESSAGES_PER_JOB = new ConfigKey<>(
            "llmq.ingest.limits.max_messages_per_job", ConfigType.INT, 2048, between(1, 1_000_000),
            "Most entries in one job's `messages`.", "512");

    public static final ConfigKey<Integer> LIMIT_MAX_JSON_DEPTH = new ConfigKey<>("llmq.ingest.limits.max_json_depth",
            ConfigType.INT, 64, between(8, 1000),
            "Deepest nesting of arrays and objects anywhere in a submission; checked while reading, before a tree "
                    + "is built.", "32");

    public static final ConfigKey<Integer> LIMIT_MAX_CUSTOM_ID_CHARS = new ConfigKey<>(
            "llmq.ingest.limits.max_custom_id_chars", ConfigType.INT, 512, between(1, 65_536),
            "Longest `custom_id`.", "64");

    public static final ConfigKey<Integer> LIMIT_MAX_METADATA_PAIRS = new ConfigKey<>(
            "llmq.ingest.limits.max_metadata_pairs", ConfigType.INT, 16, between(0, 10_000),
            "Most key-value pairs in a job's `metadata` (OpenAI allows 16).", "32");

    public static final ConfigKey<Integer> LIMIT_MAX_METADATA_KEY_CHARS = new ConfigKey<>(
            "llmq.ingest.limits.max_metadata_key_chars", ConfigType.INT, 64, between(1, 65_536),
            "Longest `metadata` key (OpenAI allows 64 characters).", "128");

    public static final ConfigKey<Integer> LIMIT_MAX_METADATA_VALUE_CHARS = new ConfigKey<>(
            "llmq.ingest.limits.max_metadata_value_chars", ConfigType.INT, 512, between(1, 1_048_576),
            "Longest `metadata` value (OpenAI allows 512 characters).", "1024");

    public static final ConfigKey<Integer> LIMIT_MAX_TAGS = new ConfigKey<>("llmq.ingest.limits.max_tags",
            ConfigType.INT, 32, between(0, 10_000), "Most entries in a job's `tags`.", "8");

    public static final ConfigKey<Integer> LIMIT_MAX_TAG_CHARS = new ConfigKey<>("llmq.ingest.limits.max_tag_chars",
            ConfigType.INT, 128, between(1, 65_536), "Longest tag.", "64");

    public static final ConfigKey<Integer> LIMIT_MAX_IDEMPOTENCY_KEY_CHARS = new ConfigKey<>(
            "llmq.ingest.limits.max_idempotency_key_chars", ConfigType.INT, 255, between(1, 8192),
            "Longest `Idempotency-Key` header; it must be printable ASCII (no spaces or control characters).", "64");

    /** Key names, tenants and teams: {@link ApiKey#NAME}. */
    private static final Validator<String> KEY_NAME = Validators.matches(ApiKey.NAME.pattern(),
            "1 to 128 letters, digits or . _ : @ -");

    public static final ConfigKey<String> AUTH_KEY_NAME = new ConfigKey<>("llmq.auth.keys[].name", ConfigType.STRING,
            null, KEY_NAME,
            "A label for the key in logs and errors (required, unique); never the key itself.", "acme-batch");

    public static final ConfigKey<String> AUTH_KEY_HASH = new ConfigKey<>("llmq.auth.keys[].key_hash",
            ConfigType.STRING, null, Validators.matches(ApiKey.HASH.pattern(), "sha256: and 64 lowercase hex digits"),
            "The SHA-256 of the key as `llmq keys create` prints it (required, unique). The config never holds a key: "
                    + "clients send it as `Authorization: Bearer <key>`.",
            "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae");

    public static final ConfigKey<String> AUTH_KEY_TENANT = new ConfigKey<>("llmq.auth.keys[].tenant",
            ConfigType.STRING, null,
            KEY_NAME,
            "The tenant of every job submitted with the key, and the only tenant whose jobs, batches, results, "
                    + "streams and usage it sees (required).", "acme");

    public static final ConfigKey<String> AUTH_KEY_TEAM = new ConfigKey<>("llmq.auth.keys[].team", ConfigType.STRING,
            null, KEY_NAME,
            "A team within the tenant; recorded on the key's jobs as the tag `team:<team>`.", "search");

    public static final ConfigKey<Object> AUTH_KEY_TAGS = new ConfigKey<>("llmq.auth.keys[].tags",
            ConfigType.STRUCTURE, null, any(), "Tags added to every job submitted with the key.", "[batch, eu]");

    public static final ConfigKey<Object> AUTH_KEY_MODELS = new ConfigKey<>("llmq.auth.keys[].models",
            ConfigType.STRUCTURE, null, any(),
            "The model groups the key may submit to; unset or empty: every group. Others answer 403.",
            "[gpt-4o-mini]");

    public static final ConfigKey<Object> AUTH_KEY_SCOPES = new ConfigKey<>("llmq.auth.keys[].scopes",
            ConfigType.STRUCTURE, null, any(),
            "What the key may do: `submit` (submit and cancel jobs), `read` (its tenant's jobs, batches, results, "
                    + "streams and usage), `admin` (everything, every tenant); unset: `[submit, read]`. A request "
                    + "outside them answers 403 naming the missing scope.", "[submit, read]");

    public static final ConfigKey<Long> AUTH_KEY_RPM_LIMIT = new ConfigKey<>("llmq.auth.keys[].rpm_limit",
            ConfigType.LONG, null, atLeast(1),
            "HTTP requests per minute the key may make; more answer 429 with `Retry-After`. Unset: no limit.", "600");

    public static final ConfigKey<Long> AUTH_KEY_JOBS_PER_MINUTE = new ConfigKey<>(
            "llmq.auth.keys[].jobs_per_minute", ConfigType.LONG, null, atLeast(1),
            "Jobs per minute the key may submit (a batch of 100 counts 100); a submission past it answers 429 with "
                    + "`Retry-After` and enqueues nothing. Unset: no limit.", "10000");

    public static final ConfigKey<String> AUTH_INTERNAL_KEY = new ConfigKey<>("llmq.auth.internal_key",
            ConfigType.STRING, null, Validators.nonBlank(),
            "The secret the ingest and usage aggregator instances present to each other when they ask for their "
                    + "share of the stores (needed only with `llmq.auth.keys`); the same on every instance, from the "
                    + "environment. Unset: a random one per process, so instances cannot ask each other.",
            "os.environ/LLMQ_INTERNAL_KEY");

    /**
     * Why the result de-duplication's keys went: the workers write each result to {@code <prefix>.results.v1} in
     * the Kafka transaction that also commits the job's consumer offset, so no stream de-duplicates results after
     * them and none of its settings means anything.
     */
    private static final String NO_RESULT_DEDUPLICATION = "results are now written exactly once by the workers' "
            + "Kafka transactions, together with their consumer offsets, so there is no result de-duplication (and "
            + "no de-duplication store) to configure any more";

    /** Keys of this section that llmq no longer reads; a config that sets one is refused with the reason. */
    public static final List<RemovedKey> REMOVED = List.of(
            new RemovedKey("llmq.worker.results_dedupe_retention", NO_RESULT_DEDUPLICATION),
            new RemovedKey("llmq.worker.results_commit_interval_ms", NO_RESULT_DEDUPLICATION),
            new RemovedKey("llmq.worker.state_dir", NO_RESULT_DEDUPLICATION));

    public static final ConfigDef DEF = new ConfigDef("llmq",
            "llmq's own settings: Kafka, topics, the ingest API, workers, shared provider limits, per-group "
                    + "timeouts, deployment health (cooldown and circuit breaker), the mock LLM server, pricing, the usage "
                    + "aggregator, spend budgets, API keys and the ingest API's limits.",
            List.of(KAFKA, TOPICS_PREFIX, TOPICS_PARTITIONS, TOPICS_REPLICATION_FACTOR, INGEST_MAX_BODY_BYTES,
                    INGEST_MAX_FILE_BYTES, INGEST_STATUS_RETENTION, INGEST_STATE_DIR, INGEST_ADVERTISED_URL,
                    INGEST_GROUP_COMMIT_LINGER_MS,
                    INGEST_GROUP_COMMIT_MAX_BYTES, INGEST_GROUP_COMMIT_MAX_QUEUED_BYTES,
                    WORKER_MAX_IN_FLIGHT, WORKER_CHUNKS_MAX_DELAY_MS, WORKER_CHUNKS_MAX_CHARS, WORKER_LIMIT_SHARE,
                    WORKER_MAX_QUEUE_WAIT, WORKER_MAX_WAITING, WORKER_BATCH_MIN_SHARE, WORKER_MAX_DELIVERIES,
                    WORKER_AWAIT_FIRST_START,
                    WORKER_SESSION_TIMEOUT, WORKER_HEARTBEAT_INTERVAL, WORKER_SHUTDOWN_TIMEOUT, WORKER_HANDOFF_TIMEOUT,
                    WORKER_RUNNING_EVENT_DELAY_MS, PROVIDER_MAX_PARALLEL_REQUESTS, PROVIDER_RPM,
                    PROVIDER_TPM, GROUP_TIMEOUT, GROUP_STREAM_TIMEOUT, HEALTH_COOLDOWN_MIN_REQUESTS,
                    HEALTH_COOLDOWN_FAILURE_THRESHOLD, HEALTH_BREAKER_WINDOW, HEALTH_BREAKER_MIN_CALLS,
                    HEALTH_BREAKER_FAILURE_RATE, HEALTH_BREAKER_OPEN, HEALTH_BREAKER_HALF_OPEN_CALLS,
                    MOCK_LLM_ENABLED, PRICING_TABLE, USAGE_GRACE, USAGE_DEDUPE_RETENTION, USAGE_STATE_DIR,
                    USAGE_ROCKSDB_MEMORY_BYTES, USAGE_ADVERTISED_URL, INGEST_USAGE_URL, BUDGET_TENANT, BUDGET_TAG,
                    BUDGET_MAX, BUDGET_DURATION,
                    BUDGET_ON_EXCEEDED, LIMIT_MAX_JOBS_PER_SUBMISSION, LIMIT_MAX_MESSAGES_PER_JOB,
                    LIMIT_MAX_JSON_DEPTH, LIMIT_MAX_CUSTOM_ID_CHARS, LIMIT_MAX_METADATA_PAIRS,
                    LIMIT_MAX_METADATA_KEY_CHARS, LIMIT_MAX_METADATA_VALUE_CHARS, LIMIT_MAX_TAGS, LIMIT_MAX_TAG_CHARS,
                    LIMIT_MAX_IDEMPOTENCY_KEY_CHARS, AUTH_KEY_NAME, AUTH_KEY_HASH, AUTH_KEY_TENANT, AUTH_KEY_TEAM,
                    AUTH_KEY_TAGS, AUTH_KEY_MODELS, AUTH_KEY_SCOPES, AUTH_KEY_RPM_LIMIT, AUTH_KEY_JOBS_PER_MINUTE,
                    AUTH_INTERNAL_KEY, WORKER_MAX_RESPONSE_BYTES, WORKER_MAX_EVENT_BYTES, WORKER_MAX_STREAM_BYTES),
            REMOVED);
}
