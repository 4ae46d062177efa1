package dev.llmq.ingest.internal;

import dev.llmq.schemas.BatchManifest;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link JobStatusView} over a map the test fills: for the relay and cancel rules without Kafka. */
final class MapStatusView implements JobStatusView {

    private final Map<String, JobSnapshot> jobs = new ConcurrentHashMap<>();
    private final Map<String, List<String>> listed = new ConcurrentHashMap<>();
    private final Map<String, String> listedTenants = new ConcurrentHashMap<>();
    private final Map<String, SubmittedBatch> submitted = new ConcurrentHashMap<>();
    volatile boolean caughtUp = true;
    /** When set, {@link #job} answers 503 as a store that may not have read the job yet does. */
    volatile boolean unread;
    /** How many times {@link #jobs} answers before it fails as a store moving for too long would. */
    volatile int answerJobsTimes = Integer.MAX_VALUE;
    private final java.util.concurrent.atomic.AtomicInteger jobsAnswered = new java.util.concurrent.atomic.AtomicInteger();

    private final java.util.concurrent.atomic.AtomicLong jobIdsAsked = new java.util.concurrent.atomic.AtomicLong();

    /** How many job lookups ({@link #jobs}) were asked so far. */
    int jobLookups() {
        return jobsAnswered.get();
    }

    /** How many job ids the lookups ({@link #jobs}) named so far, together. */
    long jobIdsAsked() {
        return jobIdsAsked.get();
    }

    void put(JobSnapshot snapshot) {
        jobs.put(snapshot.jobId(), snapshot);
    }

    /** Stores {@code snapshot} under another job's id, as a store holding a wrong entry would. */
    void putUnder(String jobId, JobSnapshot snapshot) {
        jobs.put(jobId, snapshot);
    }

    /**
     * Batches whose list entries name no tenant: {@link #batchIds} offers them to every caller, as the store's list
     * does, and the reader must tell by their jobs.
     */
    final java.util.Set<String> untenanted = ConcurrentHashMap.newKeySet();

    /** The job ids the store lists for a batch, whether or not their snapshots are here. */
    void list(String batchId, List<String> jobIds) {
        listed.put(batchId, List.copyOf(jobIds));
    }

    /** As above, with the tenant the batch's parts name. */
    void list(String batchId, List<String> jobIds, String tenant) {
        list(batchId, jobIds);
        listedTenants.put(batchId, tenant);
    }

    @Override
    public void start() {
    }

    @Override
    public void recordSubmitted(List<JobSnapshot> queued, BatchManifest.FileBatch fileBatch) {
    }

    /** Remembers a batch as its accepting instance does, apart from the jobs ({@link #submittedBatch}). */
    void submitted(String batchId, SubmittedBatch batch) {
        submitted.put(batchId, batch);
    }

    @Override
    public Optional<SubmittedBatch> submittedBatch(String batchId) {
        return Optional.ofNullable(submitted.get(batchId));
    }

    @Override
    public Optional<JobSnapshot> job(String jobId) {
        if (unread) {
            throw StatusPeers.unavailable("the store may not have read the job yet");
        }
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public List<JobSnapshot> batch(String batchId) {
        return jobs.values().stream().filter(j -> batchId.equals(j.batchId())).toList();
    }

    @Override
    public BatchJobs batchJobs(String batchId) {
        return new BatchJobs(listed.getOrDefault(batchId, batch(batchId).stream().map(JobSnapshot::jobId).sorted()
                .toList()), null, listedTenants.get(batchId));
    }

    @Override
    public List<JobSnapshot> jobs(List<String> jobIds) {
        if (jobsAnswered.incrementAndGet() > answerJobsTimes) {
            throw StatusPeers.unavailable("the status store is restoring or moving");
        }
        jobIdsAsked.addAndGet(jobIds.size());
        return jobIds.stream().map(jobs::get).filter(java.util.Objects::nonNull).toList();
    }

    @Override
    public List<String> batchIds(String before, int limit, Caller caller) {
        return jobs.values().stream().filter(j -> j.batchId() != null
                        && (caller.sees(j.tenant()) || untenanted.contains(j.batchId())))
                .map(JobSnapshot::batchId).filter(b -> before == null || b.compareTo(before) < 0).distinct()
                .sorted(Comparator.reverseOrder()).limit(limit).toList();
    }

    @Override
    public List<JobSnapshot> byIdempotencyKey(String tenant, String key) {
        return List.of();
    }

    @Override
    public boolean caughtUp() {
        return caughtUp;
    }

    @Override
    public void close() {
    }
}
