package dev.llmq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.ingest.SubmissionTracing;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.TraceContext;
import dev.llmq.worker.JobOutcome;
import dev.llmq.worker.JobTracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * OpenTelemetry spans for the ingest API and the worker, named and attributed after the semantic conventions: the
 * ingest's {@code POST /v1/jobs} (SERVER), the worker's run of a job (CONSUMER, parented on the job record's
 * {@code traceparent}) and, under it, one {@code chat <model>} CLIENT span per provider attempt with the GenAI
 * attributes ({@code gen_ai.operation.name}, {@code gen_ai.provider.name}, {@code gen_ai.request.model},
 * {@code gen_ai.response.model}, {@code gen_ai.usage.input_tokens}, {@code gen_ai.usage.output_tokens},
 * {@code gen_ai.response.finish_reasons}, {@code error.type} on failure). Each span's context is what the next hop
 * carries: the jobs' {@code traceparent}, the provider call's.
 */
final class OtelSpans implements SubmissionTracing, JobTracing {

    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey(
            "gen_ai.response.finish_reasons");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> DEPLOYMENT = AttributeKey.stringKey("llmq.deployment");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("llmq.attempt");
    static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("llmq.job.id");
    static final AttributeKey<String> BATCH_ID = AttributeKey.stringKey("llmq.batch.id");
    static final AttributeKey<String> MODEL_GROUP = AttributeKey.stringKey("llmq.model_group");
    static final AttributeKey<String> JOB_STATUS = AttributeKey.stringKey("llmq.job.status");
    static final AttributeKey<Long> JOBS = AttributeKey.longKey("llmq.jobs");
    static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");

    /** provider-lib's adapter names to the conventions' well-known {@code gen_ai.provider.name} values. */
    private static final Map<String, String> PROVIDER_NAMES = Map.of(
            "azure", "azure.ai.openai", "gemini", "gcp.gemini", "vertex_ai", "gcp.vertex_ai", "bedrock", "aws.bedrock",
            "mistral", "mistral_ai", "watsonx", "ibm.watsonx.ai");

    private final Tracer tracer;

    OtelSpans(Tracer tracer) {
        this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    @Override
    public SubmissionSpan start(TraceContext incoming) {
        Span span = parented(tracer.spanBuilder("POST /v1/jobs").setSpanKind(SpanKind.SERVER), incoming)
                .setAttribute(HTTP_METHOD, "POST").setAttribute(HTTP_ROUTE, "/v1/jobs").startSpan();
        return new Submission(span, context(span, incoming));
    }

    @Override
    public JobSpan startJob(JobRequest job, TraceContext parent) {
        SpanBuilder builder = parented(tracer.spanBuilder("process " + job.modelGroup())
                .setSpanKind(SpanKind.CONSUMER), parent)
                .setAttribute(JOB_ID, job.jobId()).setAttribute(MODEL_GROUP, job.modelGroup());
        if (job.batchId() != null) {
            builder.setAttribute(BATCH_ID, job.batchId());
        }
        Span span = builder.startSpan();
        return new Run(tracer, span, context(span, parent));
    }

    /** {@code POST /v1/jobs}. */
    private record Submission(Span span, TraceContext context) implements SubmissionSpan {
        @Override
        public void end(int status, String errorType, int jobs) {
            span.setAttribute(HTTP_STATUS, status).setAttribute(JOBS, jobs);
            if (errorType != null) {
                span.setAttribute(ERROR_TYPE, errorType);
            }
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        }
    }

    /** The worker's run of a job. */
    private record Run(Tracer tracer, Span span, TraceContext context) implements JobSpan {
        @Override
        public AttemptSpan startAttempt(int attempt, String deployment, String provider, String model) {
            Span call = tracer.spanBuilder("chat " + model).setSpanKind(SpanKind.CLIENT)
                    .setParent(Context.root().with(span))
                    .setAttribute(OPERATION, "chat")
                    .setAttribute(PROVIDER, PROVIDER_NAMES.getOrDefault(provider, provider))
                    .setAttribute(REQUEST_MODEL, model)
                    .setAttribute(DEPLOYMENT, deployment)
                    .setAttribute(ATTEMPT, attempt)
                    .startSpan();
            return new Attempt(call, OtelSpans.context(call, context));
        }

        @Override
        public void end(JobOutcome outcome) {
            if (outcome == null) {
                span.setAttribute(ERROR_TYPE, "interrupted").setStatus(StatusCode.ERROR);
            } else {
                span.setAttribute(JOB_STATUS, outcome.status().wire());
                if (outcome.error() != null) {
                    span.setAttribute(ERROR_TYPE, outcome.error().code() != null ? outcome.error().code()
                            : outcome.error().type()).setStatus(StatusCode.ERROR);
                }
            }
            span.end();
        }
    }

    /** One provider attempt, {@code chat <model>}. */
    private record Attempt(Span span, TraceContext context) implements AttemptSpan {
        @Override
        public void succeeded(ProviderResponse response) {
            JsonNode completion = response.completion();
            if (completion.path("model").isTextual()) {
                span.setAttribute(RESPONSE_MODEL, completion.path("model").asText());
            }
            if (completion.path("id").isTextual()) {
                span.setAttribute(RESPONSE_ID, completion.path("id").asText());
            }
            List<String> reasons = new ArrayList<>();
            completion.path("choices").forEach(c -> {
                if (c.path("finish_reason").isTextual()) {
                    reasons.add(c.path("finish_reason").asText());
                }
            });
            if (!reasons.isEmpty()) {
                span.setAttribute(FINISH_REASONS, reasons);
            }
            if (response.usage() != null) {
                span.setAttribute(INPUT_TOKENS, response.usage().promptTokens());
                span.setAttribute(OUTPUT_TOKENS, response.usage().completionTokens());
            }
            span.end();
        }

        @Override
        public void failed(String errorType) {
            span.setAttribute(ERROR_TYPE, errorType).setStatus(StatusCode.ERROR);
            span.end();
        }
    }

    /** The builder parented on the W3C context of a remote caller, or a new trace when there is none. */
    private static SpanBuilder parented(SpanBuilder builder, TraceContext parent) {
        if (parent == null) {
            return builder.setNoParent();
        }
        SpanContext remote = SpanContext.createFromRemoteParent(parent.traceId(), parent.spanId(),
                TraceFlags.fromHex(parent.flags(), 0), TraceState.getDefault());
        return builder.setParent(Context.root().with(Span.wrap(remote)));
    }

    /** The span's own context as W3C trace context, keeping the vendors' state it came with. */
    private static TraceContext context(Span span, TraceContext parent) {
        SpanContext own = span.getSpanContext();
        return new TraceContext(own.getTraceId(), own.getSpanId(), own.getTraceFlags().asHex(),
                parent == null ? null : parent.tracestate());
    }
}
