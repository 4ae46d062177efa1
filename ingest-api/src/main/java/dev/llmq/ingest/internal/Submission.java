package dev.llmq.ingest.internal;

import java.time.Instant;
import java.util.List;

/**
 * An accepted submission: what {@code POST /v1/jobs} answers with 202.
 *
 * @param batchId null for a single-object submission
 * @param fingerprint identifies the submitted content, to detect an {@code Idempotency-Key} reused for other content
 * @param replayed true when an earlier submission with the same key is returned
 * @param submittedAt when its jobs were submitted (their {@code created_at})
 */
public record Submission(boolean multi, String batchId, List<JobRef> jobs, String fingerprint, boolean replayed,
                         Instant submittedAt) {

    public Submission {
        jobs = List.copyOf(jobs);
    }

    public Submission asReplay() {
        return new Submission(multi, batchId, jobs, fingerprint, true, submittedAt);
    }

    /** One accepted job. */
    public record JobRef(String id, String customId) {
    }
}
