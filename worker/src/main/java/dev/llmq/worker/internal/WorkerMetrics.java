package dev.llmq.worker.internal;

import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.IntSupplier;

/** The worker's meters. Tags come from a bounded set (outcome; deployment and model group, from the config). */
public final class WorkerMetrics {

    /** Tokens used by jobs whose cost could not be computed (in Prometheus {@code llmq_cost_unpriced_tokens_total}). */
    public static final String UNPRICED_TOKENS = "llmq.cost.unpriced";

    private final Map<JobStatus, Counter> completed = new EnumMap<>(JobStatus.class);
    private final Map<JobStatus, Timer> durations = new EnumMap<>(JobStatus.class);
    private final Counter deadLettered;
    private final Counter chunksPublished;
    private final Counter chunksDropped;
    private final Counter resultsReplaced;
    private final Counter unrecorded;
    private final MeterRegistry registry;

    public WorkerMetrics(MeterRegistry registry, IntSupplier inFlight) {
        this.registry = registry;
        for (JobStatus status : JobStatus.values()) {
            if (status.terminal()) {
                completed.put(status, Counter.builder("llmq.jobs.completed")
                        .description("jobs whose terminal result was published, by outcome")
                        .tag("outcome", status.wire()).register(registry));
                durations.put(status, Timer.builder("llmq.jobs.duration")
                        .description("time from a worker starting a job to its result being acknowledged")
                        .tag("outcome", status.wire()).register(registry));
            }
        }
        deadLettered = Counter.builder("llmq.jobs.dlq")
                .description("job records that could not be read and went to the dead-letter topic").register(registry);
        chunksPublished = Counter.builder("llmq.chunks.published")
                .description("stream chunks published (after coalescing)").register(registry);
        chunksDropped = Counter.builder("llmq.chunks.dropped")
                .description("stream chunks Kafka did not take; their jobs went on").register(registry);
        resultsReplaced = Counter.builder("llmq.results.replaced")
                .description("results Kafka refused (too large, say), replaced by a smaller failed result")
                .register(registry);
        unrecorded = Counter.builder("llmq.jobs.unrecorded")
                .description("job records finished with neither a result nor a dead letter, as Kafka refused both")
                .register(registry);
        Gauge.builder("llmq.worker.in_flight", inFlight, s -> s.getAsInt()).strongReference(true)
                .description("jobs handed out by the consumer and not yet finished").register(registry);
    }

    public void completed(JobStatus status, Duration duration) {
        Counter counter = completed.get(status);
        if (counter != null) {
            counter.increment();
            durations.get(status).record(duration);
        }
    }

    public void deadLettered() {
        deadLettered.increment();
    }

    public void chunkPublished() {
        chunksPublished.increment();
    }

    public void chunkDropped() {
        chunksDropped.increment();
    }

    public void resultReplaced() {
        resultsReplaced.increment();
    }

    public void unrecorded() {
        unrecorded.increment();
    }

    /**
     * Counts the tokens of a published result that could not be priced ({@code cost_usd} null with a
     * {@code cost_reason}), so spend that the usage totals leave out is visible; tagged by deployment and model group.
     */
    public void published(JobResult result) {
        if (result.costUsd() != null || result.costReason() == null) {
            return;
        }
        long tokens = result.usage().promptTokens() + result.usage().completionTokens();
        if (tokens > 0) {
            Counter.builder(UNPRICED_TOKENS)
                    .description("tokens of results whose model has no price (cost_usd null), by deployment")
                    .baseUnit("tokens")
                    .tag("deployment", String.valueOf(result.deployment()))
                    .tag("model_group", String.valueOf(result.modelGroup()))
                    .register(registry).increment(tokens);
        }
    }
}
