package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TokenUsage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobViewsTest {

    private final JobViews views = new JobViews(Json.mapper());
    private final Instant t = Instant.parse("2026-11-26T15:00:00Z");

    private JobSnapshot job(String id, JobStatus status, JobResult result) {
        return new JobSnapshot(id, "batch_1", "c-" + id, null, "gpt-4o", false, t, status, null, null, result);
    }

    private JobResult failed(String id) {
        return failed(id, t);
    }

    private JobResult failed(String id, Instant completedAt) {
        return new JobResult(1, id, "batch_1", null, null, "gpt-4o", JobStatus.FAILED, null,
                new JobError(null, null, "boom", null, "server_error", 500, "openai"), null, null, null, null, null, null,
                null, null, null, t, t, completedAt, null, null, null);
    }

    @Test
    void submissionOfOneJobHasATopLevelIdAndNoBatch() {
        ObjectNode o = views.submission(new Submission(false, null, List.of(new Submission.JobRef("job_1", null)), "",
                false, java.time.Instant.EPOCH));
        assertThat(o.path("id").asText()).isEqualTo("job_1");
        assertThat(o.path("batch_id")).isEqualTo(NullNode.getInstance());
        assertThat(o.path("count").asInt()).isEqualTo(1);
        assertThat(o.at("/jobs/0/status").asText()).isEqualTo("queued");
    }

    @Test
    void batchCountsEveryStatusAndCompletesWhenAllAreTerminal() {
        ObjectNode running = views.batch("batch_1", BatchTally.of(List.of(job("a", JobStatus.QUEUED, null),
                job("b", JobStatus.RUNNING, null), job("c", JobStatus.FAILED, failed("c")))), null);
        assertThat(running.path("status").asText()).isEqualTo("in_progress");
        assertThat(running.path("total").asInt()).isEqualTo(3);
        assertThat(running.at("/counts/queued").asInt()).isEqualTo(1);
        assertThat(running.at("/counts/running").asInt()).isEqualTo(1);
        assertThat(running.at("/counts/failed").asInt()).isEqualTo(1);
        assertThat(running.at("/request_counts/failed").asInt()).isEqualTo(1);
        assertThat(running.path("created_at").asLong()).isEqualTo(t.getEpochSecond());
        // a failed job without usage adds nothing to the batch's tokens and cost
        assertThat(running.at("/usage/total_tokens").isIntegralNumber()).isTrue();
        assertThat(running.at("/usage/total_tokens").asLong()).isZero();
        assertThat(running.path("cost_usd").decimalValue()).isEqualByComparingTo("0");
        assertThat(running.path("unpriced_jobs").asLong()).isZero();

        ObjectNode done = views.batch("batch_1", BatchTally.of(List.of(job("c", JobStatus.FAILED, failed("c")))), null);
        assertThat(done.path("status").asText()).isEqualTo("completed");
        assertThat(done.has("cancel_requested")).isFalse();
        assertThat(done.path("cancelling_at")).isEqualTo(NullNode.getInstance());
    }

    /** Typed SDK code reads {@code batch.usage.input_tokens_details.cached_tokens}: OpenAI's BatchUsage, exactly. */
    @Test
    void aBatchsUsageIsOpenAisBatchUsageOfItsEndedJobs() {
        JobResult r = new JobResult(1, "u", "batch_1", null, null, "gpt-4o", JobStatus.SUCCEEDED,
                Json.mapper().createObjectNode().put("object", "chat.completion"), null,
                new TokenUsage(120, 40, 160, 64, 16, 8), null, null, "d", "openai", "gpt-4o", List.of(), 1L, null, t, t,
                t, null, null, null);
        ObjectNode batch = views.batch("batch_1", BatchTally.of(List.of(job("u", JobStatus.SUCCEEDED, r),
                job("q", JobStatus.QUEUED, null))), null);

        assertThat(batch.path("usage").toString()).isEqualTo("{\"input_tokens\":120,\"input_tokens_details\":"
                + "{\"cached_tokens\":64,\"cache_creation_tokens\":8},\"output_tokens\":40,"
                + "\"output_tokens_details\":{\"reasoning_tokens\":16},\"total_tokens\":160}");
    }

    @Test
    void aBatchIsOpenAisBatchObjectNamingItsOutputAndErrorFilesOnceEnded() {
        ObjectNode running = views.batch("batch_1", BatchTally.of(List.of(job("a", JobStatus.QUEUED, null),
                job("b", JobStatus.SUCCEEDED, null))), null);
        assertThat(running.path("object").asText()).isEqualTo("batch");
        assertThat(running.path("endpoint").asText()).isEqualTo("/v1/chat/completions");
        assertThat(running.path("input_file_id")).isEqualTo(NullNode.getInstance());
        assertThat(running.path("output_file_id")).isEqualTo(NullNode.getInstance());
        assertThat(running.path("completed_at")).isEqualTo(NullNode.getInstance());
        assertThat(running.path("finalizing_at")).isEqualTo(NullNode.getInstance());
        assertThat(running.path("in_progress_at").asLong()).isEqualTo(t.getEpochSecond());
        assertThat(running.path("model").asText()).as("OpenAI's Batch model: its jobs' one").isEqualTo("gpt-4o");
        JobSnapshot other = new JobSnapshot("o", "batch_1", "c-o", null, "claude", false, t, JobStatus.QUEUED, null,
                null, null);
        assertThat(views.batch("batch_1", BatchTally.of(List.of(job("a", JobStatus.QUEUED, null), other)), null)
                .path("model")).as("more than one").isEqualTo(NullNode.getInstance());
        assertThat(views.batch("batch_1", BatchTally.queued(2, t), null).path("model")).as("none read yet")
                .isEqualTo(NullNode.getInstance());

        BatchManifest.FileBatch from = new BatchManifest.FileBatch("file-1", "/v1/chat/completions", "24h",
                java.util.Map.of("k", "v"));
        ObjectNode succeededOnly = views.batch("batch_1", BatchTally.of(List.of(job("b", JobStatus.SUCCEEDED,
                failed("b", t.plusSeconds(3))))).from(from), null);
        assertThat(succeededOnly.path("output_file_id").asText()).isEqualTo("file-batch_1-output");
        assertThat(succeededOnly.path("error_file_id")).isEqualTo(NullNode.getInstance());
        assertThat(succeededOnly.path("completed_at").asLong()).isEqualTo(t.plusSeconds(3).getEpochSecond());
        assertThat(succeededOnly.path("finalizing_at").asLong()).as("its files were there when its last job ended")
                .isEqualTo(t.plusSeconds(3).getEpochSecond());
        assertThat(succeededOnly.path("input_file_id").asText()).isEqualTo("file-1");
        assertThat(succeededOnly.path("completion_window").asText()).isEqualTo("24h");
        assertThat(succeededOnly.path("expires_at").asLong()).isEqualTo(t.plusSeconds(86_400).getEpochSecond());
        assertThat(succeededOnly.at("/metadata/k").asText()).isEqualTo("v");

        ObjectNode failedOnly = views.batch("batch_1", BatchTally.of(List.of(job("c", JobStatus.FAILED,
                failed("c")))), null);
        assertThat(failedOnly.path("output_file_id")).isEqualTo(NullNode.getInstance());
        assertThat(failedOnly.path("error_file_id").asText()).isEqualTo("file-batch_1-errors");
        ObjectNode expired = views.batch("batch_1", BatchTally.of(List.of(job("b", JobStatus.SUCCEEDED, null),
                job("e", JobStatus.EXPIRED, failed("e", t.plusSeconds(7))))), null);
        assertThat(expired.path("status").asText()).as("a job ran out of its window").isEqualTo("expired");
        assertThat(expired.path("expired_at").asLong()).isEqualTo(t.plusSeconds(7).getEpochSecond());
        assertThat(expired.path("completed_at")).isEqualTo(NullNode.getInstance());
        assertThat(expired.path("finalizing_at").asLong()).isEqualTo(t.plusSeconds(7).getEpochSecond());
        assertThat(expired.path("output_file_id").asText()).isEqualTo("file-batch_1-output");
        assertThat(expired.path("error_file_id").asText()).isEqualTo("file-batch_1-errors");
        ObjectNode cancelledAndExpired = views.batch("batch_1", BatchTally.of(List.of(job("e", JobStatus.EXPIRED,
                failed("e")))), t);
        assertThat(cancelledAndExpired.path("status").asText()).isEqualTo("cancelled");
        assertThat(cancelledAndExpired.path("finalizing_at")).as("OpenAI's go from cancelling to cancelled")
                .isEqualTo(NullNode.getInstance());
        assertThat(FileService.batchOfOutput("file-batch_1-errors")).isEqualTo("batch_1");
        assertThat(FileService.batchOfOutput("file-batch_1-output")).isEqualTo("batch_1");
        assertThat(FileService.batchOfOutput("file-0190-abc")).isNull();
    }

    @Test
    void aJobWhoseCancelWasAskedSaysSoUntilItEnds() {
        Instant asked = t.plusSeconds(5);
        ObjectNode queued = views.job(job("q", JobStatus.QUEUED, null), asked);
        assertThat(queued.path("status").asText()).as("a worker has not reached it yet").isEqualTo("queued");
        assertThat(queued.path("cancel_requested").asBoolean()).isTrue();
        assertThat(queued.path("cancelling_at").asLong()).isEqualTo(asked.getEpochSecond());
        assertThat(views.job(job("q", JobStatus.QUEUED, null)).has("cancel_requested")).isFalse();
    }

    @Test
    void aCancelledBatchIsCancellingUntilEveryJobEndedThenCancelled() {
        Instant asked = t.plusSeconds(5);
        ObjectNode cancelling = views.batch("batch_1", BatchTally.of(List.of(job("a", JobStatus.QUEUED, null),
                job("c", JobStatus.FAILED, failed("c")))), asked);
        assertThat(cancelling.path("status").asText()).isEqualTo("cancelling");
        assertThat(cancelling.path("cancel_requested").asBoolean()).isTrue();
        assertThat(cancelling.path("cancelling_at").asLong()).isEqualTo(asked.getEpochSecond());
        assertThat(cancelling.path("cancelled_at")).isEqualTo(NullNode.getInstance());

        JobResult later = failed("a", t.plusSeconds(9));
        ObjectNode cancelled = views.batch("batch_1", BatchTally.of(List.of(job("a", JobStatus.CANCELLED, later),
                job("c", JobStatus.FAILED, failed("c")))), asked);
        assertThat(cancelled.path("status").asText()).isEqualTo("cancelled");
        assertThat(cancelled.path("cancelled_at").asLong()).as("when its last job ended")
                .isEqualTo(t.plusSeconds(9).getEpochSecond());
    }

    private JobResult ended(String id, JobStatus status, JobError error) {
        return new JobResult(1, id, "batch_1", null, null, "gpt-4o", status, null, error, null, null, null, null, null,
                null, null, null, null, t, t, t, null, null, null);
    }

    @Test
    void aJobFailedOnItsProvidersHttpErrorHasThatAnswerAsItsResponseAsOpenAiWritesIt() {
        ObjectNode line = views.outputLine(job("c", JobStatus.FAILED, failed("c")));
        assertThat(line.path("error")).isEqualTo(NullNode.getInstance());
        assertThat(line.at("/response/status_code").asInt()).isEqualTo(500);
        assertThat(line.at("/response/request_id").asText()).isEqualTo("c");
        assertThat(line.at("/response/body/error/message").asText()).isEqualTo("boom");
        assertThat(line.at("/response/body/error/type").asText()).isEqualTo("api_error");
        assertThat(line.at("/response/body/error/code").asText()).isEqualTo("server_error");
        assertThat(line.path("custom_id").asText()).isEqualTo("c-c");

        ObjectNode refused = views.outputLine(job("r", JobStatus.FAILED, ended("r", JobStatus.FAILED, new JobError(
                "invalid_request_error", "context_length_exceeded", "too long", "messages", "context_window_exceeded",
                400, "openai"))));
        assertThat(refused.at("/response/status_code").asInt()).isEqualTo(400);
        assertThat(refused.at("/response/body/error/code").asText()).isEqualTo("context_length_exceeded");
        assertThat(refused.at("/response/body/error/param").asText()).isEqualTo("messages");
    }

    @Test
    void aJobFailedWithoutAnAnswerHasNoResponseAndAnErrorWithItsCode() {
        ObjectNode line = views.outputLine(job("n", JobStatus.FAILED, ended("n", JobStatus.FAILED,
                new JobError(null, null, "connection refused", null, "connection_error", null, "openai"))));
        assertThat(line.path("response")).isEqualTo(NullNode.getInstance());
        assertThat(line.at("/error/message").asText()).isEqualTo("connection refused");
        assertThat(line.at("/error/code").asText()).isEqualTo("connection_error");
    }

    @Test
    void cancelledAndExpiredJobsHaveOpenAisBatchCodes() {
        JobError deadline = new JobError("expired", "deadline_exceeded", "the deadline passed", null, "expired", null,
                null);
        ObjectNode expired = views.outputLine(job("e", JobStatus.EXPIRED, ended("e", JobStatus.EXPIRED, deadline)));
        assertThat(expired.path("response")).isEqualTo(NullNode.getInstance());
        assertThat(expired.at("/error/code").asText()).isEqualTo("batch_expired");
        assertThat(expired.at("/error/message").asText()).isEqualTo("the deadline passed");

        ObjectNode cancelled = views.outputLine(job("x", JobStatus.CANCELLED, ended("x", JobStatus.CANCELLED,
                new JobError("cancelled", "cancelled", "cancelled: by the user", null, "cancelled", null, null))));
        assertThat(cancelled.at("/error/code").asText()).isEqualTo("batch_cancelled");
    }

    private JobResult succeeded(String id, BigDecimal costUsd, String costReason) {
        ObjectNode response = Json.mapper().createObjectNode().put("object", "chat.completion");
        return new JobResult(1, id, null, null, null, "gpt-4o", JobStatus.SUCCEEDED, response, null,
                new TokenUsage(10, 5, 15, 0, 0), costUsd, costReason, "d1", "openai", "gpt-4o", null, null, null, t, t,
                t, null, null, null);
    }

    @Test
    void aFinishedJobShowsItsExactCostInPlainNotation() throws Exception {
        ObjectNode o = views.job(job("p", JobStatus.SUCCEEDED, succeeded("p", new BigDecimal("0.0000075"), null)));
        assertThat(Json.mapper().writeValueAsString(o)).contains("\"cost_usd\":0.0000075,\"cost_reason\":null");
        assertThat(o.path("cost_usd").decimalValue()).isEqualByComparingTo("0.0000075");
    }

    @Test
    void anUnpricedJobShowsANullCostAndWhy() {
        ObjectNode o = views.job(job("u", JobStatus.SUCCEEDED, succeeded("u", null, "no price for openai/x")));
        assertThat(o.path("cost_usd")).isEqualTo(NullNode.getInstance());
        assertThat(o.path("cost_reason").asText()).isEqualTo("no price for openai/x");
    }

    @Test
    void aFinishedJobShowsWhatLlmqChangedOrEstimated() {
        String estimated = "usage_estimated:cut_streams=1,prompt_tokens=10,completion_tokens=5";
        JobResult r = succeeded("a", new BigDecimal("0.000015"), null);
        JobResult adjusted = new JobResult(1, "a", null, null, null, "gpt-4o", JobStatus.SUCCEEDED, r.response(),
                null, r.usage(), r.costUsd(), null, "d1", "openai", "gpt-4o", null, null, null, t, t, t, null, null,
                List.of("dropped_params:seed", estimated));

        assertThat(views.job(job("a", JobStatus.SUCCEEDED, adjusted)).path("adjustments"))
                .extracting(JsonNode::asText).containsExactly("dropped_params:seed", estimated);
        assertThat(views.job(job("p", JobStatus.SUCCEEDED, r)).path("adjustments")).isEmpty();
    }
}
