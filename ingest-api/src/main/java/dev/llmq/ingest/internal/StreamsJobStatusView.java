package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.BatchManifest;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The {@link JobStatusView} of an ingest instance, answered from the status store ({@link StatusStore},
 * {@link JobStatusTopology}): RocksDB on disk, one Kafka Streams application shared by every ingest instance of the
 * cluster. A key this instance holds is read locally; another instance's is asked of that instance
 * ({@link StatusPeers}). Jobs this instance accepted in the last seconds are also found in {@link RecentSubmissions}
 * until the store has read them back (read-your-writes); the store's answer wins once it has one.
 */
public final class StreamsJobStatusView implements JobStatusView {

    /** The internal route at which the other instances ask this one ({@link #answerPeer}). */
    public static final String PEER_PATH = StatusPeers.PATH;

    /** The pause between two tries of a lookup while the store is moving. */
    static final Duration MOVING_RETRY = Duration.ofMillis(100);

    private final IngestSettings settings;
    private final Supplier<URI> advertised;
    private final StatusStore store;
    private final RecentSubmissions recent;
    private final ObjectMapper mapper;
    private final String internalKey;
    private final Retry movingRetry;
    private final Clock clock;
    private final JustMade justMade;
    private volatile StatusPeers peers;

    /**
     * @param advertised where the other instances reach this one; asked at {@link #start()}, once the HTTP server
     *        has its port
     * @param internalKey presented to the other instances on {@link #PEER_PATH}
     * @param kafkaMeters binds the status store's Kafka Streams metrics
     */
    public StreamsJobStatusView(IngestSettings settings, ObjectMapper mapper, Clock clock, Supplier<URI> advertised,
                                String internalKey, KafkaClientMeters kafkaMeters) {
        this.internalKey = Objects.requireNonNull(internalKey, "internalKey");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.justMade = new JustMade(clock);
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.advertised = Objects.requireNonNull(advertised, "advertised");
        this.store = new StatusStore(settings, mapper, kafkaMeters);
        // never longer than the store's own retention: an expired job must not be found here either
        Duration retention = settings.statusRetention();
        this.recent = new RecentSubmissions(clock, Collections.min(List.of(retention, RecentSubmissions.DEFAULT_TTL)),
                RecentSubmissions.DEFAULT_MAX_ENTRIES,
                Collections.min(List.of(retention, RecentSubmissions.DEFAULT_BATCH_TTL)),
                RecentSubmissions.DEFAULT_MAX_BATCHES);
        this.movingRetry = Retry.of("llmq-ingest-status-moving", RetryConfig.custom()
                .maxAttempts((int) Math.max(1, settings.kafkaTimeout().toMillis() / MOVING_RETRY.toMillis()) + 1)
                .waitDuration(MOVING_RETRY)
                .retryOnException(e -> e instanceof ApiException api && "status_unavailable".equals(api.code()))
                .build());
    }

    @Override
    public void start() {
        URI self = advertised.get();
        peers = new StatusPeers(mapper, self.getScheme(), settings.instanceId(), settings.kafkaTimeout(),
                internalKey);
        store.start(new HostInfo(self.getHost(), self.getPort()));
    }

    @Override
    public void recordSubmitted(List<JobSnapshot> queued, BatchManifest.FileBatch fileBatch) {
        if (!queued.isEmpty()) {
            recent.add(queued, fileBatch);
        }
    }

