package dev.llmq.worker.internal;

/** The two priority lanes of the job queue, one topic each. */
public enum Lane {
    /** {@code jobs.interactive.v1}: started first. */
    INTERACTIVE,
    /** {@code jobs.v1}: the default; keeps a minimum share of the starts while interactive jobs wait. */
    BATCH
}
