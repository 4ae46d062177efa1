package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.ingest.SubmissionTracing;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TraceContext;
import dev.llmq.worker.JobOutcome;
import dev.llmq.worker.JobTracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The spans {@link OtelSpans} records, read from an in-memory exporter of a real SDK. */
class OtelSpansTest {

    private static final TraceContext CALLER = TraceContext.parse(
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "v=1").orElseThrow();

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
    private final OtelSpans spans = new OtelSpans(provider.get(Tracing.INSTRUMENTATION));

    @AfterEach
    void close() {
        provider.close();
    }

    private static JobRequest job() {
        return new JobRequest(1, "job-1", "batch-1", null, null, "gpt-4o", Json.mapper().createObjectNode(), false, 0,
                null, null, null, Instant.EPOCH, null);
    }

    private SpanData named(String name) {
        return exported.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + exported.getFinishedSpanItems()));
    }

    @Test
    void theSubmissionSpanContinuesTheCallersTraceAndHandsItsOwnContextOn() {
        SubmissionTracing.SubmissionSpan span = spans.start(CALLER);
        span.end(202, null, 3);

        SpanData data = named("POST /v1/jobs");
        assertThat(data.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(data.getParentSpanId()).isEqualTo(CALLER.spanId());
        assertThat(span.context().traceId()).isEqualTo(CALLER.traceId());
        assertThat(span.context().spanId()).isEqualTo(data.getSpanId());
        assertThat(span.context().tracestate()).isEqualTo("v=1");
        assertThat(data.getAttributes().get(AttributeKey.longKey("llmq.jobs"))).isEqualTo(3);
    }

    @Test
    void aSubmissionWithoutATraceStartsOne() {
        SubmissionTracing.SubmissionSpan span = spans.start(null);
        span.end(400, "invalid_body", 0);

        SpanData data = named("POST /v1/jobs");
        assertThat(data.getParentSpanContext().isValid()).isFalse();
        assertThat(TraceContext.isValid(span.context().traceparent())).isTrue();
        assertThat(data.getAttributes().get(OtelSpans.ERROR_TYPE)).isEqualTo("invalid_body");
    }

    @Test
    void anAttemptIsAChatClientSpanUnderTheJobsRunWithTheGenAiAttributes() {
        JobTracing.JobSpan run = spans.startJob(job(), CALLER);
        JobTracing.AttemptSpan failed = run.startAttempt(1, "azure-east", "azure", "gpt-4o");
        failed.failed("rate_limited");
        JobTracing.AttemptSpan ok = run.startAttempt(2, "oai", "openai", "gpt-4o");
        ObjectNode completion = Json.mapper().createObjectNode().put("id", "chatcmpl-1").put("model", "gpt-4o-2024");
        completion.putArray("choices").addObject().put("finish_reason", "length");
        ok.succeeded(new ProviderResponse(completion, new TokenUsage(11, 7, 18, 0, 0), Duration.ZERO, null,
                List.of(), null));
        run.end(JobOutcome.succeeded(completion, new TokenUsage(11, 7, 18, 0, 0)));

        List<SpanData> items = exported.getFinishedSpanItems();
        assertThat(items).hasSize(3);
        SpanData job = named("process gpt-4o");
        assertThat(job.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(job.getParentSpanId()).isEqualTo(CALLER.spanId());
        assertThat(job.getAttributes().get(OtelSpans.BATCH_ID)).isEqualTo("batch-1");
        assertThat(job.getAttributes().get(OtelSpans.JOB_STATUS)).isEqualTo("succeeded");
        List<SpanData> attempts = items.stream().filter(s -> s.getName().equals("chat gpt-4o")).toList();
        assertThat(attempts).hasSize(2).allSatisfy(a -> {
            assertThat(a.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(a.getParentSpanId()).isEqualTo(job.getSpanId());
            assertThat(a.getTraceId()).isEqualTo(CALLER.traceId());
            assertThat(a.getAttributes().get(OtelSpans.OPERATION)).isEqualTo("chat");
        });
        SpanData first = attempts.stream().filter(a -> a.getAttributes().get(OtelSpans.ATTEMPT) == 1).findFirst()
                .orElseThrow();
        assertThat(first.getAttributes().get(OtelSpans.PROVIDER)).isEqualTo("azure.ai.openai");
        assertThat(first.getAttributes().get(OtelSpans.ERROR_TYPE)).isEqualTo("rate_limited");
        assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(first.getSpanId()).isEqualTo(failed.context().spanId());
        SpanData second = attempts.stream().filter(a -> a.getAttributes().get(OtelSpans.ATTEMPT) == 2).findFirst()
                .orElseThrow();
        assertThat(second.getSpanId()).isEqualTo(ok.context().spanId()).isNotEqualTo(first.getSpanId());
        assertThat(second.getAttributes().get(OtelSpans.PROVIDER)).isEqualTo("openai");
        assertThat(second.getAttributes().get(OtelSpans.REQUEST_MODEL)).isEqualTo("gpt-4o");
        assertThat(second.getAttributes().get(OtelSpans.RESPONSE_MODEL)).isEqualTo("gpt-4o-2024");
        assertThat(second.getAttributes().get(OtelSpans.RESPONSE_ID)).isEqualTo("chatcmpl-1");
        assertThat(second.getAttributes().get(OtelSpans.INPUT_TOKENS)).isEqualTo(11);
        assertThat(second.getAttributes().get(OtelSpans.OUTPUT_TOKENS)).isEqualTo(7);
        assertThat(second.getAttributes().get(OtelSpans.FINISH_REASONS)).containsExactly("length");
        assertThat(second.getAttributes().get(OtelSpans.ERROR_TYPE)).isNull();
        assertThat(ok.context().tracestate()).isEqualTo("v=1");
    }

    @Test
    void aRunThatThrewEndsAsAnError() {
        spans.startJob(job(), null).end(null);

        SpanData job = named("process gpt-4o");
        assertThat(job.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(job.getParentSpanContext().isValid()).isFalse();
    }
}
