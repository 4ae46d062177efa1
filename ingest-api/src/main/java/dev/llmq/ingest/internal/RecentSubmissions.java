package dev.llmq.ingest.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The jobs this instance accepted in the last moments, so that a GET right after the 202 finds them before the
 * status store has read them back from Kafka (read-your-writes). Bounded twice: entries older than {@code ttl} and,
 * beyond {@code maxEntries}, the oldest ones are dropped. Keyed like the status store: a job's {@link
 * JobStatusTopology#jobKey}, a batch's and an idempotency key's partition key.
 */
final class RecentSubmissions {

    /** Long enough for the store to catch up with a submission under load; the store answers from then on. */
    static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
    static final int DEFAULT_MAX_ENTRIES = 20_000;

    private final Clock clock;
    private final long ttlMs;
    private final int maxEntries;
    private final LinkedHashMap<String, Held> entries = new LinkedHashMap<>();

    private record Held(long at, List<JobSnapshot> jobs) {
    }

    RecentSubmissions(Clock clock, Duration ttl, int maxEntries) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl.isNegative() || ttl.isZero() || maxEntries < 1) {
            throw new IllegalArgumentException("ttl and maxEntries must be positive");
        }
        this.ttlMs = ttl.toMillis();
        this.maxEntries = maxEntries;
    }

    /** Remembers one submission's jobs (all of one batch, or one job). */
    synchronized void add(List<JobSnapshot> jobs) {
        long now = clock.millis();
        List<JobSnapshot> all = List.copyOf(jobs);
        for (JobSnapshot s : all) {
            put(JobStatusTopology.jobKey(s.jobId()), new Held(now, List.of(s)));
        }
        JobSnapshot first = all.getFirst();
        if (first.batchId() != null) {
            put(JobStatusTopology.batchKey(first.batchId()), new Held(now, all));
        }
        if (first.idempotencyKey() != null) {
            put(JobStatusTopology.idempotencyKey(first.tenant(), first.idempotencyKey()), new Held(now, all));
        }
        evict(now);
    }

    /** The jobs remembered under a key, or none. */
    synchronized List<JobSnapshot> get(String key) {
        evict(clock.millis());
        Held h = entries.get(key);
        return h == null ? List.of() : h.jobs();
    }

    synchronized int size() {
        return entries.size();
    }

    private void put(String key, Held held) {
        entries.remove(key);
        entries.put(key, held);
    }

    private void evict(long now) {
        Iterator<Map.Entry<String, Held>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Held> e = it.next();
            if (entries.size() > maxEntries || now - e.getValue().at() >= ttlMs) {
                it.remove();
            } else {
                return;
            }
        }
    }
}
