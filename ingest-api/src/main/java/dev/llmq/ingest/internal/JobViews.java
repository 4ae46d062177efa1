package dev.llmq.ingest.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.OpenAiError;
import dev.llmq.schemas.StoredFile;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TokenUsage;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** Renders submissions, jobs, batches and batch-output lines as the API's JSON. */
public final class JobViews {

    private final ObjectMapper mapper;

    public JobViews(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /** The 202 body: {@code {"object":"llmq.job.submission","batch_id","jobs":[...],"count"}}, plus {@code id} for one job. */
    public ObjectNode submission(Submission s) {
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "llmq.job.submission");
        if (!s.multi()) {
            root.put("id", s.jobs().getFirst().id());
        }
        root.put("batch_id", s.batchId());
        ArrayNode jobs = root.putArray("jobs");
        for (Submission.JobRef j : s.jobs()) {
            ObjectNode o = jobs.addObject();
            o.put("id", j.id());
            o.put("custom_id", j.customId());
            o.put("status", JobStatus.QUEUED.wire());
        }
        root.put("count", s.jobs().size());
        return root;
    }

    /**
     * {@code GET /v1/jobs/{id}}. A running job adds {@code attempt}, {@code deployment}, {@code run_id} and, for a
     * stream, {@code tokens_so_far} from the newest status event; a finished one adds its result's fields, with
     * {@code attempts} (how many), {@code attempt_history} (every provider call, in order), {@code cost_usd} (exact,
     * a JSON number written in plain notation) and {@code cost_reason} (why {@code cost_usd} is null, else null).
     */
    public ObjectNode job(JobSnapshot s) {
        return job(s, null);
    }

