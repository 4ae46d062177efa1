package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link Repeat#every}: runs until the step is done, rethrows its failure, never runs a step after returning. */
class RepeatTest {

    @Test
    void runsUntilTheStepIsDoneAndNoMore() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        List<String> threads = new CopyOnWriteArrayList<>();

        Repeat.every(Duration.ofMillis(10), () -> {
            threads.add(Thread.currentThread().getName());
            return runs.incrementAndGet() < 3;
        });

        assertThat(runs).hasValue(3);
        assertThat(threads).containsOnly("llmq-repeat");
    }

    @Test
    void aFailingStepEndsTheRepetitionWithItsException() {
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> Repeat.every(Duration.ofMillis(10), () -> {
            if (runs.incrementAndGet() == 2) {
                throw new IOException("down");
            }
            return true;
        })).isInstanceOf(IOException.class).hasMessage("down");
        assertThat(runs).hasValue(2);
    }

    @Test
    void theDelayMustBePositive() {
        assertThatThrownBy(() -> Repeat.every(Duration.ZERO, () -> false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delay");
    }
}
