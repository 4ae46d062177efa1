package dev.llmq.ingest.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.schemas.JobControlMessage;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code POST /v1/jobs/{id}/cancel} and {@code POST /v1/batches/{id}/cancel} minus HTTP: checks the job or batch
 * against the status view (404 unknown, or 503 while the view has not caught up; 409 already finished), then writes a {@link JobControlMessage} to the control
 * topic and returns once the broker has it. The workers do the cancelling: a queued job is skipped, a running one
 * aborted; a job that finishes meanwhile keeps its result. A cancellation asked again (an SDK's retry, a second
 * click) is answered with the first one's time and writes nothing, so {@code cancelling_at} stays when it began, as
 * OpenAI's does.
 */
public final class CancelService {

    /** The longest accepted {@code reason}. */
    public static final int MAX_REASON = 1024;

    private final SealedParts sealed;
    private final JobStatusView view;
    private final Consumer<JobControlMessage> publisher;
    private final AskedBefore askedBefore;
    private final String source;
    private final ObjectMapper mapper;
    private final Clock clock;

    /** When a cancellation was asked before, as the control topic says (the ingest's {@link ControlStates}). */
    @FunctionalInterface
    public interface AskedBefore {
        /**
         * When the cancellation of the job {@code jobId} or of its batch {@code batchId} was asked (the earlier), or,
         * with {@code jobId} null, of the batch; empty when none was.
         */
        Optional<Instant> at(String jobId, String batchId);
    }

    /**
     * @param sealed the ended parts of batches counted before
     * @param publisher writes a message and returns once the broker acknowledged it (else throws 503)
     * @param askedBefore the cancellations already on the control topic
     */
    public CancelService(JobStatusView view, SealedParts sealed, Consumer<JobControlMessage> publisher,
                         AskedBefore askedBefore, String source, ObjectMapper mapper, Clock clock) {
        this.view = Objects.requireNonNull(view, "view");
        this.sealed = Objects.requireNonNull(sealed, "sealed");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.askedBefore = Objects.requireNonNull(askedBefore, "askedBefore");
        this.source = Objects.requireNonNull(source, "source");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A job whose cancellation was asked: the job as the view knew it, and when it was asked. */
    public record JobCancel(JobSnapshot job, Instant requestedAt) {
    }

    /**
     * Asks for the job's cancellation. A job the caller may not see (another tenant's) is answered exactly as an
     * unknown one.
     */
    public JobCancel cancelJob(String jobId, byte[] body, Caller caller) {
        String reason = reason(body);
        JobSnapshot job = caller.visible(view.job(jobId)).orElseThrow(() -> unknown("job", jobId));
        if (job.terminal()) {
            throw new ApiException(409, "invalid_request_error", "job_finished", null,
                    "job '" + jobId + "' already finished with status '" + job.status().wire()
                            + "'; only a queued or running job can be cancelled", "job_finished").withoutRetry();
        }
        Optional<Instant> before = askedBefore.at(jobId, job.batchId());
        if (before.isPresent()) {
            return new JobCancel(job, before.get());
        }
        JobControlMessage cancel = JobControlMessage.cancelJob(jobId, reason, source, clock.instant());
        publisher.accept(cancel);
        return new JobCancel(job, cancel.at());
    }

    /** A batch whose cancellation was asked: its jobs as the view knew them, and when it was asked. */
    public record BatchCancel(BatchTally jobs, Instant requestedAt) {
    }

    /**
     * Asks for the cancellation of every unfinished job of the batch. A batch the caller may not see is answered
     * exactly as an unknown one.
     */
    public BatchCancel cancelBatch(String batchId, byte[] body, Caller caller) {
        String reason = reason(body);
        BatchTally jobs = BatchTally.read(view, batchId, caller, sealed).orElseThrow(() -> unknown("batch", batchId));
        Optional<Instant> before = askedBefore.at(null, batchId);
        if (jobs.ended()) { // OpenAI's words first: clients match them (LiteLLM's tests do)
            throw new ApiException(409, "invalid_request_error", "batch_finished", null, "Cannot cancel a batch with"
                    + " status '" + JobViews.batchStatus(jobs, before.isPresent()) + "': every job of batch '"
                    + batchId + "' already finished (" + jobs.total() + " jobs); nothing is left to cancel",
                    "batch_finished").withoutRetry();
        }
        if (before.isPresent()) {
            return new BatchCancel(jobs, before.get());
        }
        JobControlMessage cancel = JobControlMessage.cancelBatch(batchId, reason, source, clock.instant());
        publisher.accept(cancel);
        return new BatchCancel(jobs, cancel.at());
    }

    /** 404, or 503 while the view is still reading the topics (the job may be in what it has not read yet). */
    private ApiException unknown(String what, String id) {
        if (!view.caughtUp()) {
            return new ApiException(503, "service_unavailable", "not_ready", null, "this instance is still reading"
                    + " the jobs topic and does not know " + what + " '" + id + "' yet; retry shortly", "not_ready");
        }
        return "batch".equals(what) ? ApiException.batchNotFound(id)
                : ApiException.notFound("no " + what + " with id '" + id + "'");
    }

    /** The optional {@code {"reason": "..."}}; an empty body has none. */
    private String reason(byte[] body) {
        if (body == null || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return null;
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("invalid_json", null, "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.invalid("invalid_json", null, "malformed JSON");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid("invalid_request", null, "the body must be a JSON object such as {\"reason\": \"...\"}");
        }
        for (java.util.Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("reason")) { // a typo ("reson") would otherwise cancel without the reason meant
                throw ApiException.invalid("unknown_parameter", name, "Unrecognized request argument supplied: "
                        + ChatRequestSchema.cut(name) + " (a cancel takes {\"reason\": \"...\"} only)");
            }
        }
        JsonNode reason = root.get("reason");
        if (reason == null || reason.isNull()) {
            return null;
        }
        if (!reason.isTextual()) {
            throw ApiException.invalid("invalid_type", "reason", "'reason' must be a string");
        }
        if (reason.asText().length() > MAX_REASON) {
            throw ApiException.invalid("invalid_value", "reason",
                    "'reason' must be at most " + MAX_REASON + " characters");
        }
        return reason.asText();
    }
}
