package dev.llmq.ingest.internal;

import dev.llmq.schemas.JobControlMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes old cancellations from the compacted control topic. Each cancelled job or batch left one record there for
 * good, and every ingest holds the whole topic in memory ({@link ControlStates}) and every worker reads it at start:
 * a client cancelling jobs one by one by the million grew all of them. A cancellation asked longer ago than
 * {@link #retention} is useless to everyone (workers forget it after {@link JobControlMessage#CANCEL_RETENTION}, the
 * status store its job or batch after its own retention), so its record is deleted with a tombstone. Every ingest
 * sweeps, {@link #FIRST} after it starts and then every {@link #EVERY}; two deleting the same key write the same
 * tombstone.
 */
public final class CancelSweeper implements AutoCloseable {

    static final Duration FIRST = Duration.ofMinutes(1);
    static final Duration EVERY = Duration.ofHours(1);
    /** The most records one sweep deletes; the next sweep goes on. */
    static final int MAX_PER_SWEEP = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger(CancelSweeper.class);

    private final ControlStates states;
    private final ControlPublisher publisher;
    private final Clock clock;
    private final Duration retention;
    private ScheduledExecutorService timer;

    /**
     * @param statusRetention how long the status store keeps a job or batch: its cancellation is kept at least as
     *        long, so a cancelled batch reads {@code cancelled} for as long as it is found
     */
    public CancelSweeper(ControlStates states, ControlPublisher publisher, Clock clock, Duration statusRetention) {
        this.states = Objects.requireNonNull(states, "states");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.retention = statusRetention.compareTo(JobControlMessage.CANCEL_RETENTION) > 0 ? statusRetention
                : JobControlMessage.CANCEL_RETENTION;
    }

    /** How long a cancellation is kept: the longer of {@link JobControlMessage#CANCEL_RETENTION} and the status's. */
    public Duration retention() {
        return retention;
    }

    public synchronized void start() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                    .name("llmq-ingest-cancel-sweep").factory());
            timer.scheduleWithFixedDelay(this::sweepLogged, FIRST.toSeconds(), EVERY.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** One sweep: deletes the records of the cancellations asked before now minus the retention. Returns how many. */
    public int sweep() {
        Instant cutoff = clock.instant().minus(retention);
        List<String> expired = states.cancelsAskedBefore(cutoff, MAX_PER_SWEEP);
        if (expired.isEmpty() || !publisher.deleteCancellations(expired)) {
            return 0;
        }
        LOG.info("deleted {} cancellations asked before {} from the control topic", expired.size(), cutoff);
        return expired.size();
    }

    private void sweepLogged() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.warn("cancellation sweep failed; the next one tries again", e);
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
