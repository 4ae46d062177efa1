package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.ingest.SubmissionTracing;
import dev.llmq.worker.JobTracing;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TracingTest {

    @Test
    void withoutAnEndpointTracingIsW3cOnly() {
        try (Tracing tracing = Tracing.fromEnvironment(Map.of(), "worker")) {
            assertThat(tracing.exporting()).isFalse();
            assertThat(tracing.jobs()).isSameAs(JobTracing.W3C);
            assertThat(tracing.submissions()).isSameAs(SubmissionTracing.W3C);
        }
    }

    @Test
    void anEndpointTurnsTheExporterOnUnlessTheSdkIsDisabled() {
        Map<String, String> env = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1/");
        try (Tracing tracing = Tracing.fromEnvironment(env, "worker")) {
            assertThat(tracing.exporting()).isTrue();
            assertThat(tracing.jobs()).isInstanceOf(OtelSpans.class);
        }
        try (Tracing off = Tracing.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1",
                "OTEL_SDK_DISABLED", "true"), "worker")) {
            assertThat(off.exporting()).isFalse();
        }
    }

    @Test
    void anExportDelayThatIsNotAPositiveNumberIsRefused() {
        assertThatThrownBy(() -> Tracing.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1",
                "OTEL_BSP_SCHEDULE_DELAY", "5s"), "ingest")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("OTEL_BSP_SCHEDULE_DELAY");
    }

    @Test
    void theTracesUrlIsTheSignalsOwnElseTheBaseWithItsPath() {
        assertThat(Tracing.endpoint(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")))
                .isEqualTo("http://collector:4318/v1/traces");
        assertThat(Tracing.endpoint(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://other:9/traces"))).isEqualTo("http://other:9/traces");
        assertThat(Tracing.endpoint(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", " "))).isNull();
    }

    @Test
    void headersAreCommaSeparatedPairsWithUrlEncodedValues() {
        assertThat(Tracing.headers("api-key=a%20b, x=1,broken")).containsExactly(Map.entry("api-key", "a b"),
                Map.entry("x", "1"));
        assertThat(Tracing.headers(null)).isEmpty();
    }
}
