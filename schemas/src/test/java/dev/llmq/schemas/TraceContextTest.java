package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TraceContextTest {

    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void aValidTraceparentIsReadFieldByField() {
        TraceContext trace = TraceContext.parse(VALID, "congo=t61rcWkgMzE").orElseThrow();

        assertThat(trace.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(trace.spanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(trace.flags()).isEqualTo("01");
        assertThat(trace.sampled()).isTrue();
        assertThat(trace.tracestate()).isEqualTo("congo=t61rcWkgMzE");
        assertThat(trace.traceparent()).isEqualTo(VALID);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", // upper case
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero parent id
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // forbidden version
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // version 00 has 4 fields
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", // no flags
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01", // misplaced dash
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", // bad flags
            "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // bad version
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"}) // later version, no dash after flags
    void anInvalidTraceparentIsIgnored(String value) {
        assertThat(TraceContext.parse(value, "a=b")).isEmpty();
        assertThat(TraceContext.isValid(value)).isFalse();
    }

    @Test
    void aLaterVersionIsReadByItsFirstFourFieldsAndWrittenAsVersion00() {
        TraceContext trace = TraceContext.parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-what-next",
                null).orElseThrow();

        assertThat(trace.traceparent()).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
        assertThat(trace.sampled()).isFalse();
        assertThat(TraceContext.parse(null, null)).isEmpty();
    }

    @Test
    void aTracestateTooLongOrNotPrintableIsDroppedButTheTraceparentKept() {
        assertThat(TraceContext.parse(VALID, "a=" + "x".repeat(TraceContext.MAX_TRACESTATE_CHARS - 2))
                .orElseThrow().tracestate()).hasSize(TraceContext.MAX_TRACESTATE_CHARS);
        assertThat(TraceContext.parse(VALID, "a=" + "x".repeat(TraceContext.MAX_TRACESTATE_CHARS - 1))
                .orElseThrow().tracestate()).isNull();
        assertThat(TraceContext.parse(VALID, "a=b\nc=d").orElseThrow().tracestate()).isNull();
        assertThat(TraceContext.parse(VALID, "  ").orElseThrow().tracestate()).isNull();
    }

    @Test
    void aNewRootAndAChildHaveFreshValidIds() {
        SplittableRandom random = new SplittableRandom(7);
        TraceContext root = TraceContext.newRoot(random);
        TraceContext child = TraceContext.parse(VALID, "a=b").orElseThrow().child(random);

        assertThat(TraceContext.isValid(root.traceparent())).isTrue();
        assertThat(root.sampled()).isTrue();
        assertThat(child.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(child.spanId()).isNotEqualTo("00f067aa0ba902b7").matches("[0-9a-f]{16}");
        assertThat(child.tracestate()).isEqualTo("a=b");
        assertThat(child.flags()).isEqualTo("01");
    }

    @Test
    void anAllZeroDrawStillGivesAValidId() {
        java.util.random.RandomGenerator zeros = () -> 0L;

        TraceContext root = TraceContext.newRoot(zeros);

        assertThat(TraceContext.isValid(root.traceparent())).isTrue();
    }

    @Test
    void theConstructorRejectsInvalidIds() {
        assertThatThrownBy(() -> new TraceContext("0".repeat(32), "00f067aa0ba902b7", "01", null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "xyz", "01", null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
