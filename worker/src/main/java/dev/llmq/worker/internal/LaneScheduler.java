package dev.llmq.worker.internal;

import dev.llmq.config.LlmqKeys;

/**
 * Chooses the lane of the next dispatch: interactive first, except that of the dispatches made while both lanes have
 * jobs waiting (contested ones) at least {@code batchMinShare} go to batch. Uncontested dispatches do not count, so a
 * quiet interactive lane earns batch no credit to spend later. Pure and deterministic; used by the polling thread.
 */
final class LaneScheduler {

    private static final double EPSILON = 1e-9;

    private final double batchMinShare;
    private long contested;
    private long contestedBatch;

    LaneScheduler(double batchMinShare) {
        this.batchMinShare = LlmqKeys.WORKER_BATCH_MIN_SHARE.validate(batchMinShare, "batchMinShare");
    }

    /**
     * The lane to dispatch from, given which lanes have a job ready to dispatch; null when neither has.
     */
    Lane next(boolean interactiveReady, boolean batchReady) {
        if (!interactiveReady || !batchReady) {
            return interactiveReady ? Lane.INTERACTIVE : batchReady ? Lane.BATCH : null;
        }
        contested++;
        if (contestedBatch + 1 <= batchMinShare * contested + EPSILON) {
            contestedBatch++;
            return Lane.BATCH;
        }
        return Lane.INTERACTIVE;
    }
}
