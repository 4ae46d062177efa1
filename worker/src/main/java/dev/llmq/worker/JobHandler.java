package dev.llmq.worker;

import dev.llmq.schemas.JobRequest;

/**
 * Executes one job: the port between the worker's Kafka machinery and whatever answers the job (router plus
 * provider-lib in production, small handlers in tests).
 *
 * <p>Called on its own virtual thread, so it may block for as long as the provider takes. It is called at least once
 * per job (a rebalance or a crash can repeat a call), and the worker turns what it returns into exactly one terminal
 * result. An exception escaping it becomes a {@code failed} result with error kind {@code internal} (a
 * {@link dev.llmq.provider.ProviderException} keeps its own kind).
 */
@FunctionalInterface
public interface JobHandler {

    /**
     * @param job the decoded job, deadline not yet passed
     * @param chunks where a streaming job's {@code chat.completion.chunk} objects go, in order; for a job with
     *               {@code stream: false} it discards what it is given
     * @return the job's terminal outcome, never null
     * @throws InterruptedException when the worker is shutting down; the job then gets no result from this worker
     *                              and is picked up again by the partition's next owner
     */
    JobOutcome handle(JobRequest job, ChunkPublisher chunks) throws InterruptedException;

    /**
     * As {@link #handle(JobRequest, ChunkPublisher)}, with the worker's run of the job: a handler that calls providers
     * overrides this to stop when {@link JobRun#abort()} fires (cancelled, or past the deadline: it then returns a
     * {@code cancelled} or {@code expired} outcome) and to report each attempt, and to give the job's in-flight slot back while it waits for capacity
     * ({@link JobRun#slot()}). The worker calls this one; the default ignores all three.
     */
    default JobOutcome handle(JobRequest job, ChunkPublisher chunks, JobRun run) throws InterruptedException {
        return handle(job, chunks);
    }
}
