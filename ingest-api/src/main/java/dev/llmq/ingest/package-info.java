/**
 * llmq's ingest API: {@link dev.llmq.ingest.IngestServer} configured by {@link dev.llmq.ingest.IngestSettings}.
 *
 * <p>Errors always use OpenAI's shape {@code {"error":{"message","type","param","code"}}} with
 * {@code application/json}. Codes: {@code invalid_json}, {@code invalid_request}, {@code missing_required_parameter},
 * {@code invalid_type}, {@code invalid_value}, {@code model_not_found}, {@code duplicate_custom_id},
 * {@code request_too_large} (400, also for bodies over the size limit), {@code not_streaming} (400),
 * {@code not_found}, {@code batch_not_found} (404), {@code method_not_allowed} (405),
 * {@code idempotency_key_in_use} (409), {@code idempotency_key_reused} (422), {@code kafka_unavailable},
 * {@code ingest_busy}, {@code not_ready} (503).
 *
 * <p>Job status comes from a Kafka Streams state store over the jobs, status and results topics, shared by every
 * ingest instance of a cluster (see {@code internal.JobStatusTopology} and {@code internal.StreamsJobStatusView});
 * {@code status_unavailable} (503) when it cannot answer now.
 */
package dev.llmq.ingest;
