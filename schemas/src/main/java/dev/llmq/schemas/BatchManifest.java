package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One part of a batch's list of jobs on {@code llmq.batches.v1}, keyed by the batch id: the ids of up to
 * {@link #PART_SIZE} of its jobs, in submission order. The ingest writes every part of a batch in the transaction that
 * writes the batch's jobs, and marks those job records with the header {@link LlmqHeaders#BATCH_LISTED}: their batch
 * is listed here, so readers need not index the batch job by job.
 *
 * @param batchId     the batch
 * @param part        this part's number, from 0
 * @param parts       how many parts the batch has
 * @param jobIds      this part's job ids, in submission order
 * @param submittedAt when the batch was submitted (its jobs' {@code submitted_at})
 * @param tenant      the tenant that submitted the batch (its jobs' {@code tenant}), or null for none; absent from
 *                    parts written before it was added, which readers take as unknown
 * @param fileBatch   on part 0 of a batch created from an uploaded file ({@code POST /v1/batches}), what it was
 *                    created with; null (absent) otherwise
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BatchManifest(int schemaVersion, String batchId, int part, int parts, List<String> jobIds,
                            Instant submittedAt, @JsonInclude(JsonInclude.Include.NON_NULL) String tenant,
                            @JsonInclude(JsonInclude.Include.NON_NULL) FileBatch fileBatch) {

    public static final int SCHEMA_VERSION = 1;
    /** The most job ids in one part (about 43 KB of JSON with the ingest's ids). */
    public static final int PART_SIZE = 1_000;

    public BatchManifest {
        JobRequest.requireText(batchId, "batch_id");
        Objects.requireNonNull(submittedAt, "submitted_at");
        if (parts < 1 || part < 0 || part >= parts) {
            throw new IllegalArgumentException("part must be from 0 to parts - 1, and parts at least 1 (part " + part
                    + " of " + parts + ")");
        }
        if (jobIds == null || jobIds.isEmpty() || jobIds.size() > PART_SIZE) {
            throw new IllegalArgumentException("job_ids must hold 1 to " + PART_SIZE + " ids");
        }
        jobIds = List.copyOf(jobIds);
        for (String id : jobIds) {
            JobRequest.requireText(id, "job_ids[]");
        }
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
        if (fileBatch != null && part != 0) {
            throw new IllegalArgumentException("only part 0 says what the batch was created with");
        }
    }

    /** A part of a batch not created from a file. */
    public BatchManifest(int schemaVersion, String batchId, int part, int parts, List<String> jobIds,
                         Instant submittedAt, String tenant) {
        this(schemaVersion, batchId, part, parts, jobIds, submittedAt, tenant, null);
    }

    /** The parts listing {@code jobIds} (in submission order) of one batch of {@code tenant} (null: none). */
    public static List<BatchManifest> of(String batchId, List<String> jobIds, Instant submittedAt, String tenant) {
        return of(batchId, jobIds, submittedAt, tenant, null);
    }

    /** As above, for a batch created from an uploaded file as {@code fileBatch} says (null: not from a file). */
    public static List<BatchManifest> of(String batchId, List<String> jobIds, Instant submittedAt, String tenant,
                                         FileBatch fileBatch) {
        int parts = Math.max(1, (jobIds.size() + PART_SIZE - 1) / PART_SIZE);
        List<BatchManifest> out = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            out.add(new BatchManifest(SCHEMA_VERSION, batchId, p, parts,
                    jobIds.subList(p * PART_SIZE, Math.min(jobIds.size(), (p + 1) * PART_SIZE)), submittedAt, tenant,
                    p == 0 ? fileBatch : null));
        }
        return out;
    }

    /**
     * What a batch created from an uploaded file was created with, as OpenAI's Batch API takes it.
     *
     * @param inputFileId      the file whose lines are the batch's jobs
     * @param endpoint         the endpoint every line calls ({@code /v1/chat/completions})
     * @param completionWindow the window its jobs expire after, as given ({@code 24h}), or null for none
     * @param metadata         the caller's key-value pairs, or null for none
     * @param outputExpiresAfterSeconds how long its output and error files are kept after they were made (OpenAI's
     *                         {@code output_expires_after}, anchored at their creation: the batch's end), or null
     *                         for as long as its jobs' results
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record FileBatch(String inputFileId, String endpoint,
                            @JsonInclude(JsonInclude.Include.NON_NULL) String completionWindow,
                            @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> metadata,
                            @JsonInclude(JsonInclude.Include.NON_NULL) Long outputExpiresAfterSeconds) {
        public FileBatch {
            JobRequest.requireText(inputFileId, "input_file_id");
            JobRequest.requireText(endpoint, "endpoint");
            metadata = metadata == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            if (outputExpiresAfterSeconds != null && outputExpiresAfterSeconds <= 0) {
                throw new IllegalArgumentException("output_expires_after_seconds must be positive, got "
                        + outputExpiresAfterSeconds);
            }
        }

        /** A batch whose output and error files are kept as long as its jobs' results. */
        public FileBatch(String inputFileId, String endpoint, String completionWindow, Map<String, String> metadata) {
            this(inputFileId, endpoint, completionWindow, metadata, null);
        }
    }
}
