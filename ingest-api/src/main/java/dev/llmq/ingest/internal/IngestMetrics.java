package dev.llmq.ingest.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ingest API's meters: {@code llmq.jobs.submitted} (jobs accepted), {@code llmq.ingest.rejected{reason}}
 * (requests refused; reason from a bounded set) and {@code llmq.ingest.submission.duration} (accepted submissions,
 * from request to broker acknowledgement); the SSE relay's {@link #streams(ChunkHub) meters} and the file store's
 * {@link #files(FileStore) gauge}.
 */
public final class IngestMetrics {

    private final MeterRegistry registry;
    private final Counter submitted;
    private final Timer latency;
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.submitted = Counter.builder("llmq.jobs.submitted").description("jobs accepted by the ingest API")
                .register(registry); // no base unit: Prometheus would call it llmq_jobs_submitted_jobs_total
        this.latency = Timer.builder("llmq.ingest.submission.duration")
                .description("time from request to broker acknowledgement of every job of a submission")
                .publishPercentileHistogram().register(registry);
    }

    public void accepted(int jobs, Duration elapsed) {
        submitted.increment(jobs);
        latency.record(elapsed);
    }

    /**
     * {@code llmq.ingest.streams} (SSE clients served now) and {@code llmq.ingest.stream.consumers} (Kafka consumers
     * the relay has made: one per instance, plus one per replacement after a failure; never one per client).
     */
    public void streams(ChunkHub hub) {
        Gauge.builder("llmq.ingest.streams", hub, ChunkHub::subscribers).description("SSE streams served now")
                .baseUnit("streams").register(registry);
        FunctionCounter.builder("llmq.ingest.stream.consumers", hub, ChunkHub::consumersCreated)
                .description("Kafka consumers made by the SSE relay").baseUnit("consumers").register(registry);
    }

    /**
     * {@code llmq.ingest.file_transactions}: the file transactions (uploads, deletions, batches from files) being
     * written now, of the store's {@link FileStore#capacity()}; at the capacity the next file request waits.
     */
    public void files(FileStore store) {
        Gauge.builder("llmq.ingest.file_transactions", store, FileStore::inUse)
                .description("file transactions being written now, of " + store.capacity() + " at once")
                .baseUnit("transactions").register(registry);
    }

    /** @param reason one of a bounded set, e.g. {@code malformed_json}, {@code model_not_found} */
    public void rejected(String reason) {
        rejected.computeIfAbsent(reason, r -> Counter.builder("llmq.ingest.rejected")
                .description("submissions refused by the ingest API").tag("reason", r).register(registry)).increment();
    }
}
