package dev.llmq.schemas;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds the Kafka headers every llmq record carries: its content type, the CloudEvents binary-mode attributes
 * ({@code ce_specversion}, {@code ce_id}, {@code ce_source}, {@code ce_type}, {@code ce_time}) and, when the event
 * belongs to a traced request, its W3C {@code traceparent} (and {@code tracestate}). The one place that spells them:
 *
 * <pre>{@code
 * Headers headers = CloudEventHeaders.builder()
 *         .source("llmq/worker/w1").type(LlmqHeaders.TYPE_RESULT).id(jobId + ":result").time(completedAt)
 *         .traceparent(traceparent)
 *         .build();
 * }</pre>
 *
 * <p>Source, type, id and time are required; {@link Builder#build()} rejects a builder without them. A traceparent
 * that is not well-formed is left out rather than passed on.
 */
public final class CloudEventHeaders {

    /** The CloudEvents version of the {@code ce_} attributes. */
    public static final String SPEC_VERSION = "1.0";
    /** The content type when none is set: llmq's records are JSON. */
    public static final String DEFAULT_CONTENT_TYPE = LlmqHeaders.APPLICATION_JSON;

    private CloudEventHeaders() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True when {@code value} is a valid W3C traceparent ({@link TraceContext#parse}). */
    public static boolean isTraceparent(String value) {
        return TraceContext.isValid(value);
    }

    /** Collects one record's attributes; {@link #build()} checks them and gives the headers. */
    public static final class Builder {

        private String contentType = DEFAULT_CONTENT_TYPE;
        private String source;
        private String type;
        private String id;
        private Instant time;
        private String traceparent;
        private String tracestate;
        /** The context {@link #trace} was given (already valid), until a string setter replaces it. */
        private TraceContext trace;

        private Builder() {
        }

        /** Defaults to {@value CloudEventHeaders#DEFAULT_CONTENT_TYPE}. */
        public Builder contentType(String value) {
            this.contentType = value;
            return this;
        }

        /** Who produced the event, e.g. {@code llmq/worker/<worker id>}. */
        public Builder source(String value) {
            this.source = value;
            return this;
        }

        /** One of the {@code LlmqHeaders.TYPE_*} event types. */
        public Builder type(String value) {
            this.type = value;
            return this;
        }

        /** Unique per source; a re-sent event keeps its id. */
        public Builder id(String value) {
            this.id = value;
            return this;
        }

        public Builder time(Instant value) {
            this.time = value;
            return this;
        }

        /** The trace context to pass on, or null; a malformed value is dropped. */
        public Builder traceparent(String value) {
            this.traceparent = value;
            this.trace = null;
            return this;
        }

        /** The vendor trace state to pass on with the traceparent, or null; an invalid or too long one is dropped. */
        public Builder tracestate(String value) {
            this.tracestate = value;
            this.trace = null;
            return this;
        }

        /** The traceparent and tracestate of {@code trace}, or none when null. */
        public Builder trace(TraceContext trace) {
            this.traceparent = trace == null ? null : trace.traceparent();
            this.tracestate = trace == null ? null : trace.tracestate();
            this.trace = trace;
            return this;
        }

        /**
         * New, mutable headers (the caller may add its own).
         *
         * @throws IllegalArgumentException when the content type, source, type or id is blank
         * @throws NullPointerException when the time is missing
         */
        public Headers build() {
            requireText(contentType, "contentType");
            requireText(source, "source");
            requireText(type, "type");
            requireText(id, "id");
            Objects.requireNonNull(time, "time");
            RecordHeaders headers = new RecordHeaders();
            headers.add(LlmqHeaders.CONTENT_TYPE, utf8(contentType));
            headers.add(LlmqHeaders.CE_SPECVERSION, utf8(SPEC_VERSION));
            headers.add(LlmqHeaders.CE_ID, utf8(id));
            headers.add(LlmqHeaders.CE_SOURCE, utf8(source));
            headers.add(LlmqHeaders.CE_TYPE, utf8(type));
            headers.add(LlmqHeaders.CE_TIME, utf8(time.toString()));
            (trace != null ? Optional.of(trace) : TraceContext.parse(traceparent, tracestate)).ifPresent(trace -> {
                headers.add(LlmqHeaders.TRACEPARENT, utf8(trace.traceparent()));
                if (trace.tracestate() != null) {
                    headers.add(LlmqHeaders.TRACESTATE, utf8(trace.tracestate()));
                }
            });
            return headers;
        }
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("CloudEvents header " + name + " is required");
        }
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
