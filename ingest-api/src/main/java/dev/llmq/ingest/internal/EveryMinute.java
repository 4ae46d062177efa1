package dev.llmq.ingest.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether a warning about one subject (a peer that refuses this instance's internal key, say) is due: the first
 * time, then at most once a {@link #INTERVAL}, so that a condition every request meets under load is said without
 * flooding the log. Thread-safe.
 */
final class EveryMinute {

    static final Duration INTERVAL = Duration.ofMinutes(1);

    private final Clock clock;
    private final Map<Object, Instant> last = new ConcurrentHashMap<>();

    EveryMinute(Clock clock) {
        this.clock = clock;
    }

    /** True when nothing was said about {@code subject} within the interval; it counts as said from now. */
    boolean due(Object subject) {
        Instant now = clock.instant();
        boolean[] due = {false};
        last.compute(subject, (k, before) -> {
            if (before == null || !now.isBefore(before.plus(INTERVAL))) {
                due[0] = true;
                return now;
            }
            return before;
        });
        return due[0];
    }
}
