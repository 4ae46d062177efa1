package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.JobStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An idempotency key's earlier submission counts only whole and within the retention: the store purges its parts on
 * each partition's own schedule, and a part of it would not match a retry of the whole (a 422 instead of a new
 * submission once the key has expired).
 */
class IdempotencyExpiryTest {

    private static final Instant SUBMITTED = Instant.parse("2026-11-30T10:00:00Z");

    private static JobSnapshot job(String id, Instant submittedAt) {
        return new JobSnapshot(id, "batch_1", null, "t", "gpt-4o-mini", false, submittedAt, JobStatus.QUEUED, "k",
                "f-" + id, null);
    }

    @Test
    void aWholeSubmissionWithinTheRetentionIsTheKeysAnswer() {
        List<JobSnapshot> found = List.of(job("job_a", SUBMITTED), job("job_b", SUBMITTED));
        assertThat(StreamsJobStatusView.wholeAndUnexpired(List.of("job_a", "job_b"), found,
                SUBMITTED.minusMillis(1))).isEqualTo(found);
    }

    @Test
    void aJobIndexedButNoLongerStoredFreesTheKey() {
        List<JobSnapshot> found = List.of(job("job_b", SUBMITTED));
        assertThat(StreamsJobStatusView.wholeAndUnexpired(List.of("job_a", "job_b"), found,
                SUBMITTED.minusSeconds(1))).isEmpty();
    }

    @Test
    void aSubmissionAtOrBeforeThePurgeCutoffFreesTheKeyEvenIfStillStored() {
        List<JobSnapshot> found = List.of(job("job_a", SUBMITTED), job("job_b", SUBMITTED.plusMillis(3)));
        assertThat(StreamsJobStatusView.wholeAndUnexpired(List.of("job_a", "job_b"), found, SUBMITTED)).isEmpty();
        assertThat(StreamsJobStatusView.wholeAndUnexpired(List.of("job_a", "job_b"), found,
                SUBMITTED.plusSeconds(1))).isEmpty();
    }

    @Test
    void jobsRememberedAtSubmissionButNotYetIndexedStillCount() {
        List<JobSnapshot> found = List.of(job("job_a", SUBMITTED), job("job_b", SUBMITTED));
        assertThat(StreamsJobStatusView.wholeAndUnexpired(List.of(), found, SUBMITTED.minusSeconds(1)))
                .isEqualTo(found);
    }
}
