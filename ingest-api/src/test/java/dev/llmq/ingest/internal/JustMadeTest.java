package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** An id made a moment ago is looked for again before it is called unknown; any other id is answered at once. */
class JustMadeTest {

    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private final JustMade justMade = new JustMade(Clock.fixed(NOW, ZoneOffset.UTC));
    private final AtomicInteger reads = new AtomicInteger();

    /** Found from the {@code n}th read on. */
    private Supplier<Optional<String>> foundFrom(int n) {
        return () -> reads.incrementAndGet() >= n ? Optional.of("found") : Optional.empty();
    }

    private static JobIds madeAt(Instant at) {
        return new JobIds(Clock.fixed(at, ZoneOffset.UTC), new Random(1));
    }

    @Test
    void aBatchMadeAMomentAgoIsFoundOnceTheStoreHasReadIt() {
        String batch = madeAt(NOW.minusMillis(300)).nextBatchId();
        assertThat(justMade.batch(batch, foundFrom(3))).contains("found");
        assertThat(reads).hasValue(3);
    }

    @Test
    void aJobMadeAMomentAgoIsLookedForAgainThenUnknown() {
        String job = madeAt(NOW.minusSeconds(1)).nextJobId();
        assertThat(justMade.job(job, foundFrom(Integer.MAX_VALUE))).isEmpty();
        assertThat(reads.get()).as("read, then looked for until the wait ran out")
                .isEqualTo(1 + (int) (JustMade.WAIT.toMillis() / JustMade.EVERY.toMillis()));
    }

    @Test
    void anOlderIdOrOneLlmqDidNotMakeIsAnsweredAtOnce() {
        String old = madeAt(NOW.minus(Duration.ofMinutes(1))).nextBatchId();
        assertThat(justMade.batch(old, foundFrom(2))).isEmpty();
        assertThat(justMade.batch("batch_from_elsewhere", foundFrom(3))).isEmpty();
        assertThat(justMade.job(madeAt(NOW.plus(Duration.ofHours(1))).nextJobId(), foundFrom(4))).isEmpty();
        assertThat(reads).as("one read each").hasValue(3);
        assertThat(justMade.batch(madeAt(NOW).nextBatchId(), foundFrom(4))).as("found at once").contains("found");
        assertThat(reads).hasValue(4);
    }

    @Test
    void aLookupThatFailsIsNotTriedAgainHere() {
        // the lookup's own retries (the store moving, an entry not read yet) have run their course when it throws
        String job = madeAt(NOW.minusMillis(100)).nextJobId();
        Supplier<Optional<String>> failing = () -> {
            reads.incrementAndGet();
            throw StatusPeers.unavailable("the status store has not read as far as job " + job + " yet");
        };
        assertThatThrownBy(() -> justMade.job(job, failing)).isInstanceOf(ApiException.class)
                .hasMessageContaining("not read as far as");
        assertThat(reads).hasValue(1);
    }
}
