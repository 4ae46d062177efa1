package dev.llmq.worker.internal;

import dev.llmq.provider.ErrorKind;
import dev.llmq.router.AttemptRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The meters of a job's provider attempts, counted from the attempts the router recorded once the job's routing
 * ends: {@code llmq.provider.calls{provider, deployment, model_group, outcome, error_kind}},
 * {@code gen_ai.client.operation.duration{gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.model,
 * error.type}} (OpenTelemetry GenAI semantic conventions; {@code error.type} is empty on a success, which
 * Prometheus reads as absent, since every series of a name must have the same tag keys),
 * {@code llmq.attempts.refused{provider, deployment, model_group, error_kind}} (attempts llmq refused before calling
 * the provider, {@link AttemptRecord#sent()} false: not provider calls, so in neither meter before),
 * {@code llmq.retries{model_group}} (an attempt in the same model group as the one before) and
 * {@code llmq.fallbacks{model_group, fallback_group}} (an attempt in another group than the one before; model_group
 * is the job's). Error kinds are provider-lib's taxonomy ({@link ErrorKind#wire()}). Meters are cached per
 * deployment and outcome, so an attempt costs two map look-ups.
 */
public final class AttemptMetrics {

    /** Bucket bounds OpenTelemetry's GenAI conventions advise for {@code gen_ai.client.operation.duration}. */
    static final Duration[] DURATION_BUCKETS = WorkerMetrics.millis(10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120,
            10240, 20480, 40960, 81920);
    private static final ErrorKind[] KINDS = ErrorKind.values();

    /** One deployment's meters, by outcome: index 0 is success, 1 + ordinal an error kind; made on first use. */
    private record DeploymentMeters(String provider, String modelGroup, String model,
                                    AtomicReferenceArray<Counter> calls, AtomicReferenceArray<Timer> durations) {
        boolean describes(AttemptRecord a) {
            return provider.equals(String.valueOf(a.provider())) && modelGroup.equals(String.valueOf(a.modelGroup()))
                    && model.equals(String.valueOf(a.model()));
        }
    }

    private final MeterRegistry registry;
    private final Map<String, DeploymentMeters> deployments = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> refused = new ConcurrentHashMap<>();
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Counter>> fallbacks = new ConcurrentHashMap<>();

    public AttemptMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Meters nothing reads (a handler built without a registry). */
    public static AttemptMetrics none() {
        return new AttemptMetrics(new CompositeMeterRegistry());
    }

    /** Counts a job's attempts, in order; {@code jobGroup} is the model group the job asked for. */
    public void record(String jobGroup, List<AttemptRecord> attempts) {
        String previousGroup = null;
        for (AttemptRecord a : attempts) {
            if (a.sent()) {
                called(a);
            } else {
                refused(a).increment();
            }
            String group = String.valueOf(a.modelGroup());
            if (previousGroup != null) {
                if (previousGroup.equals(group)) {
                    retries.computeIfAbsent(group, g -> Counter.builder("llmq.retries")
                            .description("provider attempts that retried a job in the model group of its last attempt")
                            .tag("model_group", g).register(registry)).increment();
                } else {
                    fallbacks.computeIfAbsent(String.valueOf(jobGroup), g -> new ConcurrentHashMap<>())
                            .computeIfAbsent(group, to -> Counter.builder("llmq.fallbacks")
                                    .description("provider attempts that moved a job to a fallback model group")
                                    .tag("model_group", String.valueOf(jobGroup)).tag("fallback_group", to)
                                    .register(registry)).increment();
                }
            }
            previousGroup = group;
        }
    }

    private void called(AttemptRecord a) {
        int index = a.errorKind() == null ? 0 : 1 + a.errorKind().ordinal();
        DeploymentMeters m = meters(a);
        Counter calls = m.calls().get(index);
        if (calls == null) {
            calls = register(a, m, index);
        }
        calls.increment();
        m.durations().get(index).record(a.latency());
    }

    /** The counter of attempts refused before calling, per deployment (with its provider and group) and error kind. */
    private Counter refused(AttemptRecord a) {
        String provider = String.valueOf(a.provider());
        String group = String.valueOf(a.modelGroup());
        String kind = a.errorKind() == null ? "none" : a.errorKind().wire();
        return refused.computeIfAbsent(List.of(a.deploymentId(), provider, group, kind),
                k -> Counter.builder("llmq.attempts.refused")
                        .description("attempts llmq refused before calling the provider, by error kind")
                        .tag("provider", provider).tag("deployment", a.deploymentId()).tag("model_group", group)
                        .tag("error_kind", kind).register(registry));
    }

    private DeploymentMeters meters(AttemptRecord a) {
        DeploymentMeters m = deployments.get(a.deploymentId());
        if (m == null || !m.describes(a)) { // new, or the deployment changed on a reload
            m = new DeploymentMeters(String.valueOf(a.provider()), String.valueOf(a.modelGroup()),
                    String.valueOf(a.model()), new AtomicReferenceArray<>(KINDS.length + 1),
                    new AtomicReferenceArray<>(KINDS.length + 1));
            deployments.put(a.deploymentId(), m);
        }
        return m;
    }

    private Counter register(AttemptRecord a, DeploymentMeters m, int index) {
        String kind = index == 0 ? "none" : KINDS[index - 1].wire();
        Counter calls = Counter.builder("llmq.provider.calls").description("provider calls, by outcome and error kind")
                .tag("provider", m.provider()).tag("deployment", a.deploymentId()).tag("model_group", m.modelGroup())
                .tag("outcome", index == 0 ? "success" : "error").tag("error_kind", kind)
                .register(registry);
        Timer.Builder duration = Timer.builder("gen_ai.client.operation.duration")
                .description("duration of provider calls (OpenTelemetry GenAI semantic conventions)")
                .tag("gen_ai.operation.name", WorkerMetrics.OPERATION_CHAT).tag("gen_ai.provider.name", m.provider())
                .tag("gen_ai.request.model", m.model()).tag("error.type", index == 0 ? "" : kind)
                .serviceLevelObjectives(DURATION_BUCKETS);
        m.durations().compareAndSet(index, null, duration.register(registry));
        m.calls().compareAndSet(index, null, calls);
        return calls;
    }
}
