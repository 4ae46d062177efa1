package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.config.StateDir;
import dev.llmq.config.StreamsDefaults;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StartupCatchUp;
import dev.llmq.schemas.TopicNames;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ingest instance's member of the status store application ({@code <prefix>-ingest-status}, running
 * {@link JobStatusTopology}): its lifecycle, its readiness, where a key lives, and the answers it gives for the keys
 * it holds. Every ingest instance of a cluster runs one; the partitions (and so the jobs) spread over them.
 */
final class StatusStore implements AutoCloseable {

    /** The least a close waits for the stream to leave its group: twice the Kafka timeout, at least this. */
    private static final Duration MIN_CLOSE = Duration.ofSeconds(10);

    /** How often the stream commits its input offsets and checkpoints the stores. */
    static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
    /**
     * The status store's fetches wait for this much data, up to {@link #FETCH_MAX_WAIT}: its view may trail the topics
     * by that long when little is going on (a job just submitted is answered from {@code RecentSubmissions}
     * meanwhile; from a few hundred jobs a second on, 32 KiB comes sooner), and in return it fetches a few dozen times
     * a second instead of once per record or two at moderate load. An idle store fetches 10 times a second; at 20 ms
     * it fetched 50 times, and those empty fetches were two fifths of an idle {@code llmq standalone}'s CPU.
     */
    static final int FETCH_MIN_BYTES = 32 * 1024;
    static final Duration FETCH_MAX_WAIT = Duration.ofMillis(100);
    /**
     * The codec of the store's changelog producer, unless the user's Kafka properties set {@code compression.type}
     * (Kafka Streams writes uncompressed). The job store's changelog was the broker's largest write, about half of
     * its bytes at saturation: every job's snapshot twice, the second with its result. Its batches (up to
     * {@code batch.size}, 16 KB, of one partition's updates) shrink several times under lz4; the broker then writes
     * (and copies into its page cache) that much less, and the changelog is read back only to restore the store.
     */
    static final String CHANGELOG_COMPRESSION = "lz4";

    private static final Logger LOG = LoggerFactory.getLogger(StatusStore.class);
    private static final Serializer<String> KEYS = Serdes.String().serializer();
    /** From this many jobs of one partition on, {@link #localJobs} reads their key range instead of each key. */
    static final int RANGE_FROM = 16;

    private final IngestSettings settings;
    private final ObjectMapper mapper;
    private final StoredSnapshot.Codec snapshots;
    private final JsonSerde<BatchManifest> manifests;
    private final StateDir stateDir;
    private final AtomicInteger restoring = new AtomicInteger();
    private final AtomicLong restored = new AtomicLong();
    private final ReadProgress progress = new ReadProgress();
    private final UnreadTail tail;
    private volatile KafkaStreams streams;
    private volatile Admin admin;
    private volatile StartupCatchUp catchUp;
    private volatile HostInfo self;
    private volatile boolean runningOnce;
    private volatile boolean wasReady;

    /** Where the entry of a key lives. */
    sealed interface Owner {
        /** This instance holds it, in this partition of the store. */
        record Local(int partition) implements Owner {
        }

        /** Another instance holds it. */
        record Remote(HostInfo host) implements Owner {
        }

        /** Nobody can tell now (the store is starting or rebalancing). */
        record Unknown() implements Owner {
        }
    }

    private final KafkaClientMeters kafkaMeters;

    StatusStore(IngestSettings settings, ObjectMapper mapper, KafkaClientMeters kafkaMeters) {
        this.kafkaMeters = Objects.requireNonNull(kafkaMeters, "kafkaMeters");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.snapshots = new StoredSnapshot.Codec(mapper);
        this.manifests = new JsonSerde<>(BatchManifest.class, mapper);
        this.tail = new UnreadTail(() -> new KafkaConsumer<>(KafkaClients.consumer(settings,
                settings.instanceId() + "-status-unread-tail")), settings.kafkaTimeout());
        this.stateDir = StateDir.open(settings.stateDir(), "llmq-ingest-state-",
                dropped -> LOG.info("deleted the state directories of stopped processes: {}", dropped));
    }

    /** The Streams application id of the status store under these topics: {@code <prefix>-ingest-status}. */
    static String applicationId(TopicNames topics) {
        return topics.prefix() + "-ingest-status";
    }

