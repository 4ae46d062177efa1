package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cancel rules without Kafka: a status view held in a map and a publisher that records what it is given. */
class CancelServiceTest {

    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    private final MapStatusView view = new MapStatusView();
    private final List<JobControlMessage> published = new ArrayList<>();
    /** The control topic as the ingest reads it: what was published, at its time. */
    private final CancelService.AskedBefore topic = (jobId, batchId) -> published.stream()
            .filter(m -> jobId == null ? m.jobId() == null && batchId.equals(m.batchId())
                    : jobId.equals(m.jobId()) || m.jobId() == null && batchId != null && batchId.equals(m.batchId()))
            .map(JobControlMessage::at).min(Comparator.naturalOrder());
    private final StepClock clock = new StepClock(NOW);
    private final CancelService cancels = new CancelService(view, new SealedParts(), published::add, topic,
            "/llmq/ingest/t", Json.mapper(), clock);

    private static final Caller ALL = Caller.withoutKey(null);

    private static byte[] body(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aQueuedOrRunningJobIsCancelledWithItsReason() {
        view.put(snapshot("job_q", "b1", JobStatus.QUEUED));
        view.put(snapshot("job_r", "b1", JobStatus.RUNNING));

        CancelService.JobCancel cancel = cancels.cancelJob("job_q", body("{\"reason\":\"no longer needed\"}"), ALL);
        assertThat(cancel.job().jobId()).isEqualTo("job_q");
        assertThat(cancel.requestedAt()).isEqualTo(NOW);
        cancels.cancelJob("job_r", new byte[0], ALL);

        assertThat(published).containsExactly(
                JobControlMessage.cancelJob("job_q", "no longer needed", "/llmq/ingest/t", NOW),
                JobControlMessage.cancelJob("job_r", null, "/llmq/ingest/t", NOW));
    }

    @Test
    void everyFinalStatusIs409AndPublishesNothing() {
        for (JobStatus st : List.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.EXPIRED)) {
            view.put(snapshot("job_" + st.wire(), null, st));
            ApiException e = catchThrowableOfType(ApiException.class,
                    () -> cancels.cancelJob("job_" + st.wire(), new byte[0], ALL));
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.code()).isEqualTo("job_finished");
            assertThat(e.retryFutile()).as("final: x-should-retry: false").isTrue();
            assertThat(e.getMessage()).contains("'" + st.wire() + "'");
        }
        assertThat(published).isEmpty();
    }

    @Test
    void aBatchIsCancelledWhileOneJobOfItIsUnfinished() {
        view.put(snapshot("job_1", "b1", JobStatus.SUCCEEDED));
        view.put(snapshot("job_2", "b1", JobStatus.QUEUED));
        CancelService.BatchCancel cancel = cancels.cancelBatch("b1", new byte[0], ALL);
        assertThat(cancel.jobs().total()).isEqualTo(2);
        assertThat(cancel.requestedAt()).isEqualTo(NOW);
        assertThat(published).containsExactly(JobControlMessage.cancelBatch("b1", null, "/llmq/ingest/t", NOW));

        view.put(snapshot("job_2", "b1", JobStatus.FAILED));
        ApiException e = catchThrowableOfType(ApiException.class, () -> cancels.cancelBatch("b1", new byte[0], ALL));
        assertThat(e.status()).isEqualTo(409);
        assertThat(e.code()).isEqualTo("batch_finished");
        assertThat(e.retryFutile()).as("final: x-should-retry: false").isTrue();
        assertThat(e.getMessage()).as("OpenAI's words").startsWith("Cannot cancel a batch with status 'cancelled'");
        assertThat(published).hasSize(1);
    }

    /** An ended batch's 409 says its status in OpenAI's words, which clients match ("Cannot cancel a batch ..."). */
    @Test
    void anEndedBatchIs409NamingItsStatusAsOpenAiDoes() {
        view.put(snapshot("job_c", "done", JobStatus.SUCCEEDED));
        view.put(snapshot("job_e1", "late", JobStatus.SUCCEEDED));
        view.put(snapshot("job_e2", "late", JobStatus.EXPIRED));
        assertThat(catchThrowableOfType(ApiException.class, () -> cancels.cancelBatch("done", new byte[0], ALL))
                .getMessage()).startsWith("Cannot cancel a batch with status 'completed':");
        assertThat(catchThrowableOfType(ApiException.class, () -> cancels.cancelBatch("late", new byte[0], ALL))
                .getMessage()).startsWith("Cannot cancel a batch with status 'expired':");
        assertThat(published).isEmpty();
    }

    /**
     * A cancellation asked again (an SDK's retry, a second click) keeps the first one's time, OpenAI's
     * {@code cancelling_at}, and writes nothing: once the answer and later {@code GET}s moved it to the last ask. A
     * job of a batch being cancelled is answered with its batch's time, as {@code GET /v1/jobs/{id}} says.
     */
    @Test
    void aCancellationAskedAgainKeepsTheFirstOnesTime() {
        view.put(snapshot("job_1", "b1", JobStatus.RUNNING));
        view.put(snapshot("job_2", "b1", JobStatus.QUEUED));
        view.put(snapshot("job_3", null, JobStatus.QUEUED));
        assertThat(cancels.cancelBatch("b1", new byte[0], ALL).requestedAt()).isEqualTo(NOW);
        assertThat(cancels.cancelJob("job_3", new byte[0], ALL).requestedAt()).isEqualTo(NOW);
        clock.advance(Duration.ofSeconds(30));

        assertThat(cancels.cancelBatch("b1", body("{\"reason\":\"again\"}"), ALL).requestedAt()).isEqualTo(NOW);
        assertThat(cancels.cancelJob("job_2", new byte[0], ALL).requestedAt()).isEqualTo(NOW);
        assertThat(cancels.cancelJob("job_3", new byte[0], ALL).requestedAt()).isEqualTo(NOW);
        assertThat(published).containsExactly(JobControlMessage.cancelBatch("b1", null, "/llmq/ingest/t", NOW),
                JobControlMessage.cancelJob("job_3", null, "/llmq/ingest/t", NOW));
    }

    @Test
    void unknownIs404OnceTheViewCaughtUpAnd503Before() {
        view.caughtUp = false;
        ApiException early = catchThrowableOfType(ApiException.class, () -> cancels.cancelJob("job_x", new byte[0], ALL));
        assertThat(early.status()).isEqualTo(503);
        assertThat(early.code()).isEqualTo("not_ready");
        view.caughtUp = true;
        assertThat(catchThrowableOfType(ApiException.class, () -> cancels.cancelJob("job_x", new byte[0], ALL)).status())
                .isEqualTo(404);
        assertThat(catchThrowableOfType(ApiException.class, () -> cancels.cancelBatch("b_x", new byte[0], ALL)).status())
                .isEqualTo(404);
        assertThat(published).isEmpty();
    }

    @Test
    void aBadBodyIs400BeforeAnythingElse() {
        view.put(snapshot("job_q", null, JobStatus.QUEUED));
        assertThat(catchThrowableOfType(ApiException.class, () -> cancels.cancelJob("job_q", body("[1]"), ALL)).code())
                .isEqualTo("invalid_request");
        assertThat(catchThrowableOfType(ApiException.class,
                () -> cancels.cancelJob("job_q", body("{\"reason\":\"" + "x".repeat(1025) + "\"}"), ALL)).param())
                .isEqualTo("reason");
        ApiException typo = catchThrowableOfType(ApiException.class,
                () -> cancels.cancelJob("job_q", body("{\"reson\":\"duplicate\"}"), ALL));
        assertThat(typo.code()).isEqualTo("unknown_parameter");
        assertThat(typo.param()).isEqualTo("reson");
        assertThat(published).isEmpty();
    }

    private static JobSnapshot snapshot(String id, String batch, JobStatus status) {
        return new JobSnapshot(id, batch, null, null, "gpt-4o", false, NOW, status, null, null, null);
    }
}
