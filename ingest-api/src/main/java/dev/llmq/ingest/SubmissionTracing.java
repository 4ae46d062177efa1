package dev.llmq.ingest;

import dev.llmq.schemas.TraceContext;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The trace of one {@code POST /v1/jobs}: what the ingest API hands its jobs as their {@code traceparent}. The
 * default ({@link #w3c}) records no span; an OpenTelemetry implementation (the CLI's, when an OTLP exporter is
 * configured) records a SERVER span and hands its context on.
 */
public interface SubmissionTracing {

    /** Without OpenTelemetry: W3C trace context only, ids from a thread-local random. */
    SubmissionTracing W3C = w3c(ThreadLocalRandom::current);

    /**
     * Starts the request's span.
     *
     * @param incoming the caller's valid trace context, or null (none, or an invalid one: a new trace starts)
     */
    SubmissionSpan start(TraceContext incoming);

    /** One submission's span. */
    interface SubmissionSpan {

        /** The context the jobs carry and the 202 echoes: the span's own, or the caller's when no span is recorded. */
        TraceContext context();

        /**
         * Ends the span.
         *
         * @param status the HTTP status answered
         * @param errorType the error's reason ({@code ApiException.reason()}) when the submission was refused, or null
         * @param jobs how many jobs were accepted (0 when refused)
         */
        void end(int status, String errorType, int jobs);
    }

    /**
     * No span is recorded, so the caller's context is passed on unchanged (its span stays the jobs' parent and a
     * tracing backend still links them); a submission without one starts a new trace.
     */
    static SubmissionTracing w3c(Supplier<RandomGenerator> random) {
        Objects.requireNonNull(random, "random");
        return incoming -> new Unrecorded(incoming != null ? incoming : TraceContext.newRoot(random.get()));
    }

    /** A span no one records: only its context travels. */
    record Unrecorded(TraceContext context) implements SubmissionSpan {
        @Override
        public void end(int status, String errorType, int jobs) {
            // nothing recorded
        }
    }
}
