package dev.llmq.ingest.internal;

import dev.llmq.schemas.BatchManifest;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The jobs this instance accepted in the last moments, so that a GET right after the 202 finds them before the
 * status store has read them back from Kafka (read-your-writes). Bounded twice: entries older than {@code ttl} and,
 * beyond {@code maxEntries}, the oldest ones are dropped. Keyed like the status store: a job's {@link
 * JobStatusTopology#jobKey}, a batch's and an idempotency key's partition key.
 *
 * <p>Apart from them, each batch accepted here is remembered longer, and small: its tenant, size, submission time and
 * file ({@link JobStatusView.SubmittedBatch}, bounded by {@code batchTtl} and {@code maxBatches}). The store trails
 * the topics under load (a file of 100,000 lines submitted by {@code llmq submit} right after another, with a worker
 * running the jobs as they came, left it a minute behind), and the jobs of a big submission push its batch out of the
 * entries at once: a client that polls the batches it submitted must not be told that they do not exist.
 */
final class RecentSubmissions {

    /** Long enough for the store to catch up with a submission under load; the store answers from then on. */
    static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
    static final int DEFAULT_MAX_ENTRIES = 20_000;
    /** How long a batch accepted here is remembered (at most the store's retention). */
    static final Duration DEFAULT_BATCH_TTL = Duration.ofHours(1);
    /** Batches remembered at most (about 200 bytes each). */
    static final int DEFAULT_MAX_BATCHES = 50_000;

    private final Clock clock;
    private final long ttlMs;
    private final int maxEntries;
    private final long batchTtlMs;
    private final int maxBatches;
    private final LinkedHashMap<String, Held> entries = new LinkedHashMap<>();
    private final LinkedHashMap<String, Remembered> batches = new LinkedHashMap<>();

    private record Held(long at, List<JobSnapshot> jobs) {
    }

    private record Remembered(long at, JobStatusView.SubmittedBatch batch) {
    }

    /** Batches remembered as long as the entries. */
    RecentSubmissions(Clock clock, Duration ttl, int maxEntries) {
        this(clock, ttl, maxEntries, ttl, DEFAULT_MAX_BATCHES);
    }

    RecentSubmissions(Clock clock, Duration ttl, int maxEntries, Duration batchTtl, int maxBatches) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl.isNegative() || ttl.isZero() || maxEntries < 1 || batchTtl.isNegative() || batchTtl.isZero()
                || maxBatches < 1) {
            throw new IllegalArgumentException("ttls and maximums must be positive");
        }
        this.ttlMs = ttl.toMillis();
        this.maxEntries = maxEntries;
        this.batchTtlMs = batchTtl.toMillis();
        this.maxBatches = maxBatches;
    }

    /** Remembers one submission's jobs (all of one batch, or one job). */
    synchronized void add(List<JobSnapshot> jobs) {
        add(jobs, null);
    }

    /** Remembers one submission's jobs, of a batch created from a file when {@code fileBatch} is not null. */
    synchronized void add(List<JobSnapshot> jobs, BatchManifest.FileBatch fileBatch) {
        long now = clock.millis();
        List<JobSnapshot> all = List.copyOf(jobs);
        for (JobSnapshot s : all) {
            put(JobStatusTopology.jobKey(s.jobId()), new Held(now, List.of(s)));
        }
        JobSnapshot first = all.getFirst();
        if (first.batchId() != null) {
            put(JobStatusTopology.batchKey(first.batchId()), new Held(now, all));
            batches.remove(first.batchId());
            batches.put(first.batchId(), new Remembered(now, new JobStatusView.SubmittedBatch(first.tenant(),
                    all.size(), first.submittedAt(), fileBatch)));
            evictBatches(now);
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

    /** A batch accepted here within the batch ttl, or empty. */
    synchronized Optional<JobStatusView.SubmittedBatch> batch(String batchId) {
        evictBatches(clock.millis());
        Remembered r = batches.get(batchId);
        return r == null ? Optional.empty() : Optional.of(r.batch());
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized int batches() {
        return batches.size();
    }

    private void evictBatches(long now) {
        Iterator<Remembered> it = batches.values().iterator();
        while (it.hasNext()) {
            Remembered r = it.next();
            if (batches.size() > maxBatches || now - r.at() >= batchTtlMs) {
                it.remove();
            } else {
                return;
            }
        }
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
