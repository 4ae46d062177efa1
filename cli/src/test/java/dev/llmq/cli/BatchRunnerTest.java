package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How long {@code llmq submit --wait} pauses between two rounds of polling its batches. */
class BatchRunnerTest {

    @Test
    void aRoundIsFollowedByThreeTimesItsLengthWithinItsBounds() {
        assertThat(BatchRunner.pause(Duration.ofMillis(5))).as("a small batch: progress stays lively")
                .isEqualTo(BatchRunner.MIN_PAUSE);
        assertThat(BatchRunner.pause(Duration.ofMillis(400))).as("50 batches of a big file")
                .isEqualTo(Duration.ofMillis(1_200));
        assertThat(BatchRunner.pause(Duration.ofSeconds(4))).isEqualTo(BatchRunner.MAX_PAUSE);
    }
}
