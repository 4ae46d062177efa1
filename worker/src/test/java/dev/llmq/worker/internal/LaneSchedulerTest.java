package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LaneSchedulerTest {

    private static String run(LaneScheduler s, int n) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append(s.next(true, true) == Lane.INTERACTIVE ? 'I' : 'B');
        }
        return out.toString();
    }

    @Test
    void interactiveFirstWithBatchGettingItsShareWhenBothWait() {
        assertThat(run(new LaneScheduler(0.2), 15)).isEqualTo("IIIIBIIIIBIIIIB");
        assertThat(run(new LaneScheduler(0.5), 6)).isEqualTo("IBIBIB");
        assertThat(run(new LaneScheduler(0.0), 10)).isEqualTo("IIIIIIIIII");
        assertThat(run(new LaneScheduler(1.0), 4)).isEqualTo("BBBB");
    }

    @Test
    void aLoneLaneTakesEverySlotAndEarnsNoCredit() {
        LaneScheduler s = new LaneScheduler(0.2);
        for (int i = 0; i < 100; i++) {
            assertThat(s.next(false, true)).isEqualTo(Lane.BATCH);
        }
        assertThat(s.next(true, false)).isEqualTo(Lane.INTERACTIVE);
        assertThat(s.next(false, false)).isNull();
        // the 100 uncontested batch dispatches do not delay batch's share once interactive jobs wait too
        assertThat(run(s, 5)).isEqualTo("IIIIB");
    }

    @Test
    void theShareHoldsOverAnyMixOfContestedAndUncontestedDispatches() {
        SplittableRandom random = new SplittableRandom(7);
        for (double share : new double[] {0.1, 0.2, 0.33, 0.5}) {
            LaneScheduler s = new LaneScheduler(share);
            long contested = 0;
            long batch = 0;
            for (int i = 0; i < 10_000; i++) {
                boolean interactive = random.nextInt(4) > 0;
                boolean batchReady = random.nextInt(4) > 0;
                Lane lane = s.next(interactive, batchReady);
                if (interactive && batchReady) {
                    contested++;
                    batch += lane == Lane.BATCH ? 1 : 0;
                    // at every point, batch has its share of the contested dispatches (rounded down), never more + 1
                    assertThat(batch).isBetween((long) Math.floor(share * contested + 1e-9),
                            (long) Math.floor(share * contested + 1e-9) + 1);
                }
            }
        }
    }

    @Test
    void refusesAShareOutsideZeroToOne() {
        assertThatThrownBy(() -> new LaneScheduler(1.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batchMinShare");
    }
}
