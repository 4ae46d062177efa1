package dev.llmq.ingest.internal;

import java.util.List;

/**
 * The jobs of one {@code POST /v1/jobs}, in submission order.
 *
 * @param multi true for a JSON array or NDJSON (one transaction, a batch id), false for a single object
 */
public record ParsedSubmission(boolean multi, List<ParsedJob> jobs) {

    public ParsedSubmission {
        jobs = List.copyOf(jobs);
        if (jobs.isEmpty()) {
            throw new IllegalArgumentException("a submission has at least one job");
        }
        if (!multi && jobs.size() != 1) {
            throw new IllegalArgumentException("a single submission has exactly one job");
        }
    }
}
