package dev.llmq.router;

import dev.llmq.provider.ErrorKind;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code router_settings} (with the {@code litellm_settings} keys that mean the same).
 *
 * @param numRetries retries after the first attempt within a model group (default 2)
 * @param retryPolicy retries per error kind, overriding {@code numRetries} and the kind's own retryability
 * @param allowedFails failures per minute a deployment may have before it cools down; null = the 50% rule
 * @param allowedFailsPolicy allowed fails per error kind, overriding {@code allowedFails}
 * @param cooldownTime how long a deployment cools down; null = the provider's Retry-After, else 5 s
 * @param fallbacks generic fallbacks: model group → groups to try in order
 * @param defaultFallbacks groups tried by any group that has no generic fallback of its own
 * @param enablePreCallChecks skip deployments whose {@code max_input_tokens} the prompt exceeds
 * @param timeout global request timeout, or null
 * @param streamTimeout global stream idle timeout, or null
 * @param lowestLatencyBuffer latency-based routing picks among deployments within (1 + buffer) × the best latency
 * @param maxLatencyListSize latency samples kept per deployment
 * @param latencyTtl how long a latency sample counts
 */
public record RouterSettings(RoutingStrategy routingStrategy, int numRetries, Map<ErrorKind, Integer> retryPolicy,
                             Integer allowedFails, Map<ErrorKind, Integer> allowedFailsPolicy, Duration cooldownTime,
                             Map<String, List<String>> fallbacks, Map<String, List<String>> contextWindowFallbacks,
                             Map<String, List<String>> contentPolicyFallbacks, List<String> defaultFallbacks,
                             boolean enablePreCallChecks, Duration timeout, Duration streamTimeout,
                             double lowestLatencyBuffer, int maxLatencyListSize, Duration latencyTtl) {

    public static final int DEFAULT_NUM_RETRIES = 2;
    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_LATENCY_LIST_SIZE = 10;
    public static final Duration DEFAULT_LATENCY_TTL = Duration.ofHours(1);

    public static final RouterSettings DEFAULTS = new RouterSettings(RoutingStrategy.SIMPLE_SHUFFLE,
            DEFAULT_NUM_RETRIES, Map.of(), null, Map.of(), null, Map.of(), Map.of(), Map.of(), List.of(), false, null,
            null, 0.0, DEFAULT_MAX_LATENCY_LIST_SIZE, DEFAULT_LATENCY_TTL);

    public RouterSettings {
        Objects.requireNonNull(routingStrategy, "routingStrategy");
        if (numRetries < 0) {
            throw new IllegalArgumentException("num_retries must be >= 0");
        }
        retryPolicy = retryPolicy == null ? Map.of() : Map.copyOf(retryPolicy);
        if (allowedFails != null && allowedFails < 0) {
            throw new IllegalArgumentException("allowed_fails must be >= 0");
        }
        allowedFailsPolicy = allowedFailsPolicy == null ? Map.of() : Map.copyOf(allowedFailsPolicy);
        if (cooldownTime != null && cooldownTime.isNegative()) {
            throw new IllegalArgumentException("cooldown_time must be >= 0");
        }
        fallbacks = copy(fallbacks);
        contextWindowFallbacks = copy(contextWindowFallbacks);
        contentPolicyFallbacks = copy(contentPolicyFallbacks);
        defaultFallbacks = defaultFallbacks == null ? List.of() : List.copyOf(defaultFallbacks);
        if (lowestLatencyBuffer < 0 || Double.isNaN(lowestLatencyBuffer)) {
            throw new IllegalArgumentException("lowest_latency_buffer must be >= 0");
        }
        if (maxLatencyListSize < 1) {
            throw new IllegalArgumentException("max_latency_list_size must be >= 1");
        }
        latencyTtl = latencyTtl == null ? DEFAULT_LATENCY_TTL : latencyTtl;
    }

    /** Retries allowed after an error of this kind: the policy's, else {@code numRetries} if retryable, else 0. */
    public int retriesFor(ErrorKind kind) {
        Integer n = retryPolicy.get(kind);
        if (n != null) {
            return n;
        }
        return kind.retryable() ? numRetries : 0;
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> m) {
        if (m == null || m.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return java.util.Collections.unmodifiableMap(out);
    }
}
