package dev.llmq.cli;

import dev.llmq.ingest.SubmissionTracing;
import dev.llmq.worker.JobTracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A role's tracing, shared by its ingest API and worker. Off unless an OTLP endpoint is configured through the
 * standard OpenTelemetry environment: then an OpenTelemetry SDK exports spans ({@link OtelSpans}) over OTLP
 * http/protobuf with the JDK's HTTP client. Off, nothing of the SDK is loaded and the W3C {@code traceparent} still
 * travels (ids made without it).
 *
 * <p>Read from the role's environment: {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} (the full URL) or
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} (the base: {@code /v1/traces} is added); {@code OTEL_SERVICE_NAME} (default
 * {@code llmq-<role>}); {@code OTEL_EXPORTER_OTLP_HEADERS} / {@code OTEL_EXPORTER_OTLP_TRACES_HEADERS}
 * ({@code k=v,k2=v2}, URL-encoded values); {@code OTEL_BSP_SCHEDULE_DELAY} (ms between exports, default 5000);
 * {@code OTEL_SDK_DISABLED=true} or {@code OTEL_TRACES_EXPORTER=none} turn it off. Only the http/protobuf protocol is
 * exported; another {@code OTEL_EXPORTER_OTLP_PROTOCOL} is warned about and ignored.
 */
final class Tracing implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);
    static final String INSTRUMENTATION = "dev.llmq";

    private final SdkTracerProvider provider;
    private final SubmissionTracing submissions;
    private final JobTracing jobs;

    private Tracing(SdkTracerProvider provider) {
        this.provider = provider;
        if (provider == null) {
            this.submissions = SubmissionTracing.W3C;
            this.jobs = JobTracing.W3C;
        } else {
            OtelSpans spans = new OtelSpans(provider.get(INSTRUMENTATION));
            this.submissions = spans;
            this.jobs = spans;
        }
    }

    /** The role's tracing: started with the first component that asks, closed with the role. */
    static Tracing of(Assembly assembly) {
        synchronized (assembly) {
            return assembly.find(Tracing.class).orElseGet(() -> assembly.started(Tracing.class,
                    fromEnvironment(assembly.options().env(), assembly.role().command())));
        }
    }

    /** Tracing as the OpenTelemetry environment variables in {@code env} configure it; off without an endpoint. */
    static Tracing fromEnvironment(Map<String, String> env, String role) {
        String endpoint = endpoint(env);
        if (endpoint == null || "true".equalsIgnoreCase(env.get("OTEL_SDK_DISABLED"))
                || "none".equalsIgnoreCase(env.get("OTEL_TRACES_EXPORTER"))) {
            return new Tracing(null);
        }
        String protocol = env.getOrDefault("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
                env.getOrDefault("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
        if (!"http/protobuf".equals(protocol)) {
            LOG.warn("OTEL_EXPORTER_OTLP_PROTOCOL={}: llmq exports traces over http/protobuf only; using it", protocol);
        }
        OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint);
        headers(env.getOrDefault("OTEL_EXPORTER_OTLP_TRACES_HEADERS", env.get("OTEL_EXPORTER_OTLP_HEADERS")))
                .forEach(exporter::addHeader);
        String service = env.getOrDefault("OTEL_SERVICE_NAME", "llmq-" + role);
        long delayMs = milliseconds(env.getOrDefault("OTEL_BSP_SCHEDULE_DELAY", "5000"));
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), service))))
                .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter.build())
                        .setScheduleDelay(Duration.ofMillis(delayMs)).build())
                .build();
        LOG.info("tracing: OpenTelemetry spans of service {} exported to {}", service, endpoint);
        return new Tracing(provider);
    }

    /** The traces URL, or null when none is configured. */
    static String endpoint(Map<String, String> env) {
        String traces = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        if (traces != null && !traces.isBlank()) {
            return traces.strip();
        }
        String base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT");
        if (base == null || base.isBlank()) {
            return null;
        }
        base = base.strip();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/traces";
    }

    private static long milliseconds(String value) {
        try {
            long ms = Long.parseLong(value.strip());
            if (ms > 0) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("OTEL_BSP_SCHEDULE_DELAY must be a positive number of milliseconds, not "
                + value);
    }

    /** {@code k=v,k2=v2} with URL-encoded values, as the OTLP exporter spec writes them; malformed pairs skipped. */
    static Map<String, String> headers(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        if (spec == null) {
            return out;
        }
        for (String pair : spec.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(pair.substring(0, eq).strip(),
                        URLDecoder.decode(pair.substring(eq + 1).strip(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** Whether spans are recorded and exported. */
    boolean exporting() {
        return provider != null;
    }

    SubmissionTracing submissions() {
        return submissions;
    }

    JobTracing jobs() {
        return jobs;
    }

    /** Exports what is left (up to 5 s) and stops the SDK. */
    @Override
    public void close() {
        if (provider != null) {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
