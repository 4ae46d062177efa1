package dev.llmq.ingest.internal;

import dev.llmq.schemas.BatchManifest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Queryable job and batch state, built from the jobs, status and results topics ({@link StreamsJobStatusView}).
 * Lookups may throw an {@link ApiException} (503) when the state cannot be read now.
 */
public interface JobStatusView extends AutoCloseable {

    /** Starts following the topics (in the background). */
    void start();

    /** {@link #recordSubmitted(List, BatchManifest.FileBatch)} of a submission not made from a file. */
    default void recordSubmitted(List<JobSnapshot> queued) {
        recordSubmitted(queued, null);
    }

    /**
     * Records this instance's own accepted submission so it reads as queued at once.
     *
     * @param queued its jobs as they stand once accepted (queued, each with its fingerprint under an idempotency key)
     * @param fileBatch what the batch was created from ({@code POST /v1/batches}), else null
     */
    void recordSubmitted(List<JobSnapshot> queued, BatchManifest.FileBatch fileBatch);

    /**
     * A batch this instance accepted lately (for an hour, at most the retention), remembered apart from the store,
     * which may not have read any of it yet (it trails the topics under load); empty when not remembered.
     */
    Optional<SubmittedBatch> submittedBatch(String batchId);

    /**
     * What an instance remembers of a batch it accepted.
     *
     * @param tenant its jobs' tenant (null: none)
     * @param jobs how many jobs it has
     * @param submittedAt when they were accepted
     * @param fileBatch what it was created from ({@code POST /v1/batches}), else null
     */
    record SubmittedBatch(String tenant, int jobs, Instant submittedAt, BatchManifest.FileBatch fileBatch) {
    }

    Optional<JobSnapshot> job(String jobId);

    /** The jobs of a batch in submission order; empty when the batch is unknown. */
    List<JobSnapshot> batch(String batchId);

    /**
     * The ids of a batch's jobs the store holds, in submission order (not the ones only just submitted here), and
     * what it was created from when it was created from an uploaded file ({@code POST /v1/batches}); no ids when the
     * batch is unknown. With {@link #jobs} a reader goes through a big batch a part at a time.
     */
    BatchJobs batchJobs(String batchId);

    /** The ids of {@link #batchJobs}. */
    default List<String> batchJobIds(String batchId) {
        return batchJobs(batchId).jobIds();
    }

    /**
     * A batch's job ids, in submission order, what its first listed part says it was created from (null: not from a
     * file, or not known), and the tenant its parts name (null: none, or not known; its jobs' tenant).
     */
    record BatchJobs(List<String> jobIds, BatchManifest.FileBatch fileBatch, String tenant) {
        public BatchJobs {
            jobIds = List.copyOf(jobIds);
        }
    }

    /** The snapshots the store holds of these jobs, in their order (absent ones left out). */
    List<JobSnapshot> jobs(List<String> jobIds);

    /**
     * Up to {@code limit} ids of the batches {@code caller} sees, newest first, submitted before the batch
     * {@code before} (null: from the newest). Only batches the ingest listed ({@code llmq.batches.v1}) are found,
     * once the store has read them.
     */
    List<String> batchIds(String before, int limit, Caller caller);

    /** The jobs submitted with an idempotency key (scoped by tenant, which may be null), in submission order. */
    List<JobSnapshot> byIdempotencyKey(String tenant, String key);

    /**
     * True once the view has read what the topics held when this instance started, and from then on: a store
     * partition that moves later (another instance joining or leaving) makes lookups of its keys wait for it or
     * answer 503 {@code status_unavailable}, so an unknown id is a 404 and an unknown idempotency key is a new one.
     */
    boolean caughtUp();

    /** True while the view can answer every key now: {@link #caughtUp()} and no store partition moving here. */
    default boolean ready() {
        return caughtUp();
    }

    @Override
    void close();
}
