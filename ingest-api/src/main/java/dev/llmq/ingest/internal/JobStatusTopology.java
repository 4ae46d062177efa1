package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TopicNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status store's topology: job snapshots by job id, and the batch and idempotency indexes, kept for a retention.
 *
 * <p>{@value #JOB_STORE} (RocksDB, changelogged) is fed by the jobs topics (batch and interactive), the status topic
 * and the results topic, all keyed by job id and co-partitioned, so one task holds every record of a job: store key
 * {@code j<job id>}, value the {@link JobSnapshot} as JSON and, once the job has finished, its result record's bytes
 * as they came ({@link StoredSnapshot}). Its writes wait in the heap until the task commits ({@link HeldWritesStore}),
 * so a job whose result comes within one commit interval of its job record is written to RocksDB and the changelog
 * once. Of a job or result record only the fields a snapshot takes are read. The first terminal result wins; a result
 * may come before its job record; a running event after the result changes nothing.
 *
 * <p>A batch the ingest wrote is listed on the batches topic ({@link BatchManifest}: its job ids in parts of a
 * thousand, keyed by the batch id, in the transaction of its jobs, whose records carry
 * {@link LlmqHeaders#BATCH_LISTED}); those parts go to {@value #INDEX_STORE} as they came, store key
 * {@code m<batch id>\0<part, 8 digits>}, in the partition of the batch id. Every other job record goes, re-keyed,
 * through one repartition topic ({@value #INDEX_REPARTITION}) to {@value #INDEX_STORE}: by {@code b<batch id>} for a
 * batch not listed (another writer's, an older ingest's) and by {@code i<tenant>\0<key>} for an idempotency key.
 * Store key: that partition key, {@code \0}, the job id (ids sort in submission order), so a prefix scan lists a
 * batch's or a key's jobs in order. The owner of a batch's parts is found with the batch id, that of the other entries
 * with their partition key ({@link #batchKey}, {@link #idempotencyKey}). The repartition topic and the batches topic
 * have the same partitions (the topics' count), so both feed the same tasks. A listed batch whose id the ingest made
 * also gets a list entry, {@code l<batch id>} (value: its tenant, UTF-8, empty when the part names none), written with
 * its first part: a reverse range scan of those lists the partition's batches newest first ({@code GET /v1/batches}).
 * A store that held parts before list entries existed gets theirs once, after it starts ({@link #BACKFILLED}).
 *
 * <p>Retention: a wall-clock punctuator deletes the entries created more than the retention ago (tombstones on the
 * compacted changelogs) with range scans that visit only what they delete, never a scan of the store. A job made by
 * the ingest has a time-ordered id ({@link JobIds}), so its snapshot's key sorts by when it was submitted and the
 * purge range-scans the {@code j} keys up to the first id of now minus the retention. A batch made by the ingest has
 * a time-ordered id too, so its parts and index lines sort by when it was submitted and are purged the same way, all
 * at once; writing one needs no read first (a repeat writes the same entry). Every other entry (an idempotency key's
 * index line, a job or batch id from another writer) has an expiry line, {@code x<16 hex digits of the entry's first
 * record timestamp><entry key>}, written when the entry is created, and the purge range-scans those lines. Records
 * already older than the retention when read (a store rebuilt from old topics) are not stored at all.
 *
 * <p>The processors of the jobs topics and of the batches topic mark how far they have processed each partition
 * ({@link ReadProgress}), so that a lookup that found nothing can tell an entry not read yet from an unknown one
 * ({@link StatusStore#mayNotHaveRead}).
 */
public final class JobStatusTopology {

    /** Job snapshots by job id, and their expiry index. */
    public static final String JOB_STORE = "job-status";
    /** Batch and idempotency-key indexes, and their expiry index. */
    public static final String INDEX_STORE = "job-index";
    /** The repartition topic's name within the application ({@code <application id>-job-index-repartition}). */
    static final String INDEX_REPARTITION = "job-index";
    /**
     * How much of the job store's writes wait in the heap for the task's commit ({@link HeldWritesStore}) at most:
     * at 5,000 jobs a second a commit interval's snapshots, each job's twice (queued, then with its result).
     */
    static final long MAX_HELD_BYTES = 16L << 20;
    /** How many expired entries one punctuation deletes at most; the next one continues. */
    static final int PURGE_BATCH = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(JobStatusTopology.class);
    private static final char JOB = 'j';
    private static final char BATCH = 'b';
    private static final char IDEMPOTENCY = 'i';
    private static final char EXPIRY = 'x';
    private static final char MANIFEST = 'm';
    private static final char LISTED = 'l';
    /**
     * The mark of a store partition whose listed batches all have their list entries: written by the backfill that
     * gives the batches of a store written before list entries existed theirs, so it runs once per partition. Outside
     * every range the purge or the list scans.
     */
    static final String BACKFILLED = "_list-entries";
    private static final char SEPARATOR = '\u0000';

    private JobStatusTopology() {
    }

    /** The topology over {@code topics}, keeping entries for {@code retention}. */
    public static Topology topology(TopicNames topics, Duration retention, ObjectMapper mapper) {
        return topology(topics, retention, mapper, new ReadProgress());
    }

    /**
     * As {@link #topology(TopicNames, Duration, ObjectMapper)}, marking in {@code progress} how far the jobs topics
     * and the batches topic have been processed.
     */
    static Topology topology(TopicNames topics, Duration retention, ObjectMapper mapper, ReadProgress progress) {
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(mapper, "mapper");
        if (retention == null || retention.isZero() || retention.isNegative()) {
            throw new IllegalArgumentException("retention must be positive");
        }
        long retentionMs = retention.toMillis();
        long purgeEveryMs = purgeInterval(retention).toMillis();
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(HeldWritesStore.builder(Stores.persistentKeyValueStore(JOB_STORE), MAX_HELD_BYTES));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(INDEX_STORE),
                Serdes.String(), Serdes.ByteArray()));
        Consumed<String, byte[]> consumed = Consumed.with(Serdes.String(), Serdes.ByteArray());

        List<String> jobTopics = List.of(topics.jobs(), topics.jobsInteractive());
        KStream<String, byte[]> jobs = builder.stream(jobTopics, consumed.withName("jobs"));
        jobs.process(() -> new SnapshotProcessor(Source.JOBS, mapper, retentionMs, purgeEveryMs)
                                .marking(progress, jobTopics), Named.as("jobs-to-snapshots"), JOB_STORE)
                .repartition(Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName(INDEX_REPARTITION))
                .process(() -> new IndexProcessor(retentionMs, purgeEveryMs), Named.as("index"), INDEX_STORE);
        // the same store, so the same tasks as the repartition topic's (the topics have the same partitions)
        builder.stream(topics.batches(), consumed.withName("batches"))
                .process(() -> new ManifestProcessor(mapper, retentionMs, progress, topics.batches()),
                        Named.as("batches-to-index"), INDEX_STORE);
        builder.stream(topics.status(), consumed.withName("status"))
                .process(() -> new SnapshotProcessor(Source.STATUS, mapper, retentionMs, 0),
                        Named.as("status-to-snapshots"), JOB_STORE);
        builder.stream(topics.results(), consumed.withName("results"))
                .process(() -> new SnapshotProcessor(Source.RESULTS, mapper, retentionMs, 0),
                        Named.as("results-to-snapshots"), JOB_STORE);
        return builder.build();
    }

    /** How often expired entries are purged: a quarter of the retention, between 100 ms and one minute. */
    static Duration purgeInterval(Duration retention) {
        long ms = Math.clamp(retention.toMillis() / 4, 100, 60_000);
        return Duration.ofMillis(ms);
    }

    /** The store key of a job's snapshot in {@value #JOB_STORE}. */
    static String jobKey(String jobId) {
        return JOB + jobId;
    }

    /** The partition key of a batch in {@value #INDEX_STORE} (its owner is found with it). */
    static String batchKey(String batchId) {
        return BATCH + batchId;
    }

    /** The partition key of an idempotency key, scoped by tenant (null: none), in {@value #INDEX_STORE}. */
    static String idempotencyKey(String tenant, String key) {
        return IDEMPOTENCY + (tenant == null ? "" : tenant) + SEPARATOR + key;
    }

    /**
     * The prefix of a listed batch's parts in {@value #INDEX_STORE}; what follows is the part's number (8 digits).
     * The parts are in the partition of the batch id itself.
     */
    static String manifestPrefix(String batchId) {
        return MANIFEST + batchId + SEPARATOR;
    }

    /** The key of a listed batch's list entry in {@value #INDEX_STORE}, in the partition of the batch id. */
    static String listKey(String batchId) {
        return LISTED + batchId;
    }

    /**
     * Up to {@code limit} ids of the batches listed in one partition of {@value #INDEX_STORE}, newest first,
     * submitted before the batch {@code before} (null: from the newest), those of a tenant {@code visible} accepts
     * (a list entry without a tenant is passed as null): a reverse range scan of the list entries ({@link #listKey}).
     */
    static List<String> listedBatches(ReadOnlyKeyValueStore<String, byte[]> store, String before, int limit,
                                      Predicate<String> visible) {
        List<String> ids = new ArrayList<>();
        String last = before == null ? listKey(JobIds.BATCH_PREFIX + '~') : listKey(before); // '~' sorts after ids
        try (KeyValueIterator<String, byte[]> it = store.reverseRange(listKey(JobIds.BATCH_PREFIX), last)) {
            while (it.hasNext() && ids.size() < limit) {
                KeyValue<String, byte[]> entry = it.next();
                String id = entry.key.substring(1);
                if (!id.equals(before) && visible.test(entry.value.length == 0 ? null
                        : new String(entry.value, StandardCharsets.UTF_8))) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }

    /**
     * The listed batch {@code batchId} in {@code store}: its job ids in submission order, once every one of its parts
     * is there (none before: a batch's parts come in one transaction but may be read over several polls, and a batch
     * read in part would show a part of its jobs as all of them), and what its first part says it was created from.
     */
    static JobStatusView.BatchJobs listed(ReadOnlyKeyValueStore<String, byte[]> store, String batchId,
                                          JsonSerde<BatchManifest> manifests) {
        List<String> ids = new ArrayList<>();
        BatchManifest.FileBatch fileBatch = null;
        String tenant = null;
        int read = 0;
        int parts = 0;
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(manifestPrefix(batchId),
                Serdes.String().serializer())) {
            while (it.hasNext()) { // parts in order
                BatchManifest part = manifests.fromBytes(it.next().value);
                ids.addAll(part.jobIds());
                parts = part.parts();
                fileBatch = part.part() == 0 ? part.fileBatch() : fileBatch;
                tenant = part.tenant() != null ? part.tenant() : tenant;
                read++;
            }
        }
        return new JobStatusView.BatchJobs(read == parts ? ids : List.of(), fileBatch, tenant);
    }

    static String manifestKey(String batchId, int part) {
        return manifestPrefix(batchId) + String.format("%08d", part);
    }

    /** The prefix of every index entry under a partition key; what follows it is a job id. */
    static String indexPrefix(String partitionKey) {
        return partitionKey + SEPARATOR;
    }

    /**
     * Visits up to {@code max} listed batches, from the first whose parts' keys are at or after {@code from} (null:
     * the first), and writes the list entry of each whose id the ingest made and that has none. Returns where the
     * next call goes on, or null once every batch has been visited (then {@link #BACKFILLED} is written).
     */
    static String backfillListEntries(KeyValueStore<String, byte[]> store, String from, int max,
                                      JsonSerde<BatchManifest> manifests) {
        String next = from == null ? String.valueOf(MANIFEST) : from;
        String end = String.valueOf((char) (MANIFEST + 1));
        for (int visited = 0; visited < max; visited++) {
            String batchId;
            byte[] part;
            try (KeyValueIterator<String, byte[]> it = store.range(next, end)) {
                if (!it.hasNext()) {
                    store.put(BACKFILLED, new byte[0]);
                    return null;
                }
                KeyValue<String, byte[]> first = it.next();
                int separator = first.key.indexOf(SEPARATOR);
                batchId = first.key.substring(1, separator < 0 ? first.key.length() : separator);
                part = first.value;
            }
            next = MANIFEST + batchId + (char) (SEPARATOR + 1); // past every part of this batch
            if (JobIds.batchMillisOf(batchId) >= 0 && store.get(listKey(batchId)) == null) {
                String tenant;
                try {
                    tenant = manifests.fromBytes(part).tenant();
                } catch (RuntimeException e) {
                    tenant = null; // its jobs decide who sees it
                }
                store.put(listKey(batchId), tenant == null ? new byte[0] : utf8(tenant));
            }
        }
        return next;
    }

    private static String expiryKey(long timestamp, String entryKey) {
        return EXPIRY + String.format("%016x", Math.max(0, timestamp)) + entryKey;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private enum Source { JOBS, STATUS, RESULTS }

    /**
     * Deletes the job snapshots whose time-ordered ids were made before {@code cutoff}, at most {@link #PURGE_BATCH}
     * (they have no expiry lines). Returns how many were deleted.
     */
    private static int purgeByJobId(KeyValueStore<String, byte[]> store, long cutoff) {
        return purgeRange(store, jobKey(JobIds.JOB_PREFIX), jobKey(JobIds.firstIdAt(cutoff)),
                key -> JobIds.millisOf(key.substring(1)) >= 0);
    }

    /**
     * Deletes the index lines of the batches whose time-ordered ids were made before {@code cutoff}, at most
     * {@link #PURGE_BATCH} (they have no expiry lines). Returns how many were deleted.
     */
    private static int purgeByBatchId(KeyValueStore<String, byte[]> store, long cutoff) {
        return purgeRange(store, batchKey(JobIds.BATCH_PREFIX), batchKey(JobIds.firstBatchIdAt(cutoff)),
                JobStatusTopology::timeOrderedBatch)
                + purgeRange(store, MANIFEST + JobIds.BATCH_PREFIX, MANIFEST + JobIds.firstBatchIdAt(cutoff),
                JobStatusTopology::timeOrderedBatch)
                + purgeRange(store, listKey(JobIds.BATCH_PREFIX), listKey(JobIds.firstBatchIdAt(cutoff)),
                JobStatusTopology::timeOrderedBatch);
    }

    /**
     * Deletes the keys from {@code from} to {@code to} that are {@code timeOrdered}, at most {@link #PURGE_BATCH}:
     * another writer's id that sorts among them has its expiry line and is left to {@link #purge}.
     */
    private static int purgeRange(KeyValueStore<String, byte[]> store, String from, String to,
                                  Predicate<String> timeOrdered) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range(from, to)) {
            while (it.hasNext() && expired.size() < PURGE_BATCH) {
                String key = it.next().key;
                if (timeOrdered.test(key)) {
                    expired.add(key);
                }
            }
        }
        expired.forEach(store::delete);
        return expired.size();
    }

    /** Marks the record {@code context} is processing as processed ({@link ReadProgress}), when marks are kept. */
    private static void mark(ReadProgress.Marks marks, ProcessorContext<?, ?> context) {
        if (marks != null) {
            context.recordMetadata().ifPresent(m -> marks.processed(m.topic(), m.offset()));
        }
    }

    /** Whether a record has a key and a value and is younger than the retention: older ones are not stored. */
    private static boolean storable(Record<String, byte[]> record, ProcessorContext<?, ?> context, long retentionMs) {
        return record.key() != null && record.value() != null
                && record.timestamp() >= context.currentSystemTimeMs() - retentionMs;
    }

    /**
     * Writes an index entry. One of a batch the ingest made ({@code byBatchTime}) is purged by the batch id's time, so
     * it is one put (a repeat writes the same entry); any other gets an expiry line when it is created.
     */
    private static void putEntry(KeyValueStore<String, byte[]> store, String key, byte[] value, long timestamp,
                                 boolean byBatchTime) {
        if (byBatchTime) {
            store.put(key, value);
        } else if (store.get(key) == null) {
            store.put(key, value);
            store.put(expiryKey(timestamp, key), new byte[0]);
        }
    }

    /**
     * Whether {@code key} (an index partition key or line, a part's key or a list entry's) is a batch's whose id the
     * ingest made.
     */
    private static boolean timeOrderedBatch(String key) {
        if (key.isEmpty() || (key.charAt(0) != BATCH && key.charAt(0) != MANIFEST && key.charAt(0) != LISTED)) {
            return false;
        }
        int end = key.indexOf(SEPARATOR);
        return JobIds.batchMillisOf(key.substring(1, end < 0 ? key.length() : end)) >= 0;
    }

    /**
     * Deletes the entries (and their expiry lines) created before {@code cutoff}, at most {@link #PURGE_BATCH}.
     * Returns how many entries were deleted.
     */
    private static int purge(KeyValueStore<String, byte[]> store, long cutoff) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range(String.valueOf(EXPIRY), expiryKey(cutoff, ""))) {
            while (it.hasNext() && expired.size() < PURGE_BATCH) {
                expired.add(it.next().key);
            }
        }
        for (String line : expired) {
            store.delete(line.substring(17));
            store.delete(line);
        }
        return expired.size();
    }

    /** Applies job, status and result records to the job's snapshot; the jobs' also go on to the indexes. */
    private static final class SnapshotProcessor implements Processor<String, byte[], String, byte[]> {

        private static final byte[] NO_RESULT = new byte[0];

        private final Source source;
        private final ObjectMapper mapper;
        private final JsonSerde<JobHead> jobHeads;
        private final JsonSerde<ResultHead> resultHeads;
        private final StoredSnapshot.Codec snapshots;
        private final long retentionMs;
        private final long purgeEveryMs;
        private ProcessorContext<String, byte[]> context;
        private KeyValueStore<String, byte[]> store;
        private ReadProgress progress;
        private List<String> marked;
        private ReadProgress.Marks marks;

        SnapshotProcessor(Source source, ObjectMapper mapper, long retentionMs, long purgeEveryMs) {
            this.source = source;
            this.mapper = mapper;
            this.jobHeads = new JsonSerde<>(JobHead.class, mapper);
            this.resultHeads = new JsonSerde<>(ResultHead.class, mapper);
            this.snapshots = new StoredSnapshot.Codec(mapper);
            this.retentionMs = retentionMs;
            this.purgeEveryMs = purgeEveryMs;
        }

        /** Marks in {@code progress} how far this processor has processed {@code topics}. */
        SnapshotProcessor marking(ReadProgress progress, List<String> topics) {
            this.progress = progress;
            this.marked = topics;
            return this;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            this.store = context.getStateStore(JOB_STORE);
            if (progress != null) {
                marks = progress.start(context.taskId().partition(), marked);
            }
            if (purgeEveryMs > 0) {
                // one purger per task (the jobs processor's); the store is the task's, shared by the three processors
                context.schedule(Duration.ofMillis(purgeEveryMs), PunctuationType.WALL_CLOCK_TIME,
                        now -> {
                            long cutoff = now - retentionMs;
                            int n = purgeByJobId(store, cutoff) + purge(store, cutoff);
                            if (n > 0) {
                                LOG.debug("status store purged {} expired jobs", n);
                            }
                        });
            }
        }

        @Override
        public void process(Record<String, byte[]> record) {
            try {
                process0(record);
            } finally {
                mark(marks, context);
            }
        }

        private void process0(Record<String, byte[]> record) {
            if (!storable(record, context, retentionMs)) {
                return;
            }
            try {
                switch (source) {
                    case JOBS -> job(record);
                    case STATUS -> status(record);
                    case RESULTS -> result(record);
                }
            } catch (RuntimeException e) {
                LOG.warn("status store skips a record of job {} from {}: {}", record.key(), source, e.toString());
            }
        }

        /** Only the job's own fields are read; its body only when the job has an idempotency key (its fingerprint). */
        private void job(Record<String, byte[]> record) {
            JobHead h = jobHeads.fromBytes(record.value());
            requireKey(record, h.jobId());
            String fingerprint = null;
            if (h.idempotencyKey() != null) {
                JobRequest r = JsonSerde.jobRequest().fromBytes(record.value());
                fingerprint = Fingerprints.ofJob(mapper, r.customId(), r.modelGroup(), r.body());
            }
            JobSnapshot fresh = JobSnapshot.queued(h.jobId(), h.batchId(), h.customId(), h.tenant(), h.modelGroup(),
                    h.stream(), h.submittedAt(), h.idempotencyKey(), fingerprint, h.deadline());
            update(h.jobId(), record.timestamp(), old -> old == null ? fresh : old.fillFrom(fresh), null);
            if (h.batchId() != null && record.headers().lastHeader(LlmqHeaders.BATCH_LISTED) == null) {
                context.forward(indexLine(record, batchKey(h.batchId()), h.jobId()));
            }
            if (h.idempotencyKey() != null) {
                context.forward(indexLine(record, idempotencyKey(h.tenant(), h.idempotencyKey()), h.jobId()));
            }
        }

        /**
         * The record for the index: its partition key and the job id, with the job record's timestamp and none of
         * its headers (the index reads neither, and each header is bytes on the repartition topic and work for
         * Kafka Streams' accounting of every record it reads).
         */
        private static Record<String, byte[]> indexLine(Record<String, byte[]> job, String partitionKey,
                                                        String jobId) {
            return job.withKey(partitionKey).withValue(utf8(jobId)).withHeaders(new RecordHeaders());
        }

        private void status(Record<String, byte[]> record) {
            JobStatusEvent e = JsonSerde.jobStatusEvent().fromBytes(record.value());
            requireKey(record, e.jobId());
            if (e.status() != JobStatus.RUNNING) {
                return;
            }
            update(e.jobId(), record.timestamp(), old -> (old == null
                    ? new JobSnapshot(e.jobId(), e.batchId(), null, null, null, false, null, JobStatus.QUEUED, null,
                            null, null)
                    : old).withRunning(e), null);
        }

        /**
         * The result's own fields are read (the whole record is checked to be JSON); the record is kept as its
         * bytes beside the snapshot ({@link StoredSnapshot}).
         */
        private void result(Record<String, byte[]> record) {
            ResultHead r = resultHeads.fromBytes(record.value());
            requireKey(record, r.jobId());
            if (!r.status().terminal()) {
                return;
            }
            update(r.jobId(), record.timestamp(), old -> (old == null
                    ? new JobSnapshot(r.jobId(), null, null, null, null, false, null, JobStatus.QUEUED, null, null,
                            null)
                    : old).finishedBy(r.status(), r.batchId(), r.customId(), r.tenant(), r.modelGroup(),
                            r.submittedAt()), record.value());
        }

        /** A record keyed by another job's id would land in the wrong partition's store: skip it. */
        private static void requireKey(Record<String, byte[]> record, String jobId) {
            if (!jobId.equals(record.key())) {
                throw new IllegalArgumentException("the record's key is not its job id");
            }
        }

        /**
         * Applies {@code change} to the job's stored snapshot; {@code result}, when given, is the record of the
         * result that finished the job, kept with it if {@code change} made it terminal.
         */
        private void update(String jobId, long timestamp, java.util.function.UnaryOperator<JobSnapshot> change,
                            byte[] result) {
            String key = jobKey(jobId);
            byte[] before = store.get(key);
            StoredSnapshot old = before == null ? null : snapshots.read(before);
            JobSnapshot oldHead = old == null ? null : old.head();
            JobSnapshot next = change.apply(oldHead);
            if (!next.equals(oldHead)) {
                byte[] kept = result != null && next.terminal() ? result : NO_RESULT;
                store.put(key, old != null && old.hasResult() ? old.withHead(next)
                        : snapshots.write(next, kept, 0, kept.length));
            }
            if (before == null && JobIds.millisOf(jobId) < 0) { // a time-ordered id is purged by its time
                store.put(expiryKey(timestamp, key), new byte[0]);
            }
        }
    }

    /**
     * What the store reads of a job record ({@link JobRequest}): its own fields; the chat body is skipped (a
     * record's JSON is still checked whole).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record JobHead(String jobId, String batchId, String customId, String tenant, String modelGroup, boolean stream,
                   Instant submittedAt, String idempotencyKey, Instant deadline) {
        JobHead {
            if (jobId == null || jobId.isBlank() || modelGroup == null || modelGroup.isBlank()
                    || submittedAt == null) {
                throw new IllegalArgumentException("not a job request: job_id, model_group and submitted_at are "
                        + "required");
            }
        }
    }

    /**
     * What the store reads of a result record ({@link JobResult}): the fields a snapshot takes from it; the record
     * itself is kept as it came (the workers write only whole {@link JobResult}s to the topic).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ResultHead(String jobId, String batchId, String customId, String tenant, String modelGroup,
                      JobStatus status, Instant submittedAt, Instant completedAt) {
        ResultHead {
            if (jobId == null || jobId.isBlank() || status == null || completedAt == null) {
                throw new IllegalArgumentException("not a job result: job_id, status and completed_at are required");
            }
        }
    }

    /** Keeps a listed batch's parts as they came: one entry per part, found by the batch id. */
    private static final class ManifestProcessor implements Processor<String, byte[], Void, Void> {

        private static final byte[] NO_TENANT = new byte[0];
        private static final Duration BACKFILL_EVERY = Duration.ofSeconds(1);
        private Cancellable backfill;
        private String backfillFrom;

        private final JsonSerde<BatchManifest> manifests;
        private final long retentionMs;
        private final ReadProgress progress;
        private final String topic;
        private ProcessorContext<Void, Void> context;
        private KeyValueStore<String, byte[]> store;
        private ReadProgress.Marks marks;

        ManifestProcessor(ObjectMapper mapper, long retentionMs, ReadProgress progress, String topic) {
            this.manifests = new JsonSerde<>(BatchManifest.class, mapper);
            this.retentionMs = retentionMs;
            this.progress = progress;
            this.topic = topic;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.context = context;
            this.store = context.getStateStore(INDEX_STORE);
            this.marks = progress.start(context.taskId().partition(), List.of(topic));
            if (store.get(BACKFILLED) == null) {
                backfill = context.schedule(BACKFILL_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> {
                    backfillFrom = backfillListEntries(store, backfillFrom, PURGE_BATCH, manifests);
                    if (backfillFrom == null) {
                        backfill.cancel();
                    }
                });
            }
        }

        @Override
        public void process(Record<String, byte[]> record) {
            try {
                process0(record);
            } finally {
                mark(marks, context);
            }
        }

        private void process0(Record<String, byte[]> record) {
            if (!storable(record, context, retentionMs)) {
                return;
            }
            BatchManifest part;
            try {
                part = manifests.fromBytes(record.value());
                if (!part.batchId().equals(record.key())) {
                    throw new IllegalArgumentException("the record's key is not its batch id");
                }
            } catch (RuntimeException e) {
                LOG.warn("status store skips a part of batch {}: {}", record.key(), e.toString());
                return;
            }
            boolean timeOrdered = JobIds.batchMillisOf(part.batchId()) >= 0;
            putEntry(store, manifestKey(part.batchId(), part.part()), record.value(), record.timestamp(), timeOrdered);
            if (timeOrdered && part.part() == 0) { // purged with the parts, by the batch id's time
                store.put(listKey(part.batchId()), part.tenant() == null ? NO_TENANT : utf8(part.tenant()));
            }
        }
    }

    /** Keeps the batch and idempotency indexes: one entry per (partition key, job id). */
    private static final class IndexProcessor implements Processor<String, byte[], Void, Void> {

        private static final byte[] PRESENT = new byte[0];
        private final long retentionMs;
        private final long purgeEveryMs;
        private ProcessorContext<Void, Void> context;
        private KeyValueStore<String, byte[]> store;

        IndexProcessor(long retentionMs, long purgeEveryMs) {
            this.retentionMs = retentionMs;
            this.purgeEveryMs = purgeEveryMs;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.context = context;
            this.store = context.getStateStore(INDEX_STORE);
            context.schedule(Duration.ofMillis(purgeEveryMs), PunctuationType.WALL_CLOCK_TIME,
                    now -> {
                        long cutoff = now - retentionMs;
                        purgeByBatchId(store, cutoff);
                        purge(store, cutoff);
                    });
        }

        @Override
        public void process(Record<String, byte[]> record) {
            if (!storable(record, context, retentionMs)) {
                return;
            }
            putEntry(store, indexPrefix(record.key()) + new String(record.value(), StandardCharsets.UTF_8), PRESENT,
                    record.timestamp(), timeOrderedBatch(record.key()));
        }
    }
}
