package dev.llmq.ingest.internal;

import dev.llmq.config.StreamsDefaults;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StoredFile;
import dev.llmq.schemas.TopicNames;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest record of each key on the compacted control topic, for what the ingest answers from it: spend budget
 * states for {@code POST /v1/jobs} ({@link BudgetGate}, key {@code budget:<scope>:<subject>}) and batch cancellations
 * for {@code GET /v1/batches/{id}} (key {@code batch-cancel:<batch id>}); and the uploaded files of the files topic
 * ({@link FileStore}). A Kafka Streams global table over each topic (in memory, on every ingest instance, re-read
 * from the topic's start at each start).
 *
 * <p>An application of its own ({@code <prefix>-ingest-control}, global only: no consumer group, no tasks) rather
 * than a global table in the status store's: a global table makes {@code KafkaStreams.start()} block until the topic
 * is read, and the status store must start (not ready) while Kafka is down. Here the start runs on a background
 * thread and is tried again with backoff until it succeeds; until then {@link #ready()} is false and lookups find
 * nothing (the worker still holds or fails jobs of an exhausted budget).
 */
public final class ControlStates implements AutoCloseable {

    /** The global table's store. */
    static final String STORE = "control-latest";
    /** The uploaded files' global table ({@code llmq.files.v1}, {@link StoredFile} by file id). */
    static final String FILES_STORE = "files-latest";
    /**
     * How long one start waits for the control topic (and each of its requests) before it is tried again; a table
     * that cannot read for longer while running stops (state {@code ERROR}) and is started again the same way.
     */
    static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(ControlStates.class);
    private static final JsonSerde<BudgetMessage> BUDGETS = JsonSerde.budget();
    private static final JsonSerde<JobControlMessage> CANCELS = JsonSerde.jobControl();
    private static final JsonSerde<StoredFile> FILES = JsonSerde.storedFile();

    private final IngestSettings settings;
    /** Keys whose record could not be read, so each is logged once. */
    private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
    private volatile KafkaStreams streams;
    private volatile boolean running;
    private volatile boolean closing;
    private Thread starter;

    public ControlStates(IngestSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * The topology: the control topic as a global table in {@value #STORE}, and the files topic as one in
     * {@value #FILES_STORE}.
     */
    static Topology topology(TopicNames topics) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.globalTable(topics.control(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("control"),
                Materialized.<String, byte[]>as(Stores.inMemoryKeyValueStore(STORE))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.ByteArray()));
        builder.globalTable(topics.files(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("files"),
                Materialized.<String, byte[]>as(Stores.inMemoryKeyValueStore(FILES_STORE))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.ByteArray()));
        return builder.build();
    }

    /** The application id under these topics: {@code <prefix>-ingest-control}. */
    static String applicationId(TopicNames topics) {
        return topics.prefix() + "-ingest-control";
    }

    /** Starts reading the control topic in the background; {@link #ready()} turns true once it is read. */
    public synchronized void start() {
        if (starter == null) {
            starter = Thread.ofVirtual().name("llmq-ingest-control-start").start(this::startStreams);
        }
    }

    /** A table that stopped reading (state {@code ERROR}) is replaced by a new one, read again from the start. */
    private synchronized void restart() {
        if (!closing) {
            running = false;
            LOG.warn("ingest {}: control states stopped reading {}; starting again", settings.instanceId(),
                    settings.topics().control());
            starter = Thread.ofVirtual().name("llmq-ingest-control-start").start(this::startStreams);
        }
    }

    private void startStreams() {
        KafkaStreams stopped = streams;
        if (stopped != null) {
            stopped.close(CLOSE_TIMEOUT);
        }
        Retry retry = Retry.of("llmq-ingest-control", RetryConfig.custom()
                .maxAttempts(Integer.MAX_VALUE)
                .intervalFunction(IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(1), 2.0,
                        Duration.ofSeconds(30)))
                .retryOnException(e -> !closing)
                .build());
        try {
            retry.executeRunnable(() -> {
                KafkaStreams s;
                synchronized (this) {
                    if (closing) {
                        return;
                    }
                    s = new KafkaStreams(topology(settings.topics()), properties(settings));
                    s.setStateListener((now, before) -> {
                        if (now == KafkaStreams.State.ERROR && running) {
                            restart();
                        }
                    });
                    streams = s;
                }
                try {
                    s.start(); // returns once the global table has read the topic
                } catch (RuntimeException e) {
                    LOG.warn("ingest {}: control states not read yet ({}); trying again", settings.instanceId(),
                            e.getMessage());
                    s.close(CLOSE_TIMEOUT);
                    throw e;
                }
                boolean closed;
                synchronized (this) {
                    closed = closing;
                    running = !closed;
                }
                if (closed) { // close() came during the start and left the instance to this thread
                    s.close(CLOSE_TIMEOUT);
                    return;
                }
                LOG.info("ingest {}: control states read from {}", settings.instanceId(), settings.topics().control());
            });
        } catch (RuntimeException e) {
            if (!closing) {
                LOG.error("ingest {}: control states not read", settings.instanceId(), e);
            }
        }
    }

    static Properties properties(IngestSettings settings) {
        Properties props = new Properties();
        props.putAll(settings.kafkaProperties());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId(settings.topics()));
        props.put(StreamsConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-control");
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "0");
        StreamsDefaults.globalProcessingErrorsHandled(props, settings.kafkaProperties());
        props.put(StreamsConfig.TASK_TIMEOUT_MS_CONFIG, Long.toString(START_TIMEOUT.toMillis()));
        props.put(StreamsConfig.globalConsumerPrefix("default.api.timeout.ms"), Long.toString(START_TIMEOUT.toMillis()));
        // the control topic is also written in transactions (cancellations)
        props.put(StreamsConfig.globalConsumerPrefix("isolation.level"), "read_committed");
        return props;
    }

    /** True once the control topic was read to where it ended at start, while the table is followed. */
    public boolean ready() {
        KafkaStreams s = streams;
        return running && s != null && s.state().isRunningOrRebalancing();
    }

    /**
     * The latest state of the budget with compaction key {@code key}. Empty when there is none, when its record
     * cannot be read (logged once), or when the table is not read yet.
     */
    public Optional<BudgetMessage> budget(String key) {
        return latest(key, BUDGETS);
    }

    /**
     * When the job's cancellation was asked, or its batch's (the earlier of both); empty when neither was, or the
     * table is not read yet.
     */
    public Optional<Instant> cancelRequested(String jobId, String batchId) {
        Optional<JobControlMessage> batch = batchId == null ? Optional.empty() : batchCancel(batchId);
        return Stream.of(latest(JobControlMessage.jobKey(jobId), CANCELS), batch).flatMap(Optional::stream)
                .map(JobControlMessage::at).min(Comparator.naturalOrder());
    }

    /**
     * The latest cancellation of the batch, when one was asked. Empty when there is none, when its record cannot be
     * read (logged once), or when the table is not read yet.
     */
    public Optional<JobControlMessage> batchCancel(String batchId) {
        return latest(JobControlMessage.batchKey(batchId), CANCELS);
    }

    /**
     * The uploaded file {@code id}, as the files topic says now. Empty when there is none (or it was deleted), when its
     * record cannot be read (logged once), or when the table is not read yet.
     */
    public Optional<StoredFile> file(String id) {
        return latest(FILES_STORE, id, FILES);
    }

    /**
     * Up to {@code max} uploaded files {@code wanted} accepts, newest first or, {@code ascending}, oldest first (file
     * ids sort by upload time), from the one after {@code after} in that order (null: from the first) on; none while
     * the table is not read. A record that cannot be read is left out.
     */
    public List<StoredFile> files(String after, boolean ascending, int max, Predicate<StoredFile> wanted) {
        KafkaStreams s = streams;
        if (!running || s == null) {
            return List.of();
        }
        List<StoredFile> out = new ArrayList<>();
        ReadOnlyKeyValueStore<String, byte[]> table = table(s, FILES_STORE);
        // a null bound is open; the bound itself (the page before's last file) is skipped
        try (KeyValueIterator<String, byte[]> it = ascending ? table.range(after, null)
                : table.reverseRange(null, after)) {
            while (it.hasNext() && out.size() < max) {
                KeyValue<String, byte[]> entry = it.next();
                if (entry.value == null || entry.key.equals(after)) {
                    continue;
                }
                StoredFile file = readable(entry.key, entry.value, FILES);
                if (file != null && wanted.test(file)) {
                    out.add(file);
                }
            }
        } catch (InvalidStateStoreException e) {
            LOG.debug("files not read: {}", e.getMessage());
        }
        return out;
    }

    private <T> Optional<T> latest(String key, JsonSerde<T> serde) {
        return latest(STORE, key, serde);
    }

    private <T> Optional<T> latest(String storeName, String key, JsonSerde<T> serde) {
        KafkaStreams s = streams;
        if (!running || s == null) {
            return Optional.empty();
        }
        byte[] value;
        try {
            value = table(s, storeName).get(key);
        } catch (InvalidStateStoreException e) {
            LOG.debug("{} not read: {}", key, e.getMessage());
            return Optional.empty();
        }
        return value == null ? Optional.empty() : Optional.ofNullable(readable(key, value, serde));
    }

    private static ReadOnlyKeyValueStore<String, byte[]> table(KafkaStreams s, String storeName) {
        return s.store(StoreQueryParameters.fromNameAndType(storeName, QueryableStoreTypes.keyValueStore()));
    }

    /** The record, or null (logged once per key) when it cannot be read. */
    private <T> T readable(String key, byte[] value, JsonSerde<T> serde) {
        try {
            return serde.fromBytes(value);
        } catch (RuntimeException e) {
            if (unreadable.add(key)) {
                LOG.warn("ignoring unreadable control record {}: {}", key, e.getMessage());
            }
            return null;
        }
    }

    /**
     * The keys of up to {@code max} cancellations asked before {@code cutoff}, or none while the table is not read.
     * A record that cannot be read is left alone.
     */
    public List<String> cancelsAskedBefore(Instant cutoff, int max) {
        KafkaStreams s = streams;
        if (!running || s == null) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = table(s, STORE).all()) {
            while (all.hasNext() && keys.size() < max) {
                KeyValue<String, byte[]> entry = all.next();
                if (isCancel(entry.key) && entry.value != null && askedBefore(entry.value, cutoff)) {
                    keys.add(entry.key);
                }
            }
        } catch (InvalidStateStoreException e) {
            LOG.debug("cancellations not read: {}", e.getMessage());
        }
        return keys;
    }

    private static boolean isCancel(String key) {
        return key.startsWith(JobControlMessage.JOB_KEY_PREFIX) || key.startsWith(JobControlMessage.BATCH_KEY_PREFIX);
    }

    private static boolean askedBefore(byte[] value, Instant cutoff) {
        try {
            return CANCELS.fromBytes(value).at().isBefore(cutoff);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Stops following the topic; an instance still starting is closed by its starter once its start ends. */
    @Override
    public void close() {
        KafkaStreams s;
        boolean wasRunning;
        synchronized (this) {
            closing = true;
            s = streams;
            wasRunning = running;
            running = false;
        }
        if (s != null && wasRunning && !s.close(CLOSE_TIMEOUT)) {
            LOG.warn("ingest {}: control states did not stop within {}", settings.instanceId(), CLOSE_TIMEOUT);
        }
    }
}
