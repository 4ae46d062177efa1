package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When {@code bench inflight} calls the worker at its limit, and what it says about the gauge's readings. */
class InFlightSteadyStateTest {

    private static final long MS = 1_000_000;

    @Test
    void readingsAFewBelowTheLimitStillHoldItAndTheReportSaysHowLowTheyWent() {
        InFlightBench.SteadyState steady = new InFlightBench.SteadyState(10_000, Duration.ofSeconds(5));
        long[] held = {10_000, 9_967, 10_000, 9_999, 10_000, 9_900};
        for (int i = 0; i < held.length; i++) {
            assertThat(steady.reading(i * 1_000 * MS, held[i])).as("reading %d, %d s in", i, i).isEqualTo(i == 5);
        }
        assertThat(steady.readings()).isEqualTo("6 readings at least 9,900 (3 of them at 10,000): lowest 9,900, "
                + "median 10,000");
    }

    @Test
    void aReadingBelowOnePercentUnderTheLimitStartsTheWaitAgain() {
        InFlightBench.SteadyState steady = new InFlightBench.SteadyState(10_000, Duration.ofSeconds(5));
        assertThat(steady.reading(0, 10_000)).isFalse();
        assertThat(steady.reading(4_000 * MS, 10_000)).isFalse();
        assertThat(steady.reading(4_500 * MS, 9_899)).isFalse();
        assertThat(steady.readings()).isEqualTo("no readings at the limit");
        assertThat(steady.reading(5_000 * MS, 10_000)).as("the latency counts from here").isFalse();
        assertThat(steady.reading(9_900 * MS, 10_000)).isFalse();
        assertThat(steady.reading(10_000 * MS, 9_950)).isTrue();
        assertThat(steady.atLimitSince).isEqualTo(5_000 * MS);
    }

    @Test
    void aSmallLimitMustBeHeldExactly() {
        InFlightBench.SteadyState steady = new InFlightBench.SteadyState(50, Duration.ofMillis(250));
        assertThat(steady.reading(0, 49)).isFalse();
        assertThat(steady.readings()).isEqualTo("no readings at the limit");
        assertThat(steady.reading(MS, 50)).isFalse();
        assertThat(steady.reading(300 * MS, 50)).isTrue();
    }
}
