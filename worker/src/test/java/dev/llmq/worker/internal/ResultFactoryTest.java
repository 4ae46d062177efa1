package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.worker.JobOutcome;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

class ResultFactoryTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static JobRequest job(Instant deadline) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("model", "g");
        return new JobRequest(1, "j1", "b1", "c1", "acme", "g", body, true, 0, deadline, List.of("x"),
                Map.of("a", "b"), T0, null);
    }

    @Test
    void copiesTheJobsIdentityAndTheOutcome() {
        ObjectNode completion = JsonNodeFactory.instance.objectNode().put("object", "chat.completion");
        JobOutcome outcome = JobOutcome.succeeded(completion, new TokenUsage(1, 2, 3, 0, 0))
                .withRoute("d1", "openai", "gpt").withCost(new BigDecimal("0.0000125"), null).withAdjustments(List.of("dropped:seed"));
        JobResult result = ResultFactory.fromOutcome(job(null), outcome, T0.plusSeconds(1), T0.plusSeconds(3),
                Duration.ofMillis(1500), T0.plusMillis(1200));
        assertThat(result.jobId()).isEqualTo("j1");
        assertThat(result.batchId()).isEqualTo("b1");
        assertThat(result.customId()).isEqualTo("c1");
        assertThat(result.tenant()).isEqualTo("acme");
        assertThat(result.modelGroup()).isEqualTo("g");
        assertThat(result.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(result.deployment()).isEqualTo("d1");
        assertThat(result.costUsd()).isEqualTo(new BigDecimal("0.0000125"));
        assertThat(result.costReason()).isNull();
        assertThat(result.latencyMs()).isEqualTo(1500);
        assertThat(result.ttftMs()).isEqualTo(200);
        assertThat(result.submittedAt()).isEqualTo(T0);
        assertThat(result.startedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(result.completedAt()).isEqualTo(T0.plusSeconds(3));
        assertThat(result.tags()).containsExactly("x");
        assertThat(result.metadata()).containsEntry("a", "b");
        assertThat(result.adjustments()).containsExactly("dropped:seed");
    }

    @Test
    void anUnpricedOutcomeGivesANullCostAndItsReason() {
        JobOutcome outcome = JobOutcome.succeeded(JsonNodeFactory.instance.objectNode(), new TokenUsage(1, 2, 3, 0, 0))
                .withCost(null, "no price for openai/x");
        JobResult result = ResultFactory.fromOutcome(job(null), outcome, T0, T0.plusSeconds(1), Duration.ofSeconds(1),
                null);
        assertThat(result.costUsd()).isNull();
        assertThat(result.costReason()).isEqualTo("no price for openai/x");
    }

    @Test
    void aJobThatUsedNoTokensCostsExactlyZeroAndOneWithUncountedTokensSaysWhy() {
        JobResult failedEarly = ResultFactory.fromOutcome(job(null), ResultFactory.failure(new IllegalStateException(
                "boom")), T0, T0.plusSeconds(1), Duration.ofSeconds(1), null);
        assertThat(failedEarly.costUsd()).isEqualByComparingTo("0");
        assertThat(failedEarly.costReason()).isNull();
        assertThat(ResultFactory.expired(job(T0), T0.plusSeconds(1)).costUsd()).isEqualByComparingTo("0");
        assertThat(ResultFactory.poison(job(null), 3, T0).costUsd()).isEqualByComparingTo("0");

        JobOutcome stopped = JobOutcome.cancelled(ProviderError.of(ErrorKind.CANCELLED, "cancelled").toJobError(null))
                .withUsage(new TokenUsage(0, 7, 7, 0, 0)); // tokens a handler counted without pricing them
        JobResult result = ResultFactory.fromOutcome(job(null), stopped, T0, T0.plusSeconds(1), Duration.ofSeconds(1),
                null);
        assertThat(result.usage().completionTokens()).isEqualTo(7);
        assertThat(result.costUsd()).as("tokens counted by llmq are never priced as $0").isNull();
        assertThat(result.costReason()).isEqualTo(ResultFactory.NOT_PRICED);
    }

    @Test
    void theOutcomesOwnTimingsWin() {
        JobOutcome outcome = JobOutcome.succeeded(JsonNodeFactory.instance.objectNode(), null)
                .withTimings(Duration.ofMillis(900), Duration.ofMillis(90));
        JobResult result = ResultFactory.fromOutcome(job(null), outcome, T0, T0.plusSeconds(1), Duration.ofSeconds(1),
                T0.plusMillis(500));
        assertThat(result.latencyMs()).isEqualTo(900);
        assertThat(result.ttftMs()).isEqualTo(90);
    }

    @Test
    void expiresOnlyAfterTheDeadline() {
        assertThat(ResultFactory.isExpired(job(null), T0)).isFalse();
        assertThat(ResultFactory.isExpired(job(T0), T0)).isFalse();
        assertThat(ResultFactory.isExpired(job(T0), T0.plusMillis(1))).isTrue();
        JobResult expired = ResultFactory.expired(job(T0), T0.plusSeconds(1));
        assertThat(expired.status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(expired.error().kind()).isEqualTo(ResultFactory.KIND_EXPIRED);
        assertThat(expired.completedAt()).isEqualTo(T0.plusSeconds(1));
    }

    @Test
    void providerFailuresKeepTheirKindAndOthersAreInternal() {
        ProviderError error = ProviderError.builder(ErrorKind.CONTEXT_WINDOW_EXCEEDED).httpStatus(400)
                .providerType("invalid_request_error").providerCode("context_length_exceeded").message("too long")
                .param("messages").build();
        JobOutcome provider = ResultFactory.failure(new ProviderException(error));
        assertThat(provider.status()).isEqualTo(JobStatus.FAILED);
        assertThat(provider.error().kind()).isEqualTo("context_window_exceeded");
        assertThat(provider.error().code()).isEqualTo("context_length_exceeded");
        assertThat(provider.error().httpStatus()).isEqualTo(400);
        assertThat(provider.error().param()).isEqualTo("messages");

        assertThat(provider.error()).as("the one mapping of provider-lib")
                .isEqualTo(error.toJobError(null));
        JobOutcome noCode = ResultFactory.failure(new ProviderException(new ProviderError(ErrorKind.TIMEOUT, 0,
                null, null, "slow", null, null, null, null)));
        assertThat(noCode.error().code()).as("falls back to the kind").isEqualTo("timeout");
        assertThat(noCode.error().httpStatus()).isNull();

        JobOutcome internal = ResultFactory.failure(new IllegalStateException("x".repeat(1000)));
        assertThat(internal.error().kind()).isEqualTo(ResultFactory.KIND_INTERNAL);
        assertThat(internal.error().message()).contains("IllegalStateException").hasSizeLessThan(320);
    }

    @Test
    void anUnpublishableResultBecomesASmallFailedOneThatKeepsIdentityRouteUsageAndTimes() {
        ObjectNode completion = JsonNodeFactory.instance.objectNode().put("object", "chat.completion");
        JobOutcome outcome = JobOutcome.succeeded(completion, new TokenUsage(1, 2, 3, 0, 0))
                .withRoute("d1", "openai", "gpt").withCost(new BigDecimal("0.0000125"), null).withAdjustments(List.of("dropped:seed"));
        JobResult big = ResultFactory.fromOutcome(job(null), outcome, T0.plusSeconds(1), T0.plusSeconds(3),
                Duration.ofMillis(1500), T0.plusMillis(1200));
        SendRefusedException tooLarge = new SendRefusedException("results",
                new RecordTooLargeException("larger than max.request.size"));

        JobResult small = ResultFactory.unpublishable(big, tooLarge);

        assertThat(small.status()).isEqualTo(JobStatus.FAILED);
        assertThat(small.error().code()).isEqualTo(ResultFactory.CODE_RESULT_TOO_LARGE);
        assertThat(small.error().kind()).isEqualTo(ResultFactory.KIND_INTERNAL);
        assertThat(small.error().provider()).isEqualTo("openai");
        assertThat(small.error().message()).contains("succeeded result", "RecordTooLargeException",
                "larger than max.request.size");
        assertThat(small).extracting(JobResult::jobId, JobResult::batchId, JobResult::customId, JobResult::tenant,
                JobResult::modelGroup, JobResult::usage, JobResult::costUsd, JobResult::costReason, JobResult::deployment,
                JobResult::provider, JobResult::model, JobResult::latencyMs, JobResult::ttftMs,
                JobResult::submittedAt, JobResult::startedAt, JobResult::completedAt)
                .containsExactly(big.jobId(), big.batchId(), big.customId(), big.tenant(), big.modelGroup(),
                        big.usage(), big.costUsd(), big.costReason(), big.deployment(), big.provider(), big.model(), big.latencyMs(),
                        big.ttftMs(), big.submittedAt(), big.startedAt(), big.completedAt());
        assertThat(small.response()).isNull();
        assertThat(small.metadata()).isEmpty();
        assertThat(small.tags()).isEmpty();
        assertThat(small.attempts()).isEmpty();
        assertThat(small.adjustments()).isEmpty();

        JobResult refused = ResultFactory.unpublishable(big, new SendRefusedException("results",
                new TopicAuthorizationException("no write")));
        assertThat(refused.error().code()).isEqualTo(ResultFactory.CODE_RESULT_NOT_PUBLISHED);
    }
}
