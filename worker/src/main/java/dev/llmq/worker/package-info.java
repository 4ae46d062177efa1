/**
 * The worker: consumes {@code llmq.jobs.v1}, runs each job through a {@link dev.llmq.worker.JobHandler} on its own
 * virtual thread, publishes the job's stream chunks, a {@code running} status event (for a run that lasts past
 * {@code llmq.worker.running_event_delay_ms}) and exactly one terminal result per delivery, dead-letters records it cannot read, and commits a job record only once its result is on the results
 * topic (never past an earlier record of the same partition that has none).
 *
 * <p>Delivery is at-least-once: a rebalance or a crash can run a job twice, so readers keep the first result per job
 * id. The {@code running} status event is sent fire-and-forget: losing one only delays a reader's "running" until the
 * result arrives. {@link dev.llmq.worker.health} shares deployment health and rpm/tpm limit shares between worker
 * processes.
 */
package dev.llmq.worker;