    @Override
    public Optional<SubmittedBatch> submittedBatch(String batchId) {
        return recent.batch(batchId);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A job this instance did not accept, whose id was made a moment ago, is looked for again for a moment before
     * it is unknown ({@link JustMade}): another instance accepted it and this store has not read it yet.
     */
    @Override
    public Optional<JobSnapshot> job(String jobId) {
        Optional<JobSnapshot> pending = recent.get(JobStatusTopology.jobKey(jobId)).stream().findFirst();
        if (pending.isEmpty()) {
            return justMade.job(jobId, () -> whileMoving(() -> storedJob(jobId)));
        }
        List<JobSnapshot> found;
        try {
            found = snapshots(List.of(jobId));
        } catch (ApiException e) {
            return pending;
        }
        return found.isEmpty() ? pending : Optional.of(found.getFirst());
    }

    /**
     * The snapshot the store holds of a job, asked of its owner. Not found where the owner may not have read it yet
     * (an id made in the retention, a partition behind: {@link #unread}) is a 503 {@code status_unavailable}, which
     * {@link #whileMoving} tries again, rather than an unknown job.
     */
    private Optional<JobSnapshot> storedJob(String jobId) {
        List<String> one = List.of(jobId);
        boolean unread;
        Optional<JobSnapshot> found;
        switch (store.owner(JobStatusTopology.JOB_STORE, jobId)) {
            case StatusStore.Owner.Local(int p) -> {
                found = Optional.ofNullable(localJobs(Map.of(p, one)).get(jobId));
                unread = found.isEmpty() && unread(jobId, JobIds.millisOf(jobId), JobStatusTopology.JOB_STORE, p);
            }
            case StatusStore.Owner.Remote(HostInfo host) -> {
                StatusPeers.Answer answer = peers.ask(host, StatusPeers.Query.jobs(one));
                found = answer.jobs().stream().findFirst();
                unread = found.isEmpty() && answer.unread().contains(jobId);
            }
            case StatusStore.Owner.Unknown() -> throw StatusPeers.unavailable("the status store is starting or moving");
        }
        if (unread) {
            throw notReadYet("job " + jobId);
        }
        return found;
    }

    /**
     * Whether the entry {@code id}, made at {@code madeAtMillis} (an id llmq made: {@link JobIds}; -1 for any other),
     * that partition {@code partition} of {@code storeName}, held here, did not have, may not have been read yet:
     * made within the retention and not ahead of this clock by more than {@link JustMade#RECENT}, and the partition
     * not known to have read it ({@link StatusStore#mayNotHaveRead}). Any other miss is an unknown entry.
     */
    private boolean unread(String id, long madeAtMillis, String storeName, int partition) {
        long now = clock.millis();
        return madeAtMillis >= now - settings.statusRetention().toMillis()
                && madeAtMillis <= now + JustMade.RECENT.toMillis() && store.mayNotHaveRead(storeName, partition, id);
    }

    private static ApiException notReadYet(String what) {
        return StatusPeers.unavailable("the status store has not read as far as " + what + " yet");
    }

    /**
     * {@inheritDoc}
     *
     * <p>The batch's job ids are its listed parts (held by the owner of the batch id) when the ingest that wrote it
     * listed it, else its index lines (held by the owner of its partition key).
     */
    @Override
    public List<JobSnapshot> batch(String batchId) {
        return indexed(JobStatusTopology.batchKey(batchId), () -> storedBatchJobs(batchId, false).jobIds(), false);
    }

    /**
     * A batch's job ids: its listed parts (with what its first part says it was created from; an owner older than
     * that says nothing of it), else its index lines (without the recent submissions). With {@code waitUnread}, a
     * batch found nowhere whose list's owner may not have read it yet ({@link #unread}) is a 503
     * {@code status_unavailable} rather than an unknown batch.
     */
    private BatchJobs storedBatchJobs(String batchId, boolean waitUnread) {
        boolean unread;
        BatchJobs listed;
        switch (store.owner(JobStatusTopology.INDEX_STORE, batchId)) {
            case StatusStore.Owner.Local(int p) -> {
                listed = local(() -> store.localListed(batchId, p));
                unread = waitUnread && listed.jobIds().isEmpty()
                        && unread(batchId, JobIds.batchMillisOf(batchId), JobStatusTopology.INDEX_STORE, p);
            }
            case StatusStore.Owner.Remote(HostInfo host) -> {
                StatusPeers.Answer answer = peers.ask(host, StatusPeers.Query.listed(batchId));
                listed = new BatchJobs(answer.jobIds(), answer.fileBatch(), answer.tenant());
                unread = waitUnread && answer.unread().contains(batchId);
            }
            case StatusStore.Owner.Unknown() -> throw StatusPeers.unavailable("the status store is starting or moving");
        }
        if (!listed.jobIds().isEmpty()) {
            return listed;
        }
        List<String> indexed = indexIds(JobStatusTopology.batchKey(batchId));
        if (indexed.isEmpty() && unread) {
            throw notReadYet("batch " + batchId);
        }
        return new BatchJobs(indexed, listed.fileBatch(), listed.tenant());
    }

    /**
     * {@inheritDoc}
     *
     * <p>A batch this instance did not accept, whose id was made a moment ago, is looked for again for a moment before
     * it is unknown ({@link JustMade}): another instance accepted it and this store has not read all of it yet.
     */
    @Override
    public BatchJobs batchJobs(String batchId) {
        if (!recent.get(JobStatusTopology.batchKey(batchId)).isEmpty() || recent.batch(batchId).isPresent()) {
            // remembered here: what the store has not read yet is answered from memory
            return whileMoving(() -> storedBatchJobs(batchId, false));
        }
        Supplier<BatchJobs> read = () -> whileMoving(() -> storedBatchJobs(batchId, true));
        return justMade.batch(batchId, () -> Optional.of(read.get()).filter(b -> !b.jobIds().isEmpty()))
                .orElseGet(() -> new BatchJobs(List.of(), null, null));
    }

    @Override
    public List<JobSnapshot> jobs(List<String> jobIds) {
        return whileMoving(() -> snapshots(jobIds));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Each instance lists its own partitions' batches ({@link StatusStore#localBatches}); the others are asked,
     * and the newest {@code limit} of all answers are kept. While the store rebalances this waits, then answers 503.
     */
    @Override
    public List<String> batchIds(String before, int limit, Caller caller) {
        StatusPeers.Batches question = new StatusPeers.Batches(before, limit, caller.tenant(), caller.allTenants());
        return whileMoving(() -> {
            List<String> ids = new ArrayList<>(local(() -> store.localBatches(before, limit, question::sees)));
            for (HostInfo other : local(() -> store.otherHosts(JobStatusTopology.INDEX_STORE))) {
                ids.addAll(peers.ask(other, StatusPeers.Query.batches(question)).batchIds());
            }
            ids.sort(Comparator.reverseOrder());
            return List.copyOf(ids.subList(0, Math.min(limit, ids.size())));
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>All of the key's submission or nothing: the store purges a submission's entries one partition at a time
     * (its jobs' snapshots, its key and batch index lines each expire on their own partition's schedule), so near the
     * end of the retention a lookup may find part of it, whose fingerprint would not match a retry of the whole
     * (422). A submission with a job indexed but no longer stored, or submitted longer ago than the retention (the
     * purge's own cutoff), has expired and counts as absent: the key is free again.
     */
    @Override
    public List<JobSnapshot> byIdempotencyKey(String tenant, String key) {
        String partitionKey = JobStatusTopology.idempotencyKey(tenant, key);
        return indexed(partitionKey, () -> indexIds(partitionKey), true);
    }

    /**
     * The key's submission if none of it has expired, else nothing: every job indexed under the key is still
     * stored, and none was submitted at or before {@code cutoff} (now minus the retention, the purge's own cutoff).
     */
    static List<JobSnapshot> wholeAndUnexpired(List<String> indexed, List<JobSnapshot> found, Instant cutoff) {
        Set<String> ids = new HashSet<>();
        for (JobSnapshot s : found) {
            if (s.submittedAt() != null && !s.submittedAt().isAfter(cutoff)) {
                return List.of();
            }
            ids.add(s.jobId());
        }
        return ids.containsAll(indexed) ? found : List.of();
    }

    @Override
    public boolean caughtUp() {
        return store.caughtUpOnce();
    }

    @Override
    public boolean ready() {
        return store.ready();
    }

    /** The status store's state, for the readiness body. */
    public Map<String, Object> detail() {
        return store.detail();
    }

    /**
     * Answers another instance's question ({@link StatusPeers#PATH}) from this instance's own partitions only: a key
     * it does not hold is a 503 (the asker's view of the owners is stale), never a second hop.
     */
    public byte[] answerPeer(byte[] body) {
        StatusPeers.Query q;
        try {
            q = mapper.readValue(body, StatusPeers.Query.class);
        } catch (IOException | IllegalArgumentException e) {
            throw ApiException.invalid("invalid_request", null, "not a status query: " + e.getMessage());
        }
        if (q == null) { // the JSON null at the root reads as no object
            throw ApiException.invalid("invalid_request", null, "not a status query: null");
        }
        StatusPeers.Answer answer;
        if (q.batches() != null) {
            StatusPeers.Batches b = q.batches();
            answer = new StatusPeers.Answer(null, null,
                    local(() -> store.localBatches(b.before(), b.limit(), b::sees)));
        } else if (q.jobIds() != null) {
            StatusStore.Placement placement = store.placement(JobStatusTopology.JOB_STORE);
            Map<Integer, List<String>> byPartition = new HashMap<>();
            for (String id : q.jobIds()) {
                if (!(placement.owner(id) instanceof StatusStore.Owner.Local(int p))) {
                    throw StatusPeers.unavailable("job " + id + " is not held here");
                }
                byPartition.computeIfAbsent(p, k -> new ArrayList<>()).add(id);
            }
            Map<String, JobSnapshot> found = localJobs(byPartition);
            // a question about one job is a lookup, told whether a miss may be an entry not read yet; a batch's
            // jobs not read yet count as queued
            List<String> unread = q.jobIds().size() == 1 && found.isEmpty() && unread(q.jobIds().getFirst(),
                    JobIds.millisOf(q.jobIds().getFirst()), JobStatusTopology.JOB_STORE,
                    byPartition.keySet().iterator().next()) ? q.jobIds() : List.of();
            answer = new StatusPeers.Answer(inOrder(q.jobIds(), found), null, null, null, null, unread);
        } else {
            String ownerKey = q.batchId() != null ? q.batchId() : q.indexKey(); // a listed batch's, or an entry's
            if (!(store.owner(JobStatusTopology.INDEX_STORE, ownerKey) instanceof StatusStore.Owner.Local(int p))) {
                throw StatusPeers.unavailable("this index entry is not held here");
            }
            if (q.batchId() != null) {
                BatchJobs listed = local(() -> store.localListed(q.batchId(), p));
                boolean unread = listed.jobIds().isEmpty()
                        && unread(q.batchId(), JobIds.batchMillisOf(q.batchId()), JobStatusTopology.INDEX_STORE, p);
                answer = new StatusPeers.Answer(null, listed.jobIds(), null, listed.fileBatch(), listed.tenant(),
                        unread ? List.of(q.batchId()) : List.of());
            } else {
                answer = new StatusPeers.Answer(null, local(() -> store.localIndex(q.indexKey(), p)), null);
            }
        }
        try {
            return mapper.writeValueAsBytes(answer);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a status answer", e);
        }
    }

    /**
     * The jobs whose ids {@code lookup} finds for a batch or an idempotency key (remembered under its partition key),
     * with the recent ones not yet there.
     */
    private List<JobSnapshot> indexed(String partitionKey, Supplier<List<String>> lookup, boolean whole) {
        List<JobSnapshot> pending = recent.get(partitionKey);
        if (pending.isEmpty()) {
            return whileMoving(() -> indexed(lookup, pending, whole));
        }
        return indexed(lookup, pending, whole);
    }

    /** The job ids indexed under a partition key, asked of its owner. */
    private List<String> indexIds(String partitionKey) {
        return ids(partitionKey, StatusPeers.Query.index(partitionKey), p -> store.localIndex(partitionKey, p));
    }

    /** Job ids from the index store's owner of {@code ownerKey}: read here, or asked of it with {@code query}. */
    private List<String> ids(String ownerKey, StatusPeers.Query query, IntFunction<List<String>> localRead) {
        return switch (store.owner(JobStatusTopology.INDEX_STORE, ownerKey)) {
            case StatusStore.Owner.Local(int p) -> local(() -> localRead.apply(p));
            case StatusStore.Owner.Remote(HostInfo host) -> peers.ask(host, query).jobIds();
            case StatusStore.Owner.Unknown() -> throw StatusPeers.unavailable("the status store is starting or moving");
        };
    }

    /** With {@code whole}, an indexed job the store no longer holds (expired) makes the answer empty. */
    private List<JobSnapshot> indexed(Supplier<List<String>> lookup, List<JobSnapshot> pending, boolean whole) {
        try {
            List<String> ids = lookup.get();
            if (pending.isEmpty() && ids.isEmpty()) {
                return List.of();
            }
            // job ids sort in submission order; the store's snapshot wins over the one remembered at submission
            TreeMap<String, JobSnapshot> byId = new TreeMap<>();
            pending.forEach(s -> byId.put(s.jobId(), s));
            List<String> all = new ArrayList<>(ids);
            pending.forEach(s -> all.add(s.jobId()));
            for (JobSnapshot s : snapshots(all.stream().distinct().toList())) {
                byId.put(s.jobId(), s);
            }
            List<JobSnapshot> out = List.copyOf(byId.values());
            return whole ? wholeAndUnexpired(ids, out, clock.instant().minus(settings.statusRetention())) : out;
        } catch (ApiException e) {
            if (!pending.isEmpty()) {
                return pending;
            }
            throw e;
        }
    }

    /**
     * The snapshots the store holds for these jobs, each asked of its owner: one read per partition held here, one
     * question per other instance.
     */
    private List<JobSnapshot> snapshots(List<String> jobIds) {
        StatusStore.Placement placement = jobIds.size() > 1 ? store.placement(JobStatusTopology.JOB_STORE) : null;
        Map<HostInfo, List<String>> remote = new HashMap<>();
        Map<Integer, List<String>> here = new HashMap<>();
        for (String id : jobIds) {
            switch (placement == null ? store.owner(JobStatusTopology.JOB_STORE, id) : placement.owner(id)) {
                case StatusStore.Owner.Local(int p) -> here.computeIfAbsent(p, k -> new ArrayList<>()).add(id);
                case StatusStore.Owner.Remote(HostInfo host) -> remote.computeIfAbsent(host, h -> new ArrayList<>())
                        .add(id);
                case StatusStore.Owner.Unknown() ->
                        throw StatusPeers.unavailable("the status store is starting or moving");
            }
        }
        Map<String, JobSnapshot> found = localJobs(here);
        remote.forEach((host, ids) -> peers.ask(host, StatusPeers.Query.jobs(ids)).jobs()
                .forEach(s -> found.put(s.jobId(), s)));
        return inOrder(jobIds, found);
    }

    /** The snapshots of the jobs this instance holds, read one partition at a time, by job id. */
    private Map<String, JobSnapshot> localJobs(Map<Integer, List<String>> byPartition) {
        Map<String, JobSnapshot> found = new HashMap<>();
        byPartition.forEach((p, ids) -> found.putAll(local(() -> store.localJobs(ids, p))));
        return found;
    }

    /** The snapshots {@code found} holds of {@code jobIds}, in their order (absent ones left out). */
    private static List<JobSnapshot> inOrder(List<String> jobIds, Map<String, JobSnapshot> found) {
        List<JobSnapshot> out = new ArrayList<>(found.size());
        for (String id : jobIds) {
            JobSnapshot s = found.get(id);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Repeats a lookup that found the store moving (a rebalance: owners unknown, a partition just assigned and
     * restoring, an owner refusing) for up to {@code llmq}'s Kafka timeout, the longest a request waits on Kafka,
     * then gives up with the 503. Kafka Streams' interactive queries are retried this way by design (Resilience4j
     * {@link Retry}: every {@code MOVING_RETRY}, only the {@code status_unavailable} answers).
     */
    private <T> T whileMoving(Supplier<T> lookup) {
        return Retry.decorateSupplier(movingRetry, lookup).get();
    }

    /** A read of this instance's stores; a store that is moving or restoring is a 503. */
    private static <T> T local(Supplier<T> read) {
        try {
            return read.get();
        } catch (InvalidStateStoreException e) {
            throw StatusPeers.unavailable("the status store is restoring or moving");
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