    /**
     * As {@link #job(JobSnapshot)}; a job not finished whose cancellation (or its batch's) was asked at
     * {@code cancelRequestedAt} adds {@code cancel_requested} and {@code cancelling_at}: a queued job stays queued
     * until a worker reaches it in the queue and skips it.
     */
    public ObjectNode job(JobSnapshot s, Instant cancelRequestedAt) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", s.jobId());
        o.put("object", "llmq.job");
        o.put("status", s.status().wire());
        o.put("model", s.modelGroup());
        o.put("custom_id", s.customId());
        o.put("batch_id", s.batchId());
        o.put("stream", s.stream());
        putEpoch(o, "created_at", s.submittedAt());
        putEpoch(o, "expires_at", s.expiresAt());
        JobResult r = s.result();
        if (r == null) {
            JobSnapshot.Running run = s.running();
            if (s.status() == JobStatus.RUNNING && run != null) {
                o.put("attempt", run.attempt());
                o.put("deployment", run.deployment());
                o.put("run_id", run.runId());
                if (run.tokensSoFar() != null) {
                    o.put("tokens_so_far", run.tokensSoFar());
                }
                if (run.waiting() != null) {
                    o.put("waiting", run.waiting()); // why it calls nothing now: a budget, capacity, a retry's delay
                }
            }
            o.putNull("result");
            o.putNull("error");
            if (cancelRequestedAt != null) {
                o.put("cancel_requested", true);
                putEpoch(o, "cancelling_at", cancelRequestedAt);
            }
            return o;
        }
        putEpoch(o, "completed_at", r.completedAt());
        o.set("result", r.response());
        o.set("error", r.error() == null ? null : error(r.error()));
        o.set("usage", mapper.valueToTree(r.usage()));
        o.put("deployment", r.deployment());
        o.put("provider", r.provider());
        o.put("latency_ms", r.latencyMs());
        o.put("ttft_ms", r.ttftMs());
        o.put("attempts", r.attempts().size());
        o.set("attempt_history", mapper.valueToTree(r.attempts()));
        o.put("cost_usd", r.costUsd());
        o.put("cost_reason", r.costReason());
        // what llmq changed or estimated (a dropped parameter, the estimated usage of streams cut short)
        o.set("adjustments", mapper.valueToTree(r.adjustments()));
        return o;
    }

    /** OpenAI's error object for a failed job. */
    public ObjectNode error(JobError e) {
        return OpenAiError.error(e.message(), e.type(), e.param(), e.code() != null ? e.code() : e.kind());
    }

    /**
     * {@code GET /v1/batches/{id}}: OpenAI's Batch object, with llmq's counts by status beside it. Its status is
     * {@code in_progress} until every job ended, then {@code completed}, or {@code expired} (with {@code expired_at})
     * when a job ran out of time (its completion window or its own expiry), as OpenAI's batches expire: the jobs that
     * ended in time are in the output file, the expired ones in the error file. Once a cancellation of the batch was
     * asked ({@code cancelRequestedAt} not null), {@code cancelling} and then {@code cancelled}, with OpenAI's
     * {@code cancelling_at} and {@code cancelled_at} (when its last job ended). Once it ended, {@code output_file_id}
     * names its succeeded jobs' lines and {@code error_file_id} the others' ({@link FileService#outputFileId}), when
     * it has any; {@code finalizing_at} is its end too, unless it was cancelled (as OpenAI's cancelled batches go
     * from {@code cancelling} to {@code cancelled}): llmq has no finalizing step, its output files are there at once,
     * so a batch is never seen {@code finalizing}. {@code input_file_id}, {@code completion_window} (and so
     * {@code expires_at}) and {@code metadata} are those it was created with from a file, else null. {@code model}
     * is the model group its jobs name, null when they name more than one ({@link BatchTally#model}).
     * {@code usage} (OpenAI's {@code BatchUsage}, {@link #batchUsage}) and {@code cost_usd} sum its ended jobs'
     * (exact; {@code unpriced_jobs} used tokens at no known price and are not in the cost).
     */
    public ObjectNode batch(String batchId, BatchTally jobs, Instant cancelRequestedAt) {
        long done = 0;
        long failed = 0;
        ObjectNode byStatus = mapper.createObjectNode();
        for (JobStatus st : JobStatus.values()) {
            long n = jobs.count(st);
            if (st != JobStatus.UNKNOWN || n > 0) {
                byStatus.put(st.name().toLowerCase(Locale.ROOT), n);
            }
            if (st.terminal()) {
                done += n;
                if (st != JobStatus.SUCCEEDED) {
                    failed += n;
                }
            }
        }
        boolean ended = jobs.ended();
        BatchManifest.FileBatch from = jobs.fileBatch();
        ObjectNode o = mapper.createObjectNode();
        o.put("id", batchId);
        o.put("object", "batch");
        o.put("endpoint", from == null ? FileService.ENDPOINT : from.endpoint());
        o.putNull("errors");
        o.put("input_file_id", from == null ? null : from.inputFileId());
        o.put("completion_window", from == null ? null : from.completionWindow());
        boolean expired = ended && cancelRequestedAt == null && jobs.count(JobStatus.EXPIRED) > 0;
        o.put("status", batchStatus(jobs, cancelRequestedAt != null));
        // the rule GET /v1/files answers by: a file of a kind the ended batch has no line for is not one
        o.put("output_file_id", ended && !jobs.endedWithoutLinesFor(false) ? FileService.outputFileId(batchId)
                : null);
        o.put("error_file_id", ended && !jobs.endedWithoutLinesFor(true) ? FileService.errorFileId(batchId) : null);
        putEpoch(o, "created_at", jobs.created());
        putEpoch(o, "in_progress_at", jobs.created());
        putEpoch(o, "expires_at", from == null || from.completionWindow() == null || jobs.created() == null ? null
                : jobs.created().plus(JobDeadline.window(mapper.getNodeFactory().textNode(from.completionWindow()))));
        // OpenAI's batch finalizes (writes its output and error files) between its last request and its end; llmq's
        // files are its jobs' lines, there the moment its last job ends: it enters and leaves finalizing then
        putEpoch(o, "finalizing_at", ended && cancelRequestedAt == null ? jobs.lastEnded() : null);
        putEpoch(o, "completed_at", ended && cancelRequestedAt == null && !expired ? jobs.lastEnded() : null);
        putEpoch(o, "failed_at", null);
        putEpoch(o, "expired_at", expired ? jobs.lastEnded() : null);
        putEpoch(o, "cancelling_at", cancelRequestedAt);
        putEpoch(o, "cancelled_at", cancelRequestedAt != null && ended ? jobs.lastEnded() : null);
        ObjectNode requestCounts = o.putObject("request_counts");
        requestCounts.put("total", jobs.total());
        requestCounts.put("completed", done - failed);
        requestCounts.put("failed", failed);
        if (from == null || from.metadata() == null) {
            o.putNull("metadata");
        } else {
            o.set("metadata", mapper.valueToTree(from.metadata()));
        }
        o.put("model", jobs.model());
        if (cancelRequestedAt != null) {
            o.put("cancel_requested", true);
        }
        o.put("total", jobs.total());
        o.set("counts", byStatus);
        o.set("usage", batchUsage(jobs.usage()));
        o.put("cost_usd", jobs.costUsd());
        o.put("unpriced_jobs", jobs.unpriced());
        return o;
    }

    /**
     * A batch's OpenAI status: {@code in_progress}, then {@code completed}, or {@code expired} when a job ran out of
     * time; once its cancellation was asked ({@code cancelAsked}), {@code cancelling}, then {@code cancelled}.
     */
    static String batchStatus(BatchTally jobs, boolean cancelAsked) {
        boolean ended = jobs.ended();
        if (cancelAsked) {
            return ended ? "cancelled" : "cancelling";
        }
        return !ended ? "in_progress" : jobs.count(JobStatus.EXPIRED) > 0 ? "expired" : "completed";
    }

    /**
     * OpenAI's {@code BatchUsage}: input tokens (cache reads in {@code input_tokens_details.cached_tokens}, and
     * llmq's cache writes beside them as {@code cache_creation_tokens}, which OpenAI's SDKs ignore), output tokens
     * (reasoning in {@code output_tokens_details.reasoning_tokens}) and the total.
     */
    ObjectNode batchUsage(TokenUsage u) {
        ObjectNode o = mapper.createObjectNode();
        o.put("input_tokens", u.promptTokens());
        o.putObject("input_tokens_details").put("cached_tokens", u.cachedPromptTokens())
                .put("cache_creation_tokens", u.cacheCreationTokens());
        o.put("output_tokens", u.completionTokens());
        o.putObject("output_tokens_details").put("reasoning_tokens", u.reasoningTokens());
        o.put("total_tokens", u.totalTokens());
        return o;
    }

    /**
     * OpenAI's File object of an uploaded file ({@code status} is always {@code processed}: a file is checked before
     * it is kept).
     */
    public ObjectNode file(StoredFile f) {
        return fileObject(f.id(), f.bytes(), f.createdAt(), f.expiresAt(), f.filename(), f.purpose())
                .put("lines", f.lines());
    }

    /**
     * OpenAI's File object of a batch's output or error file ({@link FileService#batchOfOutput}), which is not
     * stored: its {@code bytes} are those of the lines of its jobs ended so far ({@link BatchTally#fileBytes}, all of
     * them once the batch ended); created when the batch ended, expiring as its {@code output_expires_after} says
     * ({@link BatchTally#outputExpiresAt}).
     */
    public ObjectNode outputFile(String fileId, String batchId, BatchTally jobs) {
        return fileObject(fileId, jobs.fileBytes(FileService.isErrorFile(fileId)), jobs.lastEnded(),
                jobs.outputExpiresAt(),
                batchId + (FileService.isErrorFile(fileId) ? "_error.jsonl" : "_output.jsonl"), "batch_output");
    }

    private ObjectNode fileObject(String id, long bytes, Instant created, Instant expires, String filename,
                                  String purpose) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("object", "file");
        o.put("bytes", bytes);
        putEpoch(o, "created_at", created);
        putEpoch(o, "expires_at", expires);
        o.put("filename", filename);
        o.put("purpose", purpose);
        o.put("status", "processed");
        o.putNull("status_details");
        return o;
    }

    /** OpenAI's answer to a file's deletion. */
    public ObjectNode deleted(String fileId) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", fileId);
        o.put("object", "file");
        o.put("deleted", true);
        return o;
    }

    /**
     * One OpenAI batch-output line for a finished job, as OpenAI writes them: a job that succeeded, or failed on its
     * provider's HTTP error answer (a 400, or a 429 or 5xx after its retries and fallbacks), has a {@code response}
     * with that status and body ({@code {"error": {...}}} for a failure) and {@code error: null}; a job that failed
     * otherwise (no answer: a timeout, a connection error, a budget) has {@code response: null} and an {@code error}.
     * Cancelled and expired jobs' errors have OpenAI's codes {@code batch_cancelled} and {@code batch_expired} (llmq's
     * own code is on the job, {@code GET /v1/jobs/{id}}).
     */
    public ObjectNode outputLine(JobSnapshot s) {
        JobResult r = Objects.requireNonNull(s.result(), "result");
        ObjectNode o = mapper.createObjectNode();
        o.put("id", s.jobId());
        o.put("custom_id", s.customId());
        JobError e = r.error();
        if (r.status() == JobStatus.SUCCEEDED) {
            response(o, s.jobId(), 200, r.response());
            o.putNull("error");
        } else if (r.status() == JobStatus.FAILED && e != null && e.httpStatus() != null && e.httpStatus() >= 400) {
            ObjectNode body = mapper.createObjectNode();
            body.set("error", error(e));
            response(o, s.jobId(), e.httpStatus(), body);
            o.putNull("error");
        } else {
            o.putNull("response");
            ObjectNode error = e == null
                    ? OpenAiError.error("job " + r.status().wire(), "api_error", null, r.status().wire()) : error(e);
            switch (r.status()) {
                case CANCELLED -> error.put("code", "batch_cancelled");
                case EXPIRED -> error.put("code", "batch_expired");
                default -> { }
            }
            o.set("error", error);
        }
        return o;
    }

    /**
     * {@link #outputLine} as the bytes an output or error file holds of it (without its newline): what a download
     * writes ({@link BatchResults}) and a file's {@code bytes} counts ({@link BatchTally#fileBytes}), alike.
     */
    public byte[] outputLineBytes(JobSnapshot s) {
        try {
            return mapper.writeValueAsBytes(outputLine(s));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void response(ObjectNode line, String jobId, int status, JsonNode body) {
        ObjectNode response = line.putObject("response");
        response.put("status_code", status);
        response.put("request_id", jobId);
        response.set("body", body);
    }

    private static void putEpoch(ObjectNode o, String field, Instant t) {
        if (t == null) {
            o.putNull(field);
        } else {
            o.put(field, t.getEpochSecond());
        }
    }
}
