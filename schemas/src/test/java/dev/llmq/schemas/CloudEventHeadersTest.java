package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

class CloudEventHeadersTest {

    private static final Instant AT = Instant.parse("2026-11-26T12:00:00.123Z");
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static CloudEventHeaders.Builder complete() {
        return CloudEventHeaders.builder().source("llmq/worker/w1").type(LlmqHeaders.TYPE_RESULT).id("job-1:result")
                .time(AT);
    }

    /** Header name to value, in the order the headers were added. */
    private static Map<String, String> asMap(Headers headers) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Header header : headers) {
            out.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void carriesTheContentTypeAndEveryCloudEventsAttribute() {
        Headers headers = complete().traceparent(TRACEPARENT).build();

        assertThat(asMap(headers)).containsExactly(
                Map.entry(LlmqHeaders.CONTENT_TYPE, "application/json"),
                Map.entry(LlmqHeaders.CE_SPECVERSION, "1.0"),
                Map.entry(LlmqHeaders.CE_ID, "job-1:result"),
                Map.entry(LlmqHeaders.CE_SOURCE, "llmq/worker/w1"),
                Map.entry(LlmqHeaders.CE_TYPE, "dev.llmq.result.v1"),
                Map.entry(LlmqHeaders.CE_TIME, "2026-11-26T12:00:00.123Z"),
                Map.entry(LlmqHeaders.TRACEPARENT, TRACEPARENT));
    }

    @Test
    void aTraceContextBringsItsTracestateUnlessTooLong() {
        TraceContext trace = TraceContext.parse(TRACEPARENT, "congo=t61rcWkgMzE").orElseThrow();

        assertThat(asMap(complete().trace(trace).build())).containsEntry(LlmqHeaders.TRACEPARENT, TRACEPARENT)
                .containsEntry(LlmqHeaders.TRACESTATE, "congo=t61rcWkgMzE");
        assertThat(asMap(complete().traceparent(TRACEPARENT).tracestate("a=" + "x".repeat(600)).build()))
                .containsEntry(LlmqHeaders.TRACEPARENT, TRACEPARENT).doesNotContainKey(LlmqHeaders.TRACESTATE);
        assertThat(asMap(complete().tracestate("a=b").build())).as("no tracestate without a traceparent")
                .doesNotContainKey(LlmqHeaders.TRACESTATE);
        assertThat(asMap(complete().trace(null).build())).doesNotContainKey(LlmqHeaders.TRACEPARENT);
    }

    @Test
    void theLastTraceSetterWins() {
        TraceContext trace = TraceContext.parse(TRACEPARENT, "congo=t61rcWkgMzE").orElseThrow();
        String other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";

        assertThat(asMap(complete().trace(trace).traceparent(other).build()))
                .containsEntry(LlmqHeaders.TRACEPARENT, other)
                .containsEntry(LlmqHeaders.TRACESTATE, "congo=t61rcWkgMzE");
        assertThat(asMap(complete().trace(trace).tracestate(null).build()))
                .containsEntry(LlmqHeaders.TRACEPARENT, TRACEPARENT).doesNotContainKey(LlmqHeaders.TRACESTATE);
        assertThat(asMap(complete().trace(trace).traceparent("garbage").build()))
                .doesNotContainKey(LlmqHeaders.TRACEPARENT);
        assertThat(asMap(complete().traceparent(other).trace(trace).build()))
                .containsEntry(LlmqHeaders.TRACEPARENT, TRACEPARENT);
    }

    @Test
    void aMissingOrMalformedTraceparentIsLeftOut() {
        assertThat(asMap(complete().build())).doesNotContainKey(LlmqHeaders.TRACEPARENT).hasSize(6);
        for (String bad : new String[] {"", "garbage", TRACEPARENT.toUpperCase(), TRACEPARENT + "-extra",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"}) {
            assertThat(asMap(complete().traceparent(bad).build())).as(bad).doesNotContainKey(LlmqHeaders.TRACEPARENT);
        }
        assertThat(CloudEventHeaders.isTraceparent(TRACEPARENT)).isTrue();
        assertThat(CloudEventHeaders.isTraceparent(null)).isFalse();
    }

    @Test
    void theContentTypeCanBeChangedAndTheHeadersExtended() {
        Headers headers = complete().contentType("text/plain").build();
        headers.add("llmq.control.type", "x".getBytes(StandardCharsets.UTF_8));

        assertThat(asMap(headers)).containsEntry(LlmqHeaders.CONTENT_TYPE, "text/plain")
                .containsEntry("llmq.control.type", "x");
    }

    @Test
    void everyRequiredAttributeIsChecked() {
        assertThatThrownBy(() -> complete().source(null).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("source");
        assertThatThrownBy(() -> complete().type(" ").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("type");
        assertThatThrownBy(() -> complete().id("").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("id");
        assertThatThrownBy(() -> complete().contentType(null).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contentType");
        assertThatThrownBy(() -> complete().time(null).build()).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("time");
    }

    @Test
    void eachBuildGivesNewHeaders() {
        CloudEventHeaders.Builder builder = complete();
        Headers first = builder.build();
        first.add("extra", new byte[] {1});

        assertThat(Arrays.stream(builder.build().toArray()).map(Header::key)).doesNotContain("extra");
    }
}
