package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TokenUsage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A batch counted a part at a time from the store's job ids, as {@code GET /v1/batches/{id}} answers it. */
class BatchTallyTest {

    private static final Instant T = Instant.parse("2026-12-06T08:00:00Z");
    private final MapStatusView view = new MapStatusView();

    private static JobSnapshot job(String id, String tenant, JobStatus status, Instant submitted) {
        return new JobSnapshot(id, "b1", null, tenant, "gpt-4o", false, submitted, status, null, null, null);
    }

    private static List<String> ids(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(String.format("job_%05d", i));
        }
        return ids;
    }

    @Test
    void everyPartIsCountedAndJobsTheStoreHasNotReadYetAreQueued() {
        List<String> ids = ids(2_500); // three parts of at most a thousand
        view.list("b1", ids);
        for (int i = 0; i < ids.size(); i++) {
            if (i % 5 == 4) {
                continue; // 500 listed jobs whose records the store has not read yet
            }
            JobStatus st = i % 5 == 0 ? JobStatus.SUCCEEDED : i % 5 == 1 ? JobStatus.FAILED : JobStatus.RUNNING;
            view.put(job(ids.get(i), "acme", st, T.plusSeconds(i % 7)));
        }
        BatchTally tally = BatchTally.read(view, "b1", Caller.withoutKey("acme"), new SealedParts()).orElseThrow();
        assertThat(tally.total()).isEqualTo(2_500);
        assertThat(tally.count(JobStatus.SUCCEEDED)).isEqualTo(500);
        assertThat(tally.count(JobStatus.FAILED)).isEqualTo(500);
        assertThat(tally.count(JobStatus.RUNNING)).isEqualTo(1_000);
        assertThat(tally.count(JobStatus.QUEUED)).isEqualTo(500);
        assertThat(tally.ended()).isFalse();
        assertThat(tally.created()).isEqualTo(T);
    }

    @Test
    void theTokensAndCostOfEndedJobsAddUpExactly() {
        view.list("b1", ids(4));
        view.put(ended("job_00000", new TokenUsage(10, 5, 15, 2, 0, 0), new BigDecimal("0.00000125")));
        view.put(ended("job_00001", new TokenUsage(20, 7, 27, 0, 3, 0), new BigDecimal("0.00000375")));
        view.put(ended("job_00002", new TokenUsage(4, 1, 5, 0, 0, 0), null)); // no known price
        view.put(job("job_00003", "acme", JobStatus.RUNNING, T));
        BatchTally tally = BatchTally.read(view, "b1", Caller.withoutKey(null), new SealedParts()).orElseThrow();
        assertThat(tally.usage()).isEqualTo(new TokenUsage(34, 13, 47, 2, 3, 0));
        assertThat(tally.costUsd()).isEqualByComparingTo("0.00000500");
        assertThat(tally.unpriced()).isEqualTo(1);
    }

    private static JobSnapshot ended(String id, TokenUsage usage, BigDecimal cost) {
        JobResult r = new JobResult(1, id, "b1", null, "acme", "gpt-4o", JobStatus.SUCCEEDED,
                Json.mapper().createObjectNode().put("object", "chat.completion"), null, usage, cost, null, "d",
                "openai", "gpt-4o", List.of(), 1L, null, T, T, T.plusSeconds(1), null, null, null);
        return new JobSnapshot(id, "b1", null, "acme", "gpt-4o", false, T, JobStatus.SUCCEEDED, null, null, r);
    }

    @Test
    void anotherTenantsBatchIsUnknownEvenWhenOnlyALaterPartShowsIt() {
        List<String> ids = ids(1_500);
        view.list("b1", ids);
        ids.forEach(id -> view.put(job(id, "acme", JobStatus.SUCCEEDED, T)));
        SealedParts sealed = new SealedParts();
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey("globex"), sealed)).isEmpty();
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey("acme"), sealed).orElseThrow().ended()).isTrue();
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey(null), sealed)).isPresent();
        // once its parts are kept, the batch's tenant is told by them
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey("globex"), sealed)).isEmpty();
        view.put(job(ids.get(1_200), "globex", JobStatus.SUCCEEDED, T)); // never so, but checked on every part read
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey("acme"), new SealedParts())).isEmpty();
    }

    @Test
    void partsWhoseJobsAllEndedAreNotReadAgain() {
        List<String> ids = ids(2_500); // parts: the first job, then 1,000, 1,000 and 499
        view.list("b1", ids);
        for (int i = 0; i < ids.size(); i++) {
            view.put(job(ids.get(i), "acme", i < 1_500 ? JobStatus.SUCCEEDED : JobStatus.RUNNING, T));
        }
        SealedParts sealed = new SealedParts();
        Caller acme = Caller.withoutKey("acme");
        BatchTally first = BatchTally.read(view, "b1", acme, sealed).orElseThrow();
        assertThat(view.jobLookups()).isEqualTo(4);
        assertThat(sealed.get("b1").sealed()).as("the first job and the first thousand").isEqualTo(2);

        BatchTally again = BatchTally.read(view, "b1", acme, sealed).orElseThrow();
        assertThat(view.jobLookups()).as("only the two parts still running").isEqualTo(6);
        assertThat(again.count(JobStatus.SUCCEEDED)).isEqualTo(first.count(JobStatus.SUCCEEDED)).isEqualTo(1_500);
        assertThat(again.count(JobStatus.RUNNING)).isEqualTo(1_000);

        for (int i = 1_500; i < ids.size(); i++) {
            view.put(job(ids.get(i), "acme", JobStatus.SUCCEEDED, T));
        }
        assertThat(BatchTally.read(view, "b1", acme, sealed).orElseThrow().ended()).isTrue();
        assertThat(view.jobLookups()).isEqualTo(8);
        BatchTally kept = BatchTally.read(view, "b1", acme, sealed).orElseThrow();
        assertThat(kept.count(JobStatus.SUCCEEDED)).isEqualTo(2_500);
        assertThat(view.jobLookups()).as("every part kept").isEqualTo(8);
        assertThat(kept.model()).as("the model group of the kept parts' jobs").isEqualTo("gpt-4o");

        // a part kept under other jobs (the store's list of the batch grew in its middle) is read again
        List<String> grown = new ArrayList<>(ids);
        grown.add(500, "job_00499a");
        view.list("b1", grown);
        view.put(new JobSnapshot("job_00499a", "b1", null, "acme", "claude", false, T, JobStatus.SUCCEEDED, null,
                null, null));
        BatchTally regrown = BatchTally.read(view, "b1", acme, sealed).orElseThrow();
        assertThat(regrown.total()).isEqualTo(2_501);
        assertThat(view.jobLookups()).as("the three parts after the first job moved").isEqualTo(11);
        assertThat(regrown.model()).as("jobs of two model groups").isNull();
    }

    @Test
    void jobsThatEndedAreNotReadAgainWhileTheRestOfTheirPartRuns() {
        List<String> ids = ids(1_001); // parts: the first job, then 1,000
        view.list("b1", ids);
        TokenUsage usage = new TokenUsage(10, 5, 15, 0, 0, 0);
        for (int i = 0; i < ids.size(); i++) {
            view.put(i < 400 ? ended(ids.get(i), usage, new BigDecimal("0.001")) : job(ids.get(i), "acme",
                    JobStatus.RUNNING, T.plusSeconds(1)));
        }
        SealedParts sealed = new SealedParts();
        Caller caller = Caller.withoutKey("acme");
        BatchTally first = BatchTally.read(view, "b1", caller, sealed).orElseThrow();
        assertThat(view.jobIdsAsked()).isEqualTo(1_001);
        BatchTally again = BatchTally.read(view, "b1", caller, sealed).orElseThrow();
        assertThat(view.jobIdsAsked()).as("the 601 still running, not the first job nor the 399 ended after it")
                .isEqualTo(1_001 + 601);
        for (BatchTally t : List.of(first, again)) {
            assertThat(t.count(JobStatus.SUCCEEDED)).isEqualTo(400);
            assertThat(t.count(JobStatus.RUNNING)).isEqualTo(601);
            assertThat(t.usage()).isEqualTo(new TokenUsage(4_000, 2_000, 6_000, 0, 0, 0));
            assertThat(t.costUsd()).isEqualByComparingTo("0.400");
            assertThat(t.created()).isEqualTo(T);
            assertThat(t.lastEnded()).isEqualTo(T.plusSeconds(1));
        }

        for (int i = 400; i < 700; i++) { // 300 more end, failed
            view.put(job(ids.get(i), "acme", JobStatus.FAILED, T));
        }
        BatchTally third = BatchTally.read(view, "b1", caller, sealed).orElseThrow();
        assertThat(view.jobIdsAsked()).isEqualTo(1_001 + 601 + 601);
        assertThat(third.count(JobStatus.SUCCEEDED)).isEqualTo(400);
        assertThat(third.count(JobStatus.FAILED)).isEqualTo(300);
        assertThat(third.count(JobStatus.RUNNING)).isEqualTo(301);
        assertThat(third.costUsd()).isEqualByComparingTo("0.400");
        BatchTally.read(view, "b1", caller, sealed).orElseThrow();
        assertThat(view.jobIdsAsked()).as("the 301 still running").isEqualTo(1_001 + 601 + 601 + 301);

        for (int i = 700; i < ids.size(); i++) {
            view.put(job(ids.get(i), "acme", JobStatus.CANCELLED, T));
        }
        assertThat(BatchTally.read(view, "b1", caller, sealed).orElseThrow().ended()).isTrue();
        long asked = view.jobIdsAsked();
        BatchTally last = BatchTally.read(view, "b1", caller, sealed).orElseThrow();
        assertThat(view.jobIdsAsked()).as("nothing: every part sealed").isEqualTo(asked);
        assertThat(sealed.get("b1").sealed()).isEqualTo(2);
        assertThat(last.total()).isEqualTo(1_001);
        assertThat(last.count(JobStatus.CANCELLED)).isEqualTo(301);
        assertThat(last.usage()).isEqualTo(new TokenUsage(4_000, 2_000, 6_000, 0, 0, 0));
    }

    @Test
    void anEntryOfAnotherIdThanItsKeyIsCountedAndNotKept() {
        List<String> ids = ids(3);
        view.list("b1", ids);
        view.put(job(ids.get(0), "acme", JobStatus.SUCCEEDED, T));
        view.putUnder(ids.get(1), job("job_elsewhere", "acme", JobStatus.SUCCEEDED, T));
        view.put(job(ids.get(2), "acme", JobStatus.SUCCEEDED, T));
        SealedParts sealed = new SealedParts();
        for (int i = 0; i < 2; i++) {
            BatchTally tally = BatchTally.read(view, "b1", Caller.withoutKey("acme"), sealed).orElseThrow();
            assertThat(tally.total()).isEqualTo(3);
            assertThat(tally.count(JobStatus.SUCCEEDED)).isEqualTo(3);
        }
        assertThat(view.jobIdsAsked()).as("the entry not kept is asked again").isEqualTo(3 + 1);
    }

    @Test
    void aBatchTheStoreHasNotReadIsUnknownAndOneListedWithoutATenantIsOnlyForCallersWithout() {
        assertThat(BatchTally.read(view, "b2", Caller.withoutKey(null), new SealedParts())).isEmpty();
        view.list("b1", ids(3)); // its parts name no tenant (submitted without one), none of its jobs read yet
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey(null), new SealedParts()).orElseThrow()
                .count(JobStatus.QUEUED)).isEqualTo(3);
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey("acme"), new SealedParts())).isEmpty();
    }

    /**
     * This store read a batch's list before any of its jobs (written in the same transaction, read by other tasks):
     * its parts name its tenant, so that tenant sees it, every job queued; another does not.
     */
    @Test
    void aListedBatchWhoseJobsAreNotReadYetIsItsTenantsWithEveryJobQueued() {
        view.list("b1", ids(3), "acme");
        BatchTally tally = BatchTally.read(view, "b1", Caller.withoutKey("acme"), new SealedParts()).orElseThrow();
        assertThat(tally.total()).isEqualTo(3);
        assertThat(tally.count(JobStatus.QUEUED)).isEqualTo(3);
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey("globex"), new SealedParts())).isEmpty();
    }

    /**
     * A batch this instance accepted a while ago, of which the store has read nothing yet (it trails the topics under
     * load, and the batch's jobs are gone from the short read-your-writes memory): its tenant sees it, every job
     * queued, with what it was created from; another tenant does not, and a batch neither accepted here nor read is
     * unknown.
     */
    @Test
    void aBatchAcceptedHereThatTheStoreHasNotReadAtAllIsItsTenantsWithEveryJobQueued() {
        BatchManifest.FileBatch file = new BatchManifest.FileBatch("file-1", "/v1/chat/completions", "24h", null);
        view.submitted("b3", new JobStatusView.SubmittedBatch("acme", 2_000, T, file));

        BatchTally tally = BatchTally.read(view, "b3", Caller.withoutKey("acme"), new SealedParts()).orElseThrow();
        assertThat(tally.total()).isEqualTo(2_000);
        assertThat(tally.count(JobStatus.QUEUED)).isEqualTo(2_000);
        assertThat(tally.created()).isEqualTo(T);
        assertThat(tally.fileBatch()).isEqualTo(file);
        assertThat(BatchTally.read(view, "b3", Caller.withoutKey("globex"), new SealedParts())).isEmpty();
        assertThat(BatchTally.read(view, "b4", Caller.withoutKey("acme"), new SealedParts())).isEmpty();
    }
}
