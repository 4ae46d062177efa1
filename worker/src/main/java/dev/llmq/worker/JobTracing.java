package dev.llmq.worker;

import dev.llmq.provider.ProviderResponse;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.TraceContext;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The trace of a job's run in the worker: a span for the run, parented on the job record's {@code traceparent}, and a
 * span per provider attempt under it, whose context is the {@code traceparent} the provider call carries. The default
 * ({@link #W3C}) records nothing and only makes the ids; the CLI's OpenTelemetry implementation (when an OTLP exporter
 * is configured) records the spans with GenAI attributes.
 */
public interface JobTracing {

    /** Without OpenTelemetry: W3C trace context only, ids from a thread-local random. */
    JobTracing W3C = w3c(ThreadLocalRandom::current);

    /**
     * Starts the span of one run of {@code job}.
     *
     * @param parent the job record's trace context, or null when it had none (the run then starts a new trace)
     */
    JobSpan startJob(JobRequest job, TraceContext parent);

    /** One run of a job. */
    interface JobSpan {

        /** The run's context (same trace id as its parent). */
        TraceContext context();

        /**
         * Starts the span of one provider attempt, a child of this run's.
         *
         * @param provider provider-lib's adapter name ({@code openai}, {@code azure}, {@code anthropic} ...)
         * @param model the model (or Azure deployment) the call asks for
         */
        AttemptSpan startAttempt(int attempt, String deployment, String provider, String model);

        /** Ends the run with the job's outcome, or null when the run threw (a shutdown, a defect). */
        void end(JobOutcome outcome);
    }

    /** One provider attempt. */
    interface AttemptSpan {

        /** The context the provider call carries as its {@code traceparent}: a new parent id per attempt. */
        TraceContext context();

        /** Ends the attempt with the provider's answer. */
        void succeeded(ProviderResponse response);

        /**
         * Ends the attempt with its error.
         *
         * @param errorType the error kind in lower case ({@code rate_limited}, {@code timeout} ...) of a classified
         *        provider error, else the exception's class name (OpenTelemetry's {@code error.type})
         */
        void failed(String errorType);
    }

    /** Makes new span ids under the job's trace (a new trace when it had none) and records nothing. */
    static JobTracing w3c(Supplier<RandomGenerator> random) {
        Objects.requireNonNull(random, "random");
        return (job, parent) -> new UnrecordedRun(
                parent == null ? TraceContext.newRoot(random.get()) : parent.child(random.get()), random);
    }

    /** A run no one records: its attempts get new span ids under its context. */
    record UnrecordedRun(TraceContext context, Supplier<RandomGenerator> random) implements JobSpan {
        @Override
        public AttemptSpan startAttempt(int attempt, String deployment, String provider, String model) {
            return new UnrecordedAttempt(context.child(random.get()));
        }

        @Override
        public void end(JobOutcome outcome) {
            // nothing recorded
        }
    }

    /** An attempt no one records: only its context travels, to the provider. */
    record UnrecordedAttempt(TraceContext context) implements AttemptSpan {
        @Override
        public void succeeded(ProviderResponse response) {
            // nothing recorded
        }

        @Override
        public void failed(String errorType) {
            // nothing recorded
        }
    }
}
