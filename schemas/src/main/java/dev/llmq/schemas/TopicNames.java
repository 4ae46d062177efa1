package dev.llmq.schemas;

import dev.llmq.config.LlmqKeys;
import java.util.List;
import java.util.Objects;

/**
 * The names of llmq's topics under a prefix ({@code llmq.topics.prefix}, default {@code llmq}); the topics themselves are
 * defined in {@link Topics}. Nothing outside this module spells a topic name.
 */
public record TopicNames(String prefix) {

    public static final String DEFAULT_PREFIX = LlmqKeys.TOPICS_PREFIX.defaultValue();

    public TopicNames {
        Objects.requireNonNull(prefix, "prefix");
        LlmqKeys.TOPICS_PREFIX.validate(prefix);
    }

    public static TopicNames defaults() {
        return new TopicNames(DEFAULT_PREFIX);
    }

    /** The full name of one topic under this prefix. */
    public String name(TopicSpec<?> topic) {
        return topic.name(this);
    }

    /** The work queue: {@link JobRequest} keyed by job id. */
    public String jobs() {
        return name(Topics.JOBS);
    }

    /** The work queue of interactive-priority jobs: {@link JobRequest} keyed by job id. */
    public String jobsInteractive() {
        return name(Topics.JOBS_INTERACTIVE);
    }

    /** Partial tokens: {@link StreamChunk} keyed by job id, in order per job. */
    public String chunks() {
        return name(Topics.CHUNKS);
    }

    /** Terminal results: {@link JobResult} keyed by job id, exactly one per job id for read_committed readers. */
    public String results() {
        return name(Topics.RESULTS);
    }

    /** Job lifecycle events short of the result ({@link JobStatusEvent}: running). */
    public String status() {
        return name(Topics.STATUS);
    }

    /** The job ids of the ingest's batches: {@link BatchManifest} parts keyed by batch id. */
    public String batches() {
        return name(Topics.BATCHES);
    }

    /** The uploaded files: {@link StoredFile} keyed by file id. */
    public String files() {
        return name(Topics.FILES);
    }

    /** The uploaded files' content: parts keyed {@link StoredFile#partKey}. */
    public String fileParts() {
        return name(Topics.FILE_PARTS);
    }

    /** Records that could not be processed at all, with the reason in headers. */
    public String dlq() {
        return name(Topics.DLQ);
    }

    /** Compacted control state: deployment health. */
    public String control() {
        return name(Topics.CONTROL);
    }

    /** Every topic's full name, in {@link Topics#ALL} order. */
    public List<String> all() {
        return Topics.ALL.stream().map(this::name).toList();
    }

}
