package dev.llmq.provider.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stream idle watch on Jetty's scheduler, waking a body's reader that waits without a timeout of its own. */
@Timeout(20)
class IdleWatchTest {

    private static final Duration IDLE = Duration.ofMillis(150);

    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("idle-watch-test", true);

    @BeforeEach
    void start() throws Exception {
        scheduler.start();
    }

    @AfterEach
    void stop() throws Exception {
        scheduler.stop();
    }

    @Test
    void aQuietStreamWakesItsReaderOnceTheTimeoutHasPassed() throws Exception {
        BodyQueue body = new BodyQueue();
        long t0 = System.nanoTime();
        try (IdleWatch watch = new IdleWatch(scheduler, IDLE, body)) {
            assertWokenOnceIdleSince(body, t0);
            assertThat(watch.expired()).isTrue();
        }
    }

    @Test
    void anEventAheadOfTheWakeUpSetsTheWatchForTheRestOfTheTimeout() throws Exception {
        BodyQueue body = new BodyQueue();
        try (IdleWatch watch = new IdleWatch(scheduler, IDLE, body)) {
            assertThatThrownBy(body::next).isInstanceOf(TimeoutException.class);
            // an event the reader framed after the watch had woken it: the stream is not idle
            watch.event();
            long event = System.nanoTime();
            assertThat(watch.expired()).isFalse();
            assertWokenOnceIdleSince(body, event);
            assertThat(watch.expired()).isTrue();
        }
    }

    @Test
    void eventsWithinTheTimeoutKeepTheReaderAsleepUntilData() throws Exception {
        BodyQueue body = new BodyQueue();
        try (IdleWatch watch = new IdleWatch(scheduler, IDLE, body)) {
            // an event every 10 ms for three timeouts: the watch fires in this time, finds the last event recent and
            // sets itself again each time
            long until = System.nanoTime() + 3 * IDLE.toNanos();
            while (System.nanoTime() < until) {
                watch.event();
                LockSupport.parkNanos(10_000_000);
            }
            body.onNext(List.of(ByteBuffer.wrap(new byte[] {'x'})));
            assertThat(body.next()).hasSize(1);
        }
    }

    @Test
    void aClosedWatchNoLongerWakesTheReader() throws Exception {
        BodyQueue body = new BodyQueue();
        new IdleWatch(scheduler, IDLE, body).close();
        // a data part written after twice the timeout is the first thing the reader sees
        BodyQueue marker = new BodyQueue();
        try (IdleWatch later = new IdleWatch(scheduler, IDLE.multipliedBy(2), marker)) {
            assertThatThrownBy(marker::next).isInstanceOf(TimeoutException.class);
        }
        body.onNext(List.of(ByteBuffer.wrap(new byte[] {'y'})));
        assertThat(body.next()).hasSize(1);
    }

    /** The reader's wait ends with the watch's wake-up (a timeout without a cause), no sooner than IDLE after since. */
    private static void assertWokenOnceIdleSince(BodyQueue body, long since) {
        assertThatThrownBy(body::next).isInstanceOf(TimeoutException.class).hasNoCause();
        assertThat(Duration.ofNanos(System.nanoTime() - since)).isGreaterThanOrEqualTo(IDLE);
    }
}
