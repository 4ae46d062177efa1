package dev.llmq.usage;

import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TokenUsage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** Job results for the tests: a succeeded one, and variations of it. */
final class TestResults {

    private TestResults() {
    }

    /** A succeeded job of gpt-4o on deployment d-openai (openai), with usage and a cost. */
    static JobResult succeeded(String jobId, Instant completedAt, String cost) {
        return result(jobId, JobStatus.SUCCEEDED, null, "gpt-4o", "d-openai", "openai", null, List.of(),
                new TokenUsage(100, 20, 120, 30, 5, 7), cost == null ? null : new BigDecimal(cost), completedAt);
    }

    static JobResult result(String jobId, JobStatus status, String errorKind, String modelGroup, String deployment,
                            String provider, String tenant, List<String> tags, TokenUsage usage, BigDecimal cost,
                            Instant completedAt) {
        JobError error = status == JobStatus.SUCCEEDED ? null
                : new JobError("api_error", errorKind, "it went wrong", null, errorKind, 500, provider);
        return new JobResult(JobResult.SCHEMA_VERSION, jobId, null, null, tenant, modelGroup, status,
                status == JobStatus.SUCCEEDED ? Json.mapper().createObjectNode().put("object", "chat.completion")
                        : null,
                error, usage, cost, cost == null ? "model not in the price table" : null, deployment, provider,
                modelGroup, List.of(), 10L, null, completedAt.minusSeconds(2), completedAt.minusSeconds(1),
                completedAt, tags, null, null);
    }
}
