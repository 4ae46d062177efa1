package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WaitBufferTest {

    private final AtomicInteger inFlight = new AtomicInteger();
    private final PartitionTracker tracker = new PartitionTracker();

    @Test
    void aReleasedSlotIsFreeUntilTheWaitEndsAndTheJobIsGrantedOneAgain() throws Exception {
        WaitBuffer waits = new WaitBuffer(2, inFlight);
        inFlight.set(1);
        WaitBuffer.Slot slot = waits.slot(tracker);

        assertThat(slot.release()).isTrue();
        assertThat(inFlight.get()).isZero();
        assertThat(slot.holding()).isFalse();
        assertThat(tracker.parked().get()).isEqualTo(1);
        assertThat(waits.waiting()).isEqualTo(1);

        CompletableFuture<Void> back = CompletableFuture.runAsync(() -> {
            try {
                slot.reacquire();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        inFlight.set(1); // another job took the freed slot; the worker's limit is 1
        waits.grant(1, t -> false);
        assertThat(back).isNotDone();
        inFlight.set(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            waits.grant(1, t -> false);
            return back.isDone();
        });
        back.get();
        assertThat(inFlight.get()).isEqualTo(1);
        assertThat(slot.holding()).isTrue();
        assertThat(tracker.parked().get()).isZero();
        assertThat(waits.waiting()).isZero();
    }

    @Test
    void aFullBufferKeepsTheJobInItsSlot() {
        WaitBuffer waits = new WaitBuffer(1, inFlight);
        inFlight.set(2);
        WaitBuffer.Slot first = waits.slot(tracker);
        WaitBuffer.Slot second = waits.slot(tracker);
        assertThat(first.release()).isTrue();
        assertThat(second.release()).isFalse();
        assertThat(second.holding()).isTrue();
        assertThat(inFlight.get()).isEqualTo(1);
        assertThat(new WaitBuffer(0, inFlight).slot(tracker).release()).as("max_waiting 0").isFalse();
    }

    @Test
    void aJobWhosePartitionIsAtItsLimitWaitsForTheNextRound() throws Exception {
        WaitBuffer waits = new WaitBuffer(5, inFlight);
        inFlight.set(1);
        WaitBuffer.Slot slot = waits.slot(tracker);
        slot.release();
        Thread job = Thread.ofVirtual().start(() -> {
            try {
                slot.reacquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            waits.grant(10, t -> true);
            assertThat(job.getState()).isEqualTo(Thread.State.WAITING);
        });
        assertThat(inFlight.get()).isZero();
        waits.grant(10, t -> false);
        job.join(Duration.ofSeconds(10));
        assertThat(job.isAlive()).isFalse();
        assertThat(inFlight.get()).isEqualTo(1);
    }

    @Test
    void anInterruptedWaitGivesItsPlaceUpAndIsNeverGranted() throws Exception {
        WaitBuffer waits = new WaitBuffer(5, inFlight);
        inFlight.set(1);
        WaitBuffer.Slot slot = waits.slot(tracker);
        slot.release();
        AtomicInteger interrupted = new AtomicInteger();
        Thread job = Thread.ofVirtual().start(() -> {
            try {
                slot.reacquire();
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> job.getState() == Thread.State.WAITING);
        job.interrupt();
        job.join(Duration.ofSeconds(10));
        assertThat(interrupted.get()).isEqualTo(1);
        assertThat(waits.waiting()).isZero();
        assertThat(tracker.parked().get()).isZero();
        waits.grant(10, t -> false);
        assertThat(inFlight.get()).as("no slot taken for a job that gave up").isZero();

        WaitBuffer.Slot other = waits.slot(tracker);
        inFlight.set(1);
        other.release();
        other.abandon(); // interrupted in its sleep: leaves the buffer without a slot
        assertThat(waits.waiting()).isZero();
        assertThat(tracker.parked().get()).isZero();
        assertThat(inFlight.get()).isZero();
    }
}
