package dev.llmq.worker;

/**
 * A running job's place among the worker's {@code max_in_flight} (and per-partition) slots. A job about to wait for
 * capacity (its model group's deployments cooling down, breakers open, rpm/tpm spent, a Retry-After) gives the slot
 * back for the wait, so jobs of other groups can run meanwhile, and takes one again before its next provider call.
 * Its record stays uncommitted throughout.
 */
public interface JobSlot {

    /** A slot that is never given back: the job waits holding it. */
    JobSlot HELD = new JobSlot() {
        @Override
        public boolean release() {
            return false;
        }

        @Override
        public void reacquire() {
        }

        @Override
        public void abandon() {
        }
    };

    /**
     * Gives the slot back for a wait.
     *
     * @return false when the worker's wait buffer ({@code llmq.worker.max_waiting}) is full: the job keeps its slot
     *         and must not call {@link #reacquire()}
     */
    boolean release();

    /** After a {@link #release()} that returned true: blocks until the job holds a slot again. */
    void reacquire() throws InterruptedException;

    /** After a {@link #release()} that returned true: the job stops (it was interrupted) and takes no slot again. */
    void abandon();
}
