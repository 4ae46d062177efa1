package dev.llmq.worker.internal;

import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The worker's meters. Tags come from a bounded set (status; deployment, provider, model and model group, from the
 * config); never a job or batch id. Meters of a tag set are looked up once and cached.
 */
public final class WorkerMetrics {

    /** The OpenTelemetry GenAI operation name of every provider call llmq makes. */
    public static final String OPERATION_CHAT = "chat";
    /** Bucket bounds OpenTelemetry's GenAI conventions advise for {@code gen_ai.client.token.usage}. */
    static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
            16777216, 67108864};
    /** Bucket bounds (seconds) OpenTelemetry's GenAI conventions advise for the time to the first token. */
    static final Duration[] TTFT_BUCKETS = millis(1, 5, 10, 20, 40, 60, 80, 100, 250, 500, 750, 1000, 2500, 5000,
            7500, 10000);

    /** The meters of the results of one route (model group, deployment, provider, model). */
    private record Route(String modelGroup, String deployment, String provider, String model) {
    }

    private record RouteMeters(Route route, Counter inputTokens, Counter outputTokens, Counter cost,
                               DistributionSummary genAiInput, DistributionSummary genAiOutput,
                               Timer timeToFirstToken) {
        boolean describes(JobResult r) {
            return route.modelGroup().equals(String.valueOf(r.modelGroup()))
                    && route.provider().equals(String.valueOf(r.provider()))
                    && route.model().equals(String.valueOf(r.model()));
        }
    }

    /** Tokens used by jobs whose cost could not be computed (in Prometheus {@code llmq_cost_unpriced_tokens_total}). */
    public static final String UNPRICED_TOKENS = "llmq.cost.unpriced";

    private final Map<JobStatus, Counter> completed = new EnumMap<>(JobStatus.class);
    private final Map<JobStatus, Timer> durations = new EnumMap<>(JobStatus.class);
    private final Counter deadLettered;
    private final Counter chunksPublished;
    private final Counter chunksDropped;
    private final Counter resultsReplaced;
    private final Counter unrecorded;
    private final Counter joinedRuns;
    private final MeterRegistry registry;
    private final Map<String, Counter> started = new ConcurrentHashMap<>();
    /** By deployment id; a deployment's group, provider and model change only on a reload. */
    private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();

    public WorkerMetrics(MeterRegistry registry, IntSupplier inFlight) {
        this(registry, inFlight, () -> 0);
    }

    /**
     * @param inFlight jobs handed out and not finished (those waiting without a slot included)
     * @param waiting jobs waiting, without an in-flight slot, for capacity, a rate limit, a Retry-After, an open
     *                breaker or a budget ({@code llmq.worker.max_waiting})
     */
    public WorkerMetrics(MeterRegistry registry, IntSupplier inFlight, IntSupplier waiting) {
        this.registry = registry;
        for (JobStatus status : JobStatus.values()) {
            if (status.terminal()) {
                completed.put(status, Counter.builder("llmq.jobs.completed")
                        .description("jobs whose terminal result was published, by status")
                        .tag("status", status.wire()).register(registry));
                durations.put(status, Timer.builder("llmq.jobs.duration")
                        .description("time from a worker starting a job to its result being acknowledged")
                        .tag("status", status.wire()).publishPercentileHistogram().register(registry));
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
        joinedRuns = Counter.builder("llmq.jobs.redelivered_while_running")
                .description("job records that came again while their job ran in this worker; they waited for that "
                        + "run instead of calling the provider again").register(registry);
        Gauge.builder("llmq.worker.in_flight", inFlight, s -> s.getAsInt()).strongReference(true)
                .description("jobs handed out by the consumer and not yet finished").register(registry);
        Gauge.builder("llmq.worker.waiting", waiting, s -> s.getAsInt()).strongReference(true)
                .description("jobs waiting without a slot for capacity, a rate limit, a Retry-After, an open breaker "
                        + "or a budget: running (their status says so) but not calling anything")
                .register(registry);
    }

    /** A job started running on this worker ({@code llmq.jobs.started{model_group}}). */
    public void started(String modelGroup) {
        started.computeIfAbsent(modelGroup, g -> Counter.builder("llmq.jobs.started")
                .description("jobs a worker started running (expired and poison jobs are not started)")
                .tag("model_group", g).register(registry)).increment();
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

    /** A job record came again while its job ran here, and waited for that run. */
    public void joinedRun() {
        joinedRuns.increment();
    }

    /**
     * Counts the tokens of a published result that could not be priced ({@code cost_usd} null with a
     * {@code cost_reason}), so spend that the usage totals leave out is visible; tagged by deployment and model group.
     */
    public void published(JobResult result) {
        if (result.deployment() != null) {
            routed(result);
        }
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

    /**
     * The tokens, cost and time to first token of a published result, by its route: {@code llmq.tokens},
     * {@code llmq.cost}, {@code gen_ai.client.token.usage}, {@code llmq.time_to_first_token}.
     */
    private void routed(JobResult result) {
        RouteMeters m = routes.get(result.deployment());
        if (m == null || !m.describes(result)) {
            m = register(new Route(String.valueOf(result.modelGroup()), result.deployment(),
                    String.valueOf(result.provider()), String.valueOf(result.model())));
            routes.put(result.deployment(), m);
        }
        long input = result.usage().promptTokens();
        long output = result.usage().completionTokens();
        if (input > 0 || output > 0) {
            m.inputTokens().increment(input);
            m.outputTokens().increment(output);
            m.genAiInput().record(input);
            m.genAiOutput().record(output);
        }
        if (result.costUsd() != null) {
            m.cost().increment(result.costUsd().doubleValue());
        }
        if (result.ttftMs() != null) {
            m.timeToFirstToken().record(Duration.ofMillis(result.ttftMs()));
        }
    }

    private RouteMeters register(Route r) {
        return new RouteMeters(r, tokens(r, "input"), tokens(r, "output"),
                Counter.builder("llmq.cost").description("spend of published results, in USD").baseUnit("usd")
                        .tag("model_group", r.modelGroup()).tag("deployment", r.deployment())
                        .tag("provider", r.provider()).register(registry),
                genAiTokens(r, "input"), genAiTokens(r, "output"),
                Timer.builder("llmq.time_to_first_token").description("time to the first token of streamed jobs")
                        .tag("model_group", r.modelGroup()).tag("deployment", r.deployment())
                        .serviceLevelObjectives(TTFT_BUCKETS).register(registry));
    }

    private Counter tokens(Route r, String type) {
        return Counter.builder("llmq.tokens").description("tokens of published results").baseUnit("tokens")
                .tag("model_group", r.modelGroup()).tag("deployment", r.deployment()).tag("type", type)
                .register(registry);
    }

    private DistributionSummary genAiTokens(Route r, String type) {
        return DistributionSummary.builder("gen_ai.client.token.usage")
                .description("tokens used per job (OpenTelemetry GenAI semantic conventions)").baseUnit("tokens")
                .tag("gen_ai.operation.name", OPERATION_CHAT).tag("gen_ai.provider.name", r.provider())
                .tag("gen_ai.request.model", r.model()).tag("gen_ai.token.type", type)
                .serviceLevelObjectives(TOKEN_BUCKETS).register(registry);
    }

    static Duration[] millis(long... bounds) {
        Duration[] out = new Duration[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            out[i] = Duration.ofMillis(bounds[i]);
        }
        return out;
    }
}
