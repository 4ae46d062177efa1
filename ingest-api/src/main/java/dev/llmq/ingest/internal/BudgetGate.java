package dev.llmq.ingest.internal;

import dev.llmq.schemas.BudgetMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Refuses new jobs of a tenant or tag whose spend budget is exhausted: 429 {@code budget_exceeded} in OpenAI's error
 * shape, the message naming the budget, its spend and its reset ({@link BudgetMessage#describe()}), and
 * {@code Retry-After} the seconds until the reset, and {@code x-should-retry: false}: OpenAI's SDKs would otherwise
 * sleep until the reset (hours) inside the call before retrying. A submission is checked as a whole, so a multi-job
 * one is accepted or refused entirely (the error names the first job whose tag is exhausted). The states are the
 * latest budget messages of the control topic; one lifts by itself at its {@code resets_at}, with no new message.
 */
public final class BudgetGate {

    private final Function<String, Optional<BudgetMessage>> latest;

    /** @param latest the latest budget state by compaction key ({@link BudgetMessage#key(String, String)}) */
    public BudgetGate(Function<String, Optional<BudgetMessage>> latest) {
        this.latest = Objects.requireNonNull(latest, "latest");
    }

    /** @throws ApiException 429 when the tenant's budget or a budget of one of the jobs' tags is in force at now */
    public void check(String tenant, ParsedSubmission submission, Instant now) {
        checkTenant(tenant, now);
        List<ParsedJob> jobs = submission.jobs();
        for (int i = 0; i < jobs.size(); i++) {
            try {
                checkTags(jobs.get(i), now);
            } catch (ApiException e) {
                throw submission.multi() ? e.at(where(i, jobs.get(i)), "[" + i + "]") : e;
            }
        }
    }

    /** @throws ApiException 429 when the tenant's budget is in force at now (nothing when {@code tenant} is null) */
    public void checkTenant(String tenant, Instant now) {
        if (tenant != null) {
            inForce(BudgetMessage.SCOPE_TENANT, tenant, now).ifPresent(b -> {
                throw refusal(b, now);
            });
        }
    }

    /** @throws ApiException 429 when a budget of one of the job's tags is in force at now */
    public void checkTags(ParsedJob job, Instant now) {
        for (String tag : job.tags()) {
            inForce(BudgetMessage.SCOPE_TAG, tag, now).ifPresent(b -> {
                throw refusal(b, now);
            });
        }
    }

    private Optional<BudgetMessage> inForce(String scope, String subject, Instant now) {
        return latest.apply(BudgetMessage.key(scope, subject)).filter(b -> b.inForce(now));
    }

    private static String where(int index, ParsedJob job) {
        return "job at index " + index + (job.customId() == null ? "" : " (custom_id '" + job.customId() + "')");
    }

    private static ApiException refusal(BudgetMessage budget, Instant now) {
        return new ApiException(429, "budget_exceeded", "budget_exceeded", null, budget.describe(), "budget_exceeded")
                .withRetryAfter(Duration.between(now, budget.resetsAt())).withoutRetry();
    }
}
