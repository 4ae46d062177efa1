package dev.llmq.schemas;

import java.util.List;
import java.util.Objects;

/**
 * The names of llmq's topics. The prefix is configurable (default {@code llmq}); nothing outside
 * this module spells a topic name.
 */
public record TopicNames(String prefix) {

    public static final String DEFAULT_PREFIX = "llmq";

    public TopicNames {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isBlank() || !prefix.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("topic prefix must be non-empty and use only [A-Za-z0-9._-]: '" + prefix + "'");
        }
    }

    public static TopicNames defaults() {
        return new TopicNames(DEFAULT_PREFIX);
    }

    /** The work queue: {@link JobRequest} keyed by job id. */
    public String jobs() {
        return prefix + ".jobs.v1";
    }

    /** Partial tokens: {@link StreamChunk} keyed by job id, in order per job. */
    public String chunks() {
        return prefix + ".chunks.v1";
    }

    /** Terminal results: {@link JobResult} keyed by job id. */
    public String results() {
        return prefix + ".results.v1";
    }

    /** Job lifecycle events short of the result ({@link JobStatusEvent}: running). */
    public String status() {
        return prefix + ".status.v1";
    }

    /** Records that could not be processed at all, with the reason in headers. */
    public String dlq() {
        return prefix + ".dlq.v1";
    }

    /** Compacted control state: deployment health, cancellations, budget state. */
    public String control() {
        return prefix + ".control.v1";
    }

    public List<String> all() {
        return List.of(jobs(), chunks(), results(), status(), dlq(), control());
    }

    /** Topics that are compacted rather than deleted by time. */
    public boolean isCompacted(String topic) {
        return control().equals(topic);
    }
}
