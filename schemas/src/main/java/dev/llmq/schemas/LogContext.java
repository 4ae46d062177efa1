package dev.llmq.schemas;

import org.slf4j.MDC;

/**
 * The SLF4J MDC keys llmq sets while a thread works for one job or submission, so that every log line it writes
 * names them (the JSON log format prints them as fields). Set on the thread that does the work (a job's virtual
 * thread, the request's handler thread) and removed by closing the returned scope:
 *
 * <pre>{@code
 * try (LogContext.Scope ignored = LogContext.job(job.jobId(), job.batchId(), trace.traceId())) {
 *     ... // every log line here carries job_id, batch_id and trace_id
 *     LogContext.deployment(deployment.id());   // once an attempt has chosen one
 * }
 * }</pre>
 */
public final class LogContext {

    /** The job's id. */
    public static final String JOB_ID = "job_id";
    /** The batch the job was submitted in, when it was. */
    public static final String BATCH_ID = "batch_id";
    /** The deployment of the job's current attempt. */
    public static final String DEPLOYMENT = "deployment";
    /** The 32-hex trace id of the job's W3C traceparent. */
    public static final String TRACE_ID = "trace_id";

    private static final Scope CLEAR_ALL = LogContext::clear;

    private LogContext() {
    }

    /** Removes every key this class sets; no checked exception. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Sets the job's keys (a null value leaves its key unset) on this thread; closing the scope removes all four.
     */
    public static Scope job(String jobId, String batchId, String traceId) {
        put(JOB_ID, jobId);
        put(BATCH_ID, batchId);
        put(TRACE_ID, traceId);
        return CLEAR_ALL;
    }

    /** Sets the keys of a submission being handled (no job id yet); closing the scope removes all four. */
    public static Scope submission(String traceId) {
        return job(null, null, traceId);
    }

    /** The batch a submission was given, once it has one. */
    public static void batch(String batchId) {
        put(BATCH_ID, batchId);
    }

    /** The deployment of the attempt under way (replaces the previous attempt's). */
    public static void deployment(String deployment) {
        put(DEPLOYMENT, deployment);
    }

    /** Removes the four keys from this thread's MDC. */
    public static void clear() {
        MDC.remove(JOB_ID);
        MDC.remove(BATCH_ID);
        MDC.remove(DEPLOYMENT);
        MDC.remove(TRACE_ID);
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
