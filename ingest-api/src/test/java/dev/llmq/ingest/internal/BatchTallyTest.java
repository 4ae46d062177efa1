package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.JobStatus;
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
        BatchTally tally = BatchTally.read(view, "b1", Caller.withoutKey("acme")).orElseThrow();
        assertThat(tally.total()).isEqualTo(2_500);
        assertThat(tally.count(JobStatus.SUCCEEDED)).isEqualTo(500);
        assertThat(tally.count(JobStatus.FAILED)).isEqualTo(500);
        assertThat(tally.count(JobStatus.RUNNING)).isEqualTo(1_000);
        assertThat(tally.count(JobStatus.QUEUED)).isEqualTo(500);
        assertThat(tally.ended()).isFalse();
        assertThat(tally.created()).isEqualTo(T);
    }

    @Test
    void anotherTenantsBatchIsUnknownEvenWhenOnlyALaterPartShowsIt() {
        List<String> ids = ids(1_500);
        view.list("b1", ids);
        ids.forEach(id -> view.put(job(id, "acme", JobStatus.SUCCEEDED, T)));
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey("globex"))).isEmpty();
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey("acme")).orElseThrow().ended()).isTrue();
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey(null))).isPresent();
        view.put(job(ids.get(1_200), "globex", JobStatus.SUCCEEDED, T)); // never so, but checked on every part
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey("acme"))).isEmpty();
    }

    @Test
    void aBatchWhoseJobsTheStoreHasNotReadIsUnknownUnlessThisInstanceRemembersIt() {
        view.list("b1", ids(3));
        assertThat(BatchTally.read(view, "b1", Caller.withoutKey(null))).isEmpty();
        assertThat(BatchTally.read(view, "b2", Caller.withoutKey(null))).isEmpty();
    }
}
