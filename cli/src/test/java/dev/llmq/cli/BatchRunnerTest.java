package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How long {@code llmq submit --wait} pauses between two rounds of polling its batches. */
class BatchRunnerTest {

    @Test
    void thePauseGrowsWithTheJobsNotEndedWithinItsBounds() {
        assertThat(BatchRunner.pause(1_000)).as("the demo: progress stays lively").isEqualTo(BatchRunner.MIN_PAUSE);
        assertThat(BatchRunner.pause(0)).isEqualTo(BatchRunner.MIN_PAUSE);
        assertThat(BatchRunner.pause(5_001)).isEqualTo(BatchRunner.MIN_PAUSE.multipliedBy(2));
        assertThat(BatchRunner.pause(30_000)).isEqualTo(Duration.ofMillis(1_500));
        assertThat(BatchRunner.pause(1_000_000)).as("a file of a million lines").isEqualTo(BatchRunner.MAX_PAUSE);
    }
}
