package dev.llmq.worker.internal;

import dev.llmq.worker.JobSlot;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Running jobs that wait for capacity without holding an in-flight slot ({@code llmq.worker.max_waiting} of them at
 * most). A job gives its slot back from its own thread ({@link JobSlot#release()}); taking one again queues it here,
 * and the polling thread grants queued jobs a slot, oldest first and before any new record, whenever the worker and
 * the job's partition are under their limits. The waiting job blocks on a future: no polling.
 */
final class WaitBuffer {

    private record Waiter(Slot slot, CompletableFuture<Void> grant) {
    }

    private final int maxWaiting;
    private final AtomicInteger inFlight;
    private final AtomicInteger waiting = new AtomicInteger();
    private final ConcurrentLinkedQueue<Waiter> queue = new ConcurrentLinkedQueue<>();

    /** @param inFlight the feed's count of records holding a slot */
    WaitBuffer(int maxWaiting, AtomicInteger inFlight) {
        this.maxWaiting = maxWaiting;
        this.inFlight = inFlight;
    }

    /** Jobs waiting without a slot now. */
    int waiting() {
        return waiting.get();
    }

    /** The slot of a job of the partition {@code tracker} tracks, held from the start. */
    Slot slot(PartitionTracker tracker) {
        return new Slot(tracker);
    }

    /**
     * Gives slots to waiting jobs, oldest first, while fewer than {@code maxInFlight} records hold one; a job whose
     * partition {@code full} says is at its own limit waits for the next round. Polling thread only.
     */
    void grant(int maxInFlight, Predicate<PartitionTracker> full) {
        Iterator<Waiter> it = queue.iterator();
        while (it.hasNext() && inFlight.get() < maxInFlight) {
            Waiter w = it.next();
            if (w.grant().isDone()) {
                it.remove(); // given up (the job was interrupted)
                continue;
            }
            if (full.test(w.slot().tracker)) {
                continue;
            }
            it.remove();
            if (w.grant().complete(null)) {
                inFlight.incrementAndGet();
                unpark(w.slot().tracker);
            }
        }
    }

    private void unpark(PartitionTracker tracker) {
        tracker.parked().decrementAndGet();
        waiting.decrementAndGet();
    }

    /** A job's slot; {@link #holding()} says whether its ack frees a slot. */
    final class Slot implements JobSlot {

        private final PartitionTracker tracker;
        private volatile boolean holding = true;

        Slot(PartitionTracker tracker) {
            this.tracker = tracker;
        }

        /** Whether the job holds a slot now (not while it waits without one, nor after it gave up waiting). */
        boolean holding() {
            return holding;
        }

        @Override
        public boolean release() {
            if (!holding) {
                throw new IllegalStateException("the slot was already released");
            }
            int now;
            do {
                now = waiting.get();
                if (now >= maxWaiting) {
                    return false;
                }
            } while (!waiting.compareAndSet(now, now + 1));
            holding = false;
            tracker.parked().incrementAndGet();
            inFlight.decrementAndGet();
            return true;
        }

        @Override
        public void reacquire() throws InterruptedException {
            CompletableFuture<Void> grant = new CompletableFuture<>();
            queue.add(new Waiter(this, grant));
            try {
                grant.get();
                holding = true;
            } catch (InterruptedException e) {
                if (grant.cancel(false)) {
                    unpark(tracker);
                }
                throw e;
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }

        @Override
        public void abandon() {
            unpark(tracker);
        }
    }
}
