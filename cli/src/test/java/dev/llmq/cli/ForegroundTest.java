package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import sun.misc.Signal;
import sun.misc.SignalHandler;

class ForegroundTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    @Test
    void theReadyLineWaitsForReadiness() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        AtomicInteger askedForDetail = new AtomicInteger();
        boolean announced = Foreground.announceWhenReady("worker", () -> {
            assertThat(printed.size()).as("nothing printed while not ready").isZero();
            return asked.incrementAndGet() > 3;
        }, () -> "waits for partitions " + askedForDetail.incrementAndGet(), "llmq worker ready", new CountDownLatch(1),
                out, Duration.ZERO);
        assertThat(announced).isTrue();
        assertThat(asked).hasValue(4);
        assertThat(askedForDetail).as("a notice each time readiness was missed, with a zero notice interval")
                .hasValue(3);
        assertThat(printed.toString(StandardCharsets.UTF_8)).isEqualTo("llmq worker ready" + System.lineSeparator());
    }

    @Test
    void aRoleReadyAtOnceSaysSoAtOnce() throws Exception {
        assertThat(Foreground.announceWhenReady("broker", () -> true, () -> "never asked", "llmq broker ready",
                new CountDownLatch(1), out, Duration.ofHours(1))).isTrue();
        assertThat(printed.toString(StandardCharsets.UTF_8)).startsWith("llmq broker ready");
    }

    @Test
    void aRoleStoppedBeforeItIsReadyPrintsNoReadyLine() throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicInteger asked = new AtomicInteger();
        boolean announced = Foreground.announceWhenReady("ingest", () -> {
            if (asked.incrementAndGet() == 2) {
                stopped.countDown();
            }
            return false;
        }, () -> "status store rebalancing", "llmq ingest ready", stopped, out, Duration.ofHours(1));
        assertThat(announced).isFalse();
        assertThat(asked).hasValue(2);
        assertThat(printed.size()).isZero();
    }

    @Test
    void theFirstSignalStopsCleanlyAndASecondWhileStoppingHaltsAtOnce() {
        List<String> handled = new CopyOnWriteArrayList<>();
        List<Integer> halted = new CopyOnWriteArrayList<>();
        Foreground.StopSignals signals = new Foreground.StopSignals("worker", halted::add);
        assertThat(signals.replaced("TERM", signal -> handled.add("jvm " + signal.getName()))).isTrue();
        assertThat(signals.replaced("INT", signal -> handled.add("jvm " + signal.getName()))).isTrue();

        signals.received(new Signal("TERM"));
        assertThat(handled).containsExactly("jvm TERM");
        assertThat(halted).isEmpty();

        signals.received(new Signal("TERM")); // before: ignored by the JVM, the stop went on for up to 30 s more
        signals.received(new Signal("INT"));
        assertThat(handled).containsExactly("jvm TERM");
        assertThat(halted).containsExactly(Foreground.StopSignals.FORCED_EXIT, Foreground.StopSignals.FORCED_EXIT);
    }

    @Test
    void aSignalOnceTheStopBeganOtherwiseHaltsAtOnce() {
        List<String> handled = new CopyOnWriteArrayList<>();
        List<Integer> halted = new CopyOnWriteArrayList<>();
        Foreground.StopSignals signals = new Foreground.StopSignals("worker", halted::add);
        signals.replaced("INT", signal -> handled.add("jvm " + signal.getName()));

        signals.stopping(); // the shutdown hook runs: System.exit, or a signal the JVM took first
        signals.received(new Signal("INT"));

        assertThat(handled).isEmpty();
        assertThat(halted).containsExactly(137);
    }

    @Test
    void aSignalIgnoredAtStartStaysIgnored() {
        Foreground.StopSignals signals = new Foreground.StopSignals("worker", code -> { });

        assertThat(signals.replaced("INT", SignalHandler.SIG_IGN)).as("nohup's SIGINT is put back").isFalse();
    }
}
