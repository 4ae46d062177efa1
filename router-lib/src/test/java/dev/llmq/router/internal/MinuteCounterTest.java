package dev.llmq.router.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MinuteCounterTest {

    private static final Instant MINUTE = Instant.parse("2026-01-01T00:01:00Z");

    private final MinuteCounter counter = new MinuteCounter();

    @Test
    void countsWithinAClockMinuteAndStartsAgainInTheNext() {
        assertThat(counter.roll(MINUTE)).as("the first roll starts a count").isTrue();
        counter.add(100);
        counter.add(50);
        assertThat(counter.roll(MINUTE.plus(Duration.ofMillis(59_999)))).isFalse();
        assertThat(counter.requests()).isEqualTo(2);
        assertThat(counter.tokens()).isEqualTo(150);

        assertThat(counter.roll(MINUTE.plusSeconds(60))).isTrue();
        assertThat(counter.requests()).isZero();
        assertThat(counter.tokens()).isZero();
    }

    @Test
    void minutesAreClockMinutesNotSixtySecondsFromTheFirstCall() {
        counter.roll(MINUTE.plusSeconds(59));
        counter.add(1);
        assertThat(counter.roll(MINUTE.plusSeconds(60))).isTrue();
        assertThat(counter.requests()).isZero();
    }

    @Test
    void aClockSteppingBackIntoAnEarlierMinuteAlsoStartsAgain() {
        counter.roll(MINUTE);
        counter.add(10);
        assertThat(counter.roll(MINUTE.minusMillis(1))).isTrue();
        assertThat(counter.requests()).isZero();
        assertThat(counter.roll(Instant.EPOCH.minusSeconds(1))).as("before 1970: floor, not truncation").isTrue();
        counter.add(10);
        assertThat(counter.roll(Instant.EPOCH.minusSeconds(60))).isFalse();
        assertThat(counter.requests()).isEqualTo(1);
    }

    @Test
    void limitsAreInclusiveAndNullMeansNone() {
        counter.roll(MINUTE);
        counter.add(90);
        counter.add(0);
        assertThat(counter.requestFits(3L)).isTrue();
        assertThat(counter.requestFits(2L)).isFalse();
        assertThat(counter.requestFits(null)).isTrue();
        assertThat(counter.tokensFit(100L, 10)).isTrue();
        assertThat(counter.tokensFit(100L, 11)).isFalse();
        assertThat(counter.tokensFit(null, Long.MAX_VALUE / 2)).isTrue();
    }

    @Test
    void correctionsNeverGoBelowZero() {
        counter.roll(MINUTE);
        counter.add(100);
        counter.correctTokens(-30);
        assertThat(counter.tokens()).isEqualTo(70);
        counter.correctTokens(+200);
        assertThat(counter.tokens()).isEqualTo(270);
        counter.correctTokens(-1000);
        assertThat(counter.tokens()).isZero();

        counter.removeRequest();
        assertThat(counter.requests()).isZero();
        counter.removeRequest();
        assertThat(counter.requests()).as("a request taken back in a new minute").isZero();
    }
}