    /** Starts the stream; {@code self} is where the other instances reach this one. */
    synchronized void start(HostInfo self) {
        if (streams != null) {
            return;
        }
        this.self = Objects.requireNonNull(self, "self");
        KafkaStreams s = new KafkaStreams(
                JobStatusTopology.topology(settings.topics(), settings.statusRetention(), mapper, progress),
                properties(settings, stateDir.path(), self));
        s.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                runningOnce = true;
            }
            LOG.info("ingest {} status store: {} -> {}", settings.instanceId(), before, now);
        });
        s.setGlobalStateRestoreListener(new Restorations());
        kafkaMeters.streams(s);
        s.setUncaughtExceptionHandler(e -> {
            LOG.error("ingest {} status store thread failed; replacing it", settings.instanceId(), e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        admin = Admin.create(KafkaClients.admin(settings, settings.instanceId() + "-status-catch-up"));
        String app = applicationId(settings.topics());
        catchUp = new StartupCatchUp("status store", admin, app, List.of(settings.topics().jobs(),
                settings.topics().jobsInteractive(), settings.topics().status(), settings.topics().results(),
                settings.topics().batches()),
                List.of(app + "-" + JobStatusTopology.INDEX_REPARTITION + "-repartition"), settings.kafkaTimeout(),
                KafkaClients.consumer(settings, settings.instanceId() + "-status-catch-up-gap"));
        s.start();
        streams = s;
        catchUp.start();
        LOG.info("ingest {} status store started (application {}, state in {}, advertised as {})",
                settings.instanceId(), applicationId(settings.topics()), stateDir.path(), self);
    }

    static Properties properties(IngestSettings settings, Path stateDir, HostInfo self) {
        Properties props = new Properties();
        props.putAll(settings.kafkaProperties());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId(settings.topics()));
        props.put(StreamsConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-status");
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(COMMIT_INTERVAL.toMillis()));
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
        // each task reads four partitions (jobs, interactive jobs, status, results) and the topology does not depend
        // on their order (a result may come before its job, a late running event changes nothing): a task processes
        // what it has instead of waiting for the other partitions to be fetched. At Kafka's default (0) every
        // record of a task with an empty partition went through the idling check, which formats its log texts
        // eagerly (String.format in PartitionGroup.readyToProcess: 3.5% of an ingest's CPU under single-job POSTs)
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        // jobs are written in transactions: the store must never show a job whose submission was aborted
        props.put(StreamsConfig.consumerPrefix("isolation.level"), "read_committed");
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        Map<String, String> user = settings.kafkaProperties();
        StreamsDefaults.globalProcessingErrorsHandled(props, user); // no global tables here, but Kafka warns
        StreamsDefaults.shortSession(props, user);
        StreamsDefaults.staticMember(props, user, settings.instanceId() + "-status");
        StreamsDefaults.consumer(props, user, "fetch.max.wait.ms", FETCH_MAX_WAIT.toMillis());
        StreamsDefaults.consumer(props, user, "fetch.min.bytes", FETCH_MIN_BYTES);
        StreamsDefaults.producer(props, user, "compression.type", CHANGELOG_COMPRESSION);
        return props;
    }

    /**
     * True when the store can answer: the stream has reached {@code RUNNING} (it stays ready while rebalancing), has
     * processed what its input topics held when this instance started ({@link StartupCatchUp}), and every store
     * partition assigned here is open (restored, not restoring).
     */
    boolean ready() {
        boolean ready = answersEveryKey();
        if (ready) {
            wasReady = true;
        }
        return ready;
    }

    /**
     * True once {@link #ready()} has been true: the store has caught up with what its topics held when this
     * instance started. It stays true while partitions move later (lookups wait for a moving partition).
     */
    boolean caughtUpOnce() {
        return wasReady || ready();
    }

    private boolean answersEveryKey() {
        KafkaStreams s = streams;
        StartupCatchUp c = catchUp;
        if (s == null || c == null || !runningOnce || restoring.get() > 0 || !c.caughtUp()) {
            return false;
        }
        KafkaStreams.State state = s.state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
            return false;
        }
        try {
            for (var thread : s.metadataForLocalThreads()) {
                for (var task : thread.activeTasks()) {
                    store(storeOf(task.topicPartitions()), task.taskId().partition()).approximateNumEntries();
                }
            }
            return true;
        } catch (InvalidStateStoreException e) {
            return false;
        }
    }

    /**
     * The stream's state, the tasks (store partitions) it holds, partitions restoring and records restored since
     * start, for readiness bodies.
     */
    Map<String, Object> detail() {
        KafkaStreams s = streams;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", s == null ? "NOT_STARTED" : s.state().name());
        int active = 0;
        if (s != null && s.state().isRunningOrRebalancing()) {
            for (var thread : s.metadataForLocalThreads()) {
                active += thread.activeTasks().size();
            }
        }
        out.put("active_tasks", active);
        out.put("restoring_partitions", restoring.get());
        out.put("restored_records", restored.get());
        return out;
    }

    /** Where the entry of {@code partitionKey} in {@code store} lives. */
    Owner owner(String store, String partitionKey) {
        KafkaStreams s = streams;
        if (s == null) {
            return new Owner.Unknown();
        }
        try {
            return ownerOf(s.queryMetadataForKey(store, partitionKey, KEYS));
        } catch (IllegalStateException e) {
            return new Owner.Unknown();
        }
    }

    private Owner ownerOf(KeyQueryMetadata m) {
        if (m == null || m.equals(KeyQueryMetadata.NOT_AVAILABLE) || m.activeHost() == null
                || m.activeHost().equals(HostInfo.unavailable())) {
            return new Owner.Unknown();
        }
        return m.activeHost().equals(self) ? new Owner.Local(m.partition()) : new Owner.Remote(m.activeHost());
    }

    /**
     * Where the entries of many keys of {@code storeName} live, asked once per partition rather than once per key
     * ({@code queryMetadataForKey} locks the stream's metadata and walks it on every call): Kafka Streams is asked with
     * a partitioner that names the partition in question, which gives that partition's owner and, as the partitioner's
     * argument, how many partitions there are; a key's partition is then what Kafka Streams' default partitioner makes
     * of it ({@link Placement#owner}).
     */
    Placement placement(String storeName) {
        int[] partitions = {0};
        List<Owner> owners = new ArrayList<>();
        owners.add(ownerOfPartition(storeName, 0, partitions));
        for (int p = 1; p < partitions[0]; p++) {
            owners.add(ownerOfPartition(storeName, p, partitions));
        }
        return new Placement(List.copyOf(owners));
    }

    /**
     * The owner of each partition of a store, from {@link #placement}: as many as it has, or one {@code Unknown} when
     * the stream could not say.
     */
    record Placement(List<Owner> owners) {

        /** Where the entry of {@code partitionKey} lives: its partition as Kafka Streams' default partitioner says. */
        Owner owner(String partitionKey) {
            byte[] bytes = KEYS.serialize(null, partitionKey);
            return owners.get(Utils.toPositive(Utils.murmur2(bytes)) % owners.size());
        }
    }

    private Owner ownerOfPartition(String storeName, int partition, int[] partitions) {
        KafkaStreams s = streams;
        if (s == null) {
            return new Owner.Unknown();
        }
        try {
            return ownerOf(s.queryMetadataForKey(storeName, "", (topic, key, value, count) -> {
                partitions[0] = count;
                return Optional.of(Set.of(partition));
            }));
        } catch (IllegalStateException e) {
            return new Owner.Unknown();
        }
    }

    /**
     * The snapshots of these jobs, all of {@code partition} held here (see {@link #placement}), by job id; a job the
     * store has no entry for is absent. Many jobs are read with one ordered read over their keys (a batch's jobs
     * are next to each other: their ids sort in submission order), not a lookup each, which resolves the partition's
     * store anew every time.
     */
    Map<String, JobSnapshot> localJobs(List<String> jobIds, int partition) {
        ReadOnlyKeyValueStore<String, byte[]> store = store(JobStatusTopology.JOB_STORE, partition);
        Map<String, JobSnapshot> found = new HashMap<>();
        if (jobIds.size() < RANGE_FROM) {
            for (String id : jobIds) {
                byte[] value = store.get(JobStatusTopology.jobKey(id));
                if (value != null) {
                    found.put(id, snapshots.read(value).snapshot());
                }
            }
            return found;
        }
        Set<String> wanted = new HashSet<>();
        String first = null;
        String last = null;
        for (String id : jobIds) {
            String key = JobStatusTopology.jobKey(id);
            wanted.add(key);
            first = first == null || key.compareTo(first) < 0 ? key : first;
            last = last == null || key.compareTo(last) > 0 ? key : last;
        }
        try (KeyValueIterator<String, byte[]> range = store.range(first, last)) {
            while (range.hasNext() && found.size() < wanted.size()) {
                var entry = range.next();
                if (wanted.contains(entry.key)) {
                    JobSnapshot snapshot = snapshots.read(entry.value).snapshot();
                    found.put(snapshot.jobId(), snapshot);
                }
            }
        }
        return found;
    }

    /**
     * The job ids of the batch {@code batchId} listed in {@code partition} (the batch id's own) by the ingest that
     * wrote it, in submission order; empty when it has no parts there (not listed: see {@link #localIndex}) or not
     * all of them yet, with what its first part says it was created from ({@link JobStatusTopology#listed}).
     */
    JobStatusView.BatchJobs localListed(String batchId, int partition) {
        return JobStatusTopology.listed(store(JobStatusTopology.INDEX_STORE, partition), batchId, manifests);
    }

    /**
     * Up to {@code limit} ids of the batches listed in the index store partitions this instance holds, newest first,
     * submitted before the batch {@code before} (null: from the newest), those of a tenant {@code visible} accepts
     * (a list entry without a tenant is passed as null). A partition restoring or moving is an
     * {@link InvalidStateStoreException}.
     */
    List<String> localBatches(String before, int limit, Predicate<String> visible) {
        List<String> ids = new ArrayList<>();
        for (int partition : localPartitions(JobStatusTopology.INDEX_STORE)) {
            ids.addAll(JobStatusTopology.listedBatches(store(JobStatusTopology.INDEX_STORE, partition), before, limit,
                    visible));
        }
        ids.sort(Comparator.reverseOrder());
        return ids.size() > limit ? List.copyOf(ids.subList(0, limit)) : ids;
    }

    /**
     * The other instances holding partitions of {@code storeName}. While the stream is not {@code RUNNING}
     * (starting, rebalancing) some partitions may have no owner: an {@link InvalidStateStoreException}.
     */
    List<HostInfo> otherHosts(String storeName) {
        KafkaStreams s = streams;
        if (s == null || s.state() != KafkaStreams.State.RUNNING) {
            throw new InvalidStateStoreException("the status store is not running");
        }
        return s.streamsMetadataForStore(storeName).stream().map(StreamsMetadata::hostInfo)
                .filter(h -> !h.equals(self)).distinct().toList();
    }

    /** The partitions of {@code storeName} this instance holds as active tasks. */
    private List<Integer> localPartitions(String storeName) {
        KafkaStreams s = streams;
        if (s == null || !s.state().isRunningOrRebalancing()) {
            throw new InvalidStateStoreException("the status store is not running");
        }
        List<Integer> partitions = new ArrayList<>();
        for (var thread : s.metadataForLocalThreads()) {
            for (var task : thread.activeTasks()) {
                if (storeName.equals(storeOf(task.topicPartitions()))) {
                    partitions.add(task.taskId().partition());
                }
            }
        }
        return partitions;
    }

    /**
     * Whether partition {@code partition} of {@code storeName}, held here, may not have read yet the entry keyed
     * {@code key} that a lookup did not find: a record of the partition's inputs that holds such entries (the jobs
     * topics for a job, the batches topic for a listed batch) was polled but not processed yet, the stream's consumer
     * last heard of records it has not fetched (its {@code records-lag}; unknown counts as behind), or a record keyed
     * {@code key} is past what was processed ({@link UnreadTail}: read when the first two say nothing, as they speak
     * of the last fetch). False: the store has read every record that was committed when this was asked.
     */
    boolean mayNotHaveRead(String storeName, int partition, String key) {
        KafkaStreams s = streams;
        if (s == null || !s.state().isRunningOrRebalancing()) {
            return true;
        }
        try {
            return mayNotHaveRead(s, storeName, partition, key);
        } catch (KafkaException | IllegalStateException e) { // Kafka not answering, the stream stopping: cannot tell
            LOG.debug("status store: cannot tell whether {} was read: {}", key, e.toString());
            return true;
        }
    }

    private boolean mayNotHaveRead(KafkaStreams s, String storeName, int partition, String key) {
        TopicNames topics = settings.topics();
        List<String> inputs = JobStatusTopology.JOB_STORE.equals(storeName)
                ? List.of(topics.jobs(), topics.jobsInteractive()) : List.of(topics.batches());
        Map<TopicPartition, Long> polled = new HashMap<>();
        Map<TopicPartition, Long> committed = new HashMap<>();
        for (var thread : s.metadataForLocalThreads()) {
            for (var task : thread.activeTasks()) {
                if (task.taskId().partition() == partition) {
                    polled.putAll(task.endOffsets());
                    committed.putAll(task.committedOffsets());
                }
            }
        }
        Map<MetricName, ? extends Metric> metrics = s.metrics();
        Map<TopicPartition, Long> from = new HashMap<>();
        for (String topic : inputs) {
            TopicPartition tp = new TopicPartition(topic, partition);
            long processed = progress.processed(tp);
            Long last = polled.get(tp);
            if (last != null && last > processed || !(recordsLag(metrics, tp) <= 0)) {
                return true;
            }
            // nothing processed since the task started: it resumed from its committed offset
            from.put(tp, processed >= 0 ? processed + 1 : committed.getOrDefault(tp, -1L));
        }
        if (from.containsValue(-1L)) {
            Map<TopicPartition, Long> resumed = groupOffsets();
            from.replaceAll((tp, offset) -> offset >= 0 ? offset : resumed.getOrDefault(tp, 0L));
        }
        return tail.holds(from, key);
    }

    /**
     * The offsets the status store's application has committed (where a task resumes): asked of the broker when a task
     * has neither processed nor committed anything since it started (an idle partition after a restart). Unknown
     * (Kafka not answering) reads as none: the tails are then read from the beginning, or counted as holding an entry.
     */
    private Map<TopicPartition, Long> groupOffsets() {
        Map<TopicPartition, Long> out = new HashMap<>();
        try {
            admin.listConsumerGroupOffsets(applicationId(settings.topics())).partitionsToOffsetAndMetadata()
                    .get(settings.kafkaTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .forEach((tp, offset) -> {
                        if (offset != null) {
                            out.put(tp, offset.offset());
                        }
                    });
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("status store: committed offsets not read: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /**
     * The largest {@code records-lag} the stream's consumers report for {@code tp} (records the broker holds that
     * were not fetched, as of the last fetch; the tags name a topic with its dots as underscores), NaN when none does.
     */
    static double recordsLag(Map<MetricName, ? extends Metric> metrics, TopicPartition tp) {
        String topic = tp.topic().replace('.', '_');
        String partition = Integer.toString(tp.partition());
        double lag = Double.NaN;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName name = e.getKey();
            if ("records-lag".equals(name.name()) && "consumer-fetch-manager-metrics".equals(name.group())
                    && topic.equals(name.tags().get("topic")) && partition.equals(name.tags().get("partition"))
                    && e.getValue().metricValue() instanceof Double value && !value.isNaN()) {
                lag = Double.isNaN(lag) ? value : Math.max(lag, value);
            }
        }
        return lag;
    }

    /** The store of a task reading {@code partitions}: the index's tasks read the repartition topic. */
    private static String storeOf(Set<TopicPartition> partitions) {
        return partitions.stream()
                .anyMatch(tp -> tp.topic().endsWith(JobStatusTopology.INDEX_REPARTITION + "-repartition"))
                ? JobStatusTopology.INDEX_STORE : JobStatusTopology.JOB_STORE;
    }

    /** The job ids indexed under {@code partitionKey} (a batch or an idempotency key), in submission order. */
    List<String> localIndex(String partitionKey, int partition) {
        String prefix = JobStatusTopology.indexPrefix(partitionKey);
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store(JobStatusTopology.INDEX_STORE, partition)
                .prefixScan(prefix, KEYS)) {
            it.forEachRemaining(kv -> ids.add(kv.key.substring(prefix.length())));
        }
        return ids;
    }

    private ReadOnlyKeyValueStore<String, byte[]> store(String name, int partition) {
        KafkaStreams s = streams;
        if (s == null) {
            throw new InvalidStateStoreException("the status store is not started");
        }
        return s.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, byte[]>keyValueStore())
                .withPartition(partition));
    }

    /** Leaves the group (the partitions move at once), closes the stores, deletes a temporary state directory. */
    @Override
    public synchronized void close() {
        StartupCatchUp c = catchUp;
        if (c != null) {
            c.close();
        }
        tail.close();
        Admin a = admin;
        if (a != null) {
            a.close(Duration.ofSeconds(5));
        }
        KafkaStreams s = streams;
        // leaving the group needs the broker: with Kafka gone, close would wait out its whole timeout for nothing
        Duration twice = settings.kafkaTimeout().multipliedBy(2);
        Duration closeTimeout = twice.compareTo(MIN_CLOSE) < 0 ? MIN_CLOSE : twice;
        if (s != null && !s.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(closeTimeout))) {
            LOG.warn("ingest {} status store did not stop within {} s", settings.instanceId(),
                    closeTimeout.toSeconds());
        }
        try {
            stateDir.close();
        } catch (IOException e) {
            LOG.warn("ingest {}: temporary state directory {} not deleted", settings.instanceId(), stateDir.path(), e);
        }
    }

    /** Counts the partitions being restored from their changelogs, and the records restored. */
    private final class Restorations implements StateRestoreListener {
        @Override
        public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset, long endingOffset) {
            restoring.incrementAndGet();
            LOG.info("status store restores {} from {} ({} records)", partition, storeName,
                    endingOffset - startingOffset);
        }

        @Override
        public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset,
                                    long numRestored) {
            restored.addAndGet(numRestored);
        }

        @Override
        public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
            restoring.decrementAndGet();
        }

        @Override
        public void onRestoreSuspended(TopicPartition partition, String storeName, long totalRestored) {
            restoring.decrementAndGet();
        }
    }
}
