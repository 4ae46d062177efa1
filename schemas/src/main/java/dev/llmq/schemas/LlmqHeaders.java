package dev.llmq.schemas;

/** Kafka record header names used by llmq. */
public final class LlmqHeaders {

    private LlmqHeaders() {
    }

    /** W3C trace context. */
    public static final String TRACEPARENT = "traceparent";
    /** W3C trace context: the vendors' state that travels with the traceparent (at most 512 characters). */
    public static final String TRACESTATE = "tracestate";
    public static final String CONTENT_TYPE = "content-type";
    public static final String APPLICATION_JSON = "application/json";

    /** CloudEvents binary mode. */
    public static final String CE_SPECVERSION = "ce_specversion";
    public static final String CE_ID = "ce_id";
    public static final String CE_SOURCE = "ce_source";
    public static final String CE_TYPE = "ce_type";
    public static final String CE_TIME = "ce_time";

    /** CloudEvents types. */
    public static final String TYPE_JOB = "dev.llmq.job.v1";
    public static final String TYPE_CHUNK = "dev.llmq.chunk.v1";
    public static final String TYPE_RESULT = "dev.llmq.result.v1";
    public static final String TYPE_STATUS = "dev.llmq.status.v1";
    public static final String TYPE_CONTROL = "dev.llmq.control.v1";
    public static final String TYPE_BATCH = "dev.llmq.batch.v1";

    /**
     * On a job record whose batch the ingest listed on {@code llmq.batches.v1} ({@link BatchManifest}), in the same
     * transaction; value {@value #BATCH_LISTED_VALUE}. A job record without it (another writer's, an older ingest's)
     * is indexed in its batch on its own.
     */
    public static final String BATCH_LISTED = "llmq.batch.listed";
    public static final String BATCH_LISTED_VALUE = "true";

    /** The kind of a control-topic message, so readers skip kinds they do not handle. */
    public static final String CONTROL_TYPE = "llmq.control.type";

    /** Dead-letter headers: why a record could not be processed, and where it came from. */
    public static final String DLQ_REASON = "llmq.dlq.reason";
    public static final String DLQ_EXCEPTION = "llmq.dlq.exception";
    public static final String DLQ_ORIGINAL_TOPIC = "llmq.dlq.original.topic";
    public static final String DLQ_ORIGINAL_PARTITION = "llmq.dlq.original.partition";
    public static final String DLQ_ORIGINAL_OFFSET = "llmq.dlq.original.offset";
    public static final String DLQ_FAILED_AT = "llmq.dlq.failed.at";
    /** On a poison job's dead letter: how many times the job was started without finishing. */
    public static final String DLQ_DELIVERIES = "llmq.dlq.deliveries";
}
