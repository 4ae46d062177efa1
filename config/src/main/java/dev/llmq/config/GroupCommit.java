package dev.llmq.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How the ingest API groups concurrent submissions into shared Kafka transactions ({@code llmq.ingest.group_commit.*}).
 *
 * @param linger how long a free producer waits after a group's first submission for more to join
 * @param maxBytes most bytes of jobs in one transaction (a larger single submission goes alone)
 * @param maxQueuedBytes most bytes of jobs waiting for a transaction; beyond it a submission answers 503
 *        {@code ingest_busy}
 */
public record GroupCommit(Duration linger, long maxBytes, long maxQueuedBytes) {

    public static final GroupCommit DEFAULTS = new GroupCommit(
            Duration.ofMillis(LlmqKeys.INGEST_GROUP_COMMIT_LINGER_MS.defaultValue()),
            LlmqKeys.INGEST_GROUP_COMMIT_MAX_BYTES.defaultValue(),
            LlmqKeys.INGEST_GROUP_COMMIT_MAX_QUEUED_BYTES.defaultValue());

    public GroupCommit {
        Objects.requireNonNull(linger, "linger");
        LlmqKeys.INGEST_GROUP_COMMIT_LINGER_MS.validate((int) Math.min(Integer.MAX_VALUE, linger.toMillis()),
                "linger (ms)");
        LlmqKeys.INGEST_GROUP_COMMIT_MAX_BYTES.validate(maxBytes, "maxBytes");
        LlmqKeys.INGEST_GROUP_COMMIT_MAX_QUEUED_BYTES.validate(maxQueuedBytes, "maxQueuedBytes");
    }
}
