package dev.llmq.config;

/**
 * The ingest API's limits on one submission ({@code llmq.ingest.limits.*}); each violation is a 400 (or 413 for the
 * body size) naming the limit, with nothing enqueued.
 *
 * @param maxJobsPerSubmission jobs in one array or NDJSON body
 * @param maxMessagesPerJob entries of a job's {@code messages}
 * @param maxJsonDepth nesting depth of any JSON value in the body
 * @param maxCustomIdChars length of a job's {@code custom_id}
 * @param maxMetadataPairs entries of a job's {@code metadata}
 * @param maxMetadataKeyChars length of a {@code metadata} key
 * @param maxMetadataValueChars length of a {@code metadata} value
 * @param maxTags entries of a job's {@code tags}
 * @param maxTagChars length of one tag
 * @param maxIdempotencyKeyChars length of the {@code Idempotency-Key} header (printable ASCII only)
 */
public record IngestLimits(int maxJobsPerSubmission, int maxMessagesPerJob, int maxJsonDepth, int maxCustomIdChars,
                           int maxMetadataPairs, int maxMetadataKeyChars, int maxMetadataValueChars, int maxTags,
                           int maxTagChars, int maxIdempotencyKeyChars) {

    public static final IngestLimits DEFAULTS = new IngestLimits(
            LlmqKeys.LIMIT_MAX_JOBS_PER_SUBMISSION.defaultValue(), LlmqKeys.LIMIT_MAX_MESSAGES_PER_JOB.defaultValue(),
            LlmqKeys.LIMIT_MAX_JSON_DEPTH.defaultValue(), LlmqKeys.LIMIT_MAX_CUSTOM_ID_CHARS.defaultValue(),
            LlmqKeys.LIMIT_MAX_METADATA_PAIRS.defaultValue(), LlmqKeys.LIMIT_MAX_METADATA_KEY_CHARS.defaultValue(),
            LlmqKeys.LIMIT_MAX_METADATA_VALUE_CHARS.defaultValue(), LlmqKeys.LIMIT_MAX_TAGS.defaultValue(),
            LlmqKeys.LIMIT_MAX_TAG_CHARS.defaultValue(), LlmqKeys.LIMIT_MAX_IDEMPOTENCY_KEY_CHARS.defaultValue());

    public IngestLimits {
        LlmqKeys.LIMIT_MAX_JOBS_PER_SUBMISSION.validate(maxJobsPerSubmission);
        LlmqKeys.LIMIT_MAX_MESSAGES_PER_JOB.validate(maxMessagesPerJob);
        LlmqKeys.LIMIT_MAX_JSON_DEPTH.validate(maxJsonDepth);
        LlmqKeys.LIMIT_MAX_CUSTOM_ID_CHARS.validate(maxCustomIdChars);
        LlmqKeys.LIMIT_MAX_METADATA_PAIRS.validate(maxMetadataPairs);
        LlmqKeys.LIMIT_MAX_METADATA_KEY_CHARS.validate(maxMetadataKeyChars);
        LlmqKeys.LIMIT_MAX_METADATA_VALUE_CHARS.validate(maxMetadataValueChars);
        LlmqKeys.LIMIT_MAX_TAGS.validate(maxTags);
        LlmqKeys.LIMIT_MAX_TAG_CHARS.validate(maxTagChars);
        LlmqKeys.LIMIT_MAX_IDEMPOTENCY_KEY_CHARS.validate(maxIdempotencyKeyChars);
    }
}
