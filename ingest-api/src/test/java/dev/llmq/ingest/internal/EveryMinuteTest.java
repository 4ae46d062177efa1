package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EveryMinuteTest {

    @Test
    void aSubjectIsDueFirstThenOnceAMinuteEachOnItsOwn() {
        StepClock clock = new StepClock(Instant.parse("2026-12-07T09:00:00Z"));
        EveryMinute warnings = new EveryMinute(clock);

        assertThat(warnings.due("peer-a")).isTrue();
        assertThat(warnings.due("peer-a")).isFalse();
        assertThat(warnings.due("peer-b")).as("another subject").isTrue();
        clock.advance(Duration.ofSeconds(59));
        assertThat(warnings.due("peer-a")).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(warnings.due("peer-a")).isTrue();
        assertThat(warnings.due("peer-a")).isFalse();
    }
}
