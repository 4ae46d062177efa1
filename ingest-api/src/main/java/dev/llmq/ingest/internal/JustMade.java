package dev.llmq.ingest.internal;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads a job or batch that may have been accepted a moment ago by another instance: its status store (or this one's)
 * may not have read it yet, and a client that got its 202 from one instance and asks another at once (behind a load
 * balancer; the OpenAI SDKs poll a batch right after creating it) would get a 404 for an id it was just given. Ids
 * llmq makes carry the time they were made ({@link JobIds}), so an id made in the last {@link #RECENT} that is not
 * found is looked for again every {@link #EVERY} for up to {@link #WAIT} before it is called unknown. Any other id
 * is answered at once.
 */
final class JustMade {

    /** How recent an id must be for a miss to be looked at again. */
    static final Duration RECENT = Duration.ofSeconds(10);
    /** How long a miss of a recent id is looked at again, at most. */
    static final Duration WAIT = Duration.ofSeconds(2);
    static final Duration EVERY = Duration.ofMillis(50);

    private final Clock clock;

    JustMade(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The job {@code read} finds, looked for again for a while when {@code jobId} was made a moment ago. */
    <T> Optional<T> job(String jobId, Supplier<Optional<T>> read) {
        return read(JobIds.millisOf(jobId), read);
    }

    /** As {@link #job}, for a batch id. */
    <T> Optional<T> batch(String batchId, Supplier<Optional<T>> read) {
        return read(JobIds.batchMillisOf(batchId), read);
    }

    private <T> Optional<T> read(long madeAtMillis, Supplier<Optional<T>> read) {
        Optional<T> found = read.get();
        long age = clock.millis() - madeAtMillis;
        if (found.isPresent() || madeAtMillis < 0 || age > RECENT.toMillis() || age < -RECENT.toMillis()) {
            return found;
        }
        Retry retry = Retry.of("llmq-just-made", RetryConfig.<Optional<T>>custom()
                .maxAttempts((int) (WAIT.toMillis() / EVERY.toMillis()))
                .intervalFunction(IntervalFunction.of(EVERY))
                .retryOnResult(Optional::isEmpty).retryOnException(e -> false).failAfterMaxAttempts(false).build());
        return retry.executeSupplier(read);
    }
}
