package dev.llmq.worker.internal;

import dev.llmq.provider.Abort;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JobRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cancellations this worker knows (every {@code job_cancel} on the control topic, by job id and by batch id) and
 * the jobs it runs, so a cancellation stops a job whether it arrives before the job starts or while it runs.
 * Cancellations are forgotten {@code retention} after they were asked (memory stays bounded; compaction keeps one
 * record per key on the topic). Thread-safe.
 */
public final class Cancellations {

    private record Cancel(String reason, String source, Instant at, boolean job) {
    }

    private static boolean hasJob(Cancel cancel) {
        return cancel.job();
    }

    private final Clock clock;
    private final Duration retention;
    private final Map<String, Cancel> jobs = new ConcurrentHashMap<>();
    private final Map<String, Cancel> batches = new ConcurrentHashMap<>();
    private final Map<Abort, JobRequest> running = new ConcurrentHashMap<>();
    private volatile Instant nextPurge = Instant.MIN;

    /** How long a worker remembers a cancellation it read ({@link JobControlMessage#CANCEL_RETENTION}). */
    public static final Duration DEFAULT_RETENTION = JobControlMessage.CANCEL_RETENTION;

    public Cancellations(Clock clock, Duration retention) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    /** Applies a {@code job_cancel}: remembered, and every running job it names is aborted at once. */
    public void apply(JobControlMessage message) {
        if (!JobControlMessage.TYPE_CANCEL.equals(message.type())) {
            return;
        }
        purge();
        Cancel cancel = new Cancel(message.reason(), message.source(), message.at(),
                message.jobId() != null);
        if (expired(cancel)) {
            return;
        }
        if (message.jobId() != null) {
            jobs.put(message.jobId(), cancel);
        } else {
            batches.put(message.batchId(), cancel);
        }
        running.forEach((abort, job) -> {
            if (job.jobId().equals(message.jobId()) || (job.batchId() != null
                    && job.batchId().equals(message.batchId()))) {
                abort.abort(reason(job, cancel));
            }
        });
    }

    /**
     * Tracks a job about to run: {@code abort} fires when it is cancelled, at once if it already is. Returns what
     * stops tracking it, to call when the run is over.
     */
    public Runnable track(JobRequest job, Abort abort) {
        running.put(abort, job);
        Cancel cancel = find(job);
        if (cancel != null) {
            abort.abort(reason(job, cancel));
        }
        return () -> running.remove(abort);
    }

    /** Cancellations remembered now (jobs and batches). */
    public int size() {
        return jobs.size() + batches.size();
    }

    private Cancel find(JobRequest job) {
        Cancel cancel = jobs.get(job.jobId());
        if (cancel == null && job.batchId() != null) {
            cancel = batches.get(job.batchId());
        }
        return cancel == null || expired(cancel) ? null : cancel;
    }

    private static ProviderError reason(JobRequest job, Cancel cancel) {
        StringBuilder message = new StringBuilder(job.batchId() != null && !hasJob(cancel)
                ? "the job was cancelled (with its batch " + job.batchId() + ")" : "the job was cancelled");
        if (cancel.reason() != null && !cancel.reason().isBlank()) {
            message.append(": ").append(cancel.reason());
        }
        return ProviderError.builder(ErrorKind.CANCELLED).providerCode("cancelled").message(message.toString())
                .build();
    }

    private boolean expired(Cancel cancel) {
        return cancel.at().plus(retention).isBefore(clock.instant());
    }

    /** Forgets expired cancellations, at most once a minute. */
    private void purge() {
        Instant now = clock.instant();
        if (now.isBefore(nextPurge)) {
            return;
        }
        nextPurge = now.plus(Duration.ofMinutes(1));
        jobs.values().removeIf(this::expired);
        batches.values().removeIf(this::expired);
    }
}
