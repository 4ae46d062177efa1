package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.JobRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One validated job of a submission, before it has an id.
 *
 * @param body the clean OpenAI chat-completion request (llmq's own fields removed)
 */
public record ParsedJob(String customId, String modelGroup, ObjectNode body, boolean stream, int priority,
                        Instant deadline, List<String> tags, Map<String, String> metadata) {

    public ParsedJob {
        Objects.requireNonNull(modelGroup, "modelGroup");
        Objects.requireNonNull(body, "body");
        tags = tags == null ? List.of() : List.copyOf(tags);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** The job's record on the jobs topic, once it has an id (and a batch id when it came with others). */
    public JobRequest request(String jobId, String batchId, String tenant, Instant submittedAt, String idempotencyKey) {
        return new JobRequest(JobRequest.SCHEMA_VERSION, jobId, batchId, customId, tenant, modelGroup, body, stream,
                priority, deadline, tags, metadata, submittedAt, idempotencyKey);
    }

    /** The same job, expiring by {@code latest} at the latest (its own expiry when earlier). */
    public ParsedJob expiringBy(Instant latest) {
        Instant by = deadline == null || deadline.isAfter(latest) ? latest : deadline;
        return new ParsedJob(customId, modelGroup, body, stream, priority, by, tags, metadata);
    }

    /** The same job with other tags (e.g. an API key's added to the job's own). */
    public ParsedJob withTags(List<String> value) {
        return new ParsedJob(customId, modelGroup, body, stream, priority, deadline, value, metadata);
    }
}
