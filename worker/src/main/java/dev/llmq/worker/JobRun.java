package dev.llmq.worker;

import dev.llmq.provider.Abort;
import dev.llmq.schemas.TraceContext;

/**
 * What a {@link JobHandler} may use of the worker's run of one job: the abort that stops it (a cancellation, its
 * deadline passing in flight) and where it reports each attempt's start (a {@code running} status event with the
 * attempt number, the deployment and the run id).
 */
public interface JobRun {

    /** Fires when the job is cancelled or its deadline passes; hand it to provider calls and the router. */
    Abort abort();

    /**
     * An attempt starts on {@code deployment}; call it after {@link ChunkPublisher#startAttempt} for a retried stream,
     * so the event names the attempt's run.
     */
    void attemptStarted(int attempt, String deployment);

    /**
     * The job waits, calling nothing, for {@code reason} (one sentence: a spend budget in force, no deployment able
     * to take it now, a retry's delay): told to the job's readers until its next attempt starts. By default not
     * reported.
     */
    default void waiting(String reason) {
        // nothing to report to
    }

    /**
     * The job's in-flight slot, which the handler may give back while the job waits for capacity; by default it is
     * held throughout.
     */
    default JobSlot slot() {
        return JobSlot.HELD;
    }

    /**
     * The job's trace context, from its record's {@code traceparent} and {@code tracestate} headers; null when it had
     * none (or an invalid one).
     */
    default TraceContext trace() {
        return null;
    }

    /** A run that nothing aborts and that reports nothing, for handlers called outside a worker. */
    static JobRun detached() {
        Abort abort = new Abort();
        return new JobRun() {
            @Override
            public Abort abort() {
                return abort;
            }

            @Override
            public void attemptStarted(int attempt, String deployment) {
                // nothing to report to
            }
        };
    }
}
