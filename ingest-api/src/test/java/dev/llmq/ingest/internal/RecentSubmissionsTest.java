package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The read-your-writes memory: found by job, batch and idempotency key, and bounded in time and in size. */
class RecentSubmissionsTest {

    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");

    private static JobSnapshot job(String id, String batch, String tenant, String key) {
        return new JobSnapshot(id, batch, null, tenant, "gpt-4o", false, T0, JobStatus.QUEUED, key, "fp", null);
    }

    @Test
    void aSubmissionIsFoundByItsJobsItsBatchAndItsKeyUntilTheTtl() {
        StepClock clock = new StepClock(T0);
        RecentSubmissions recent = new RecentSubmissions(clock, Duration.ofSeconds(30), 100);
        List<JobSnapshot> batch = List.of(job("job_1", "batch_1", "acme", "k"), job("job_2", "batch_1", "acme", "k"));
        recent.add(batch);

        assertThat(recent.get(JobStatusTopology.jobKey("job_2"))).containsExactly(batch.get(1));
        assertThat(recent.get(JobStatusTopology.batchKey("batch_1"))).isEqualTo(batch);
        assertThat(recent.get(JobStatusTopology.idempotencyKey("acme", "k"))).isEqualTo(batch);
        assertThat(recent.get(JobStatusTopology.idempotencyKey(null, "k"))).isEmpty();

        clock.advance(Duration.ofSeconds(29));
        assertThat(recent.get(JobStatusTopology.jobKey("job_1"))).hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(recent.get(JobStatusTopology.jobKey("job_1"))).isEmpty();
        assertThat(recent.size()).isZero();
    }

    @Test
    void beyondTheLimitTheOldestEntriesGo() {
        RecentSubmissions recent = new RecentSubmissions(new StepClock(T0), Duration.ofSeconds(30), 3);
        for (int i = 0; i < 5; i++) {
            recent.add(List.of(job("job_" + i, null, null, null)));
        }
        assertThat(recent.size()).isEqualTo(3);
        assertThat(recent.get(JobStatusTopology.jobKey("job_1"))).isEmpty();
        assertThat(recent.get(JobStatusTopology.jobKey("job_4"))).hasSize(1);
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> new RecentSubmissions(new StepClock(T0), Duration.ZERO, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RecentSubmissions(new StepClock(T0), Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A batch is remembered apart from its jobs, small, for longer: the jobs submitted after it push its full entry out
     * (at once under load), the batch itself stays until the batch ttl or the batch limit.
     */
    @Test
    void aBatchOutlivesItsJobsEntriesUntilItsOwnTtlOrLimit() {
        StepClock clock = new StepClock(T0);
        RecentSubmissions recent = new RecentSubmissions(clock, Duration.ofSeconds(30), 3, Duration.ofHours(1), 2);
        BatchManifest.FileBatch file = new BatchManifest.FileBatch("file-1", "/v1/chat/completions", "24h", null);
        recent.add(List.of(job("job_1", "batch_1", "acme", null), job("job_2", "batch_1", "acme", null),
                job("job_3", "batch_1", "acme", null)), file);
        for (int i = 0; i < 3; i++) {
            recent.add(List.of(job("job_x" + i, null, null, null)));
        }

        assertThat(recent.get(JobStatusTopology.batchKey("batch_1"))).as("pushed out by later jobs").isEmpty();
        assertThat(recent.batch("batch_1")).contains(new JobStatusView.SubmittedBatch("acme", 3, T0, file));
        clock.advance(Duration.ofMinutes(59));
        assertThat(recent.batch("batch_1")).isPresent();
        clock.advance(Duration.ofMinutes(1));
        assertThat(recent.batch("batch_1")).isEmpty();

        for (int b = 2; b <= 4; b++) {
            recent.add(List.of(job("job_b" + b, "batch_" + b, null, null)));
        }
        assertThat(recent.batches()).isEqualTo(2);
        assertThat(recent.batch("batch_2")).isEmpty();
        assertThat(recent.batch("batch_4")).map(JobStatusView.SubmittedBatch::jobs).contains(1);
        assertThat(recent.batch("job_b4")).as("single jobs are no batches").isEmpty();
    }
}
