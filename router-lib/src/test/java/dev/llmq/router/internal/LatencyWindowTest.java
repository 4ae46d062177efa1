package dev.llmq.router.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LatencyWindowTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void averagesTheSamplesAndIsNaNWithoutAny() {
        LatencyWindow w = new LatencyWindow(10, Duration.ofMinutes(1));
        assertThat(w.average(T0)).isNaN();
        w.add(T0, 1.0);
        assertThat(w.average(T0)).isEqualTo(1.0);
        w.add(T0.plusSeconds(1), 2.0);
        assertThat(w.average(T0.plusSeconds(1))).as("a new sample changes the cached average").isEqualTo(1.5);
        assertThat(w.average(T0.plusSeconds(2))).isEqualTo(1.5);
    }

    @Test
    void keepsOnlyTheLatestMaxSizeSamples() {
        LatencyWindow w = new LatencyWindow(3, Duration.ofHours(1));
        for (int i = 1; i <= 5; i++) {
            w.add(T0.plusSeconds(i), i);
        }
        assertThat(w.average(T0.plusSeconds(5))).as("3, 4 and 5").isCloseTo(4.0, within(1e-12));
    }

    @Test
    void samplesCountForTheTtlInclusiveThenExpire() {
        LatencyWindow w = new LatencyWindow(10, Duration.ofMillis(60_500));
        w.add(T0, 1.0);
        w.add(T0.plusSeconds(30), 3.0);
        assertThat(w.average(T0.plusMillis(60_500))).as("exactly ttl old still counts").isEqualTo(2.0);
        assertThat(w.average(T0.plusMillis(60_501))).as("the first expired").isEqualTo(3.0);
        assertThat(w.average(T0.plusMillis(90_501))).as("all expired").isNaN();
        w.add(T0.plusMillis(90_501), 5.0);
        assertThat(w.average(T0.plusMillis(90_501))).isEqualTo(5.0);
    }

    @Test
    void sizeAndTtlAreRequired() {
        assertThatThrownBy(() -> new LatencyWindow(0, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencyWindow(1, null)).isInstanceOf(NullPointerException.class);
    }
}
