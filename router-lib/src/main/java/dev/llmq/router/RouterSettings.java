package dev.llmq.router;

import dev.llmq.config.RouterKeys;
import dev.llmq.provider.ErrorKind;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code router_settings} (with the {@code litellm_settings} keys that mean the same). Keys, defaults and rules are
 * defined once in {@link RouterKeys}.
 *
 * @param numRetries retries after the first attempt within a model group (default 2)
 * @param retryPolicy retries per error kind, overriding {@code numRetries} and the kind's own retryability
 * @param defaultRetries {@code retry_policy}'s {@code DefaultRetries}: {@code numRetries} for the kinds it does not
 *                       name, or null
 * @param modelGroupRetryPolicy a retry policy per model group, replacing {@code retryPolicy} in that group
 *                              (LiteLLM's {@code model_group_retry_policy}): group → retries per error kind
 * @param modelGroupDefaultRetries the {@code DefaultRetries} of those group policies that set it, by group
 * @param allowedFails failures per minute a deployment may have before it cools down; null = the 50% rule
 * @param allowedFailsPolicy allowed fails per error kind, overriding {@code allowedFails}
 * @param cooldownTime how long a deployment cools down; null = the provider's Retry-After, else 5 s
 * @param disableCooldowns no deployment ever cools down (LiteLLM's {@code disable_cooldowns}); failures still count
 * @param fallbacks generic fallbacks: model group → groups to try in order
 * @param contextWindowFallbacks fallbacks after a context window error, by model group (its exact name, as in
 *                               LiteLLM: no {@value #ANY_GROUP} entry); null when unset: as in LiteLLM, such an
 *                               error then goes to the generic fallbacks (empty, or no entry for the group: nowhere)
 * @param contentPolicyFallbacks the same after a content policy refusal
 * @param defaultFallbacks groups tried by any group that has no generic fallback of its own
 * @param maxFallbacks how far fallbacks of fallbacks go, counted as LiteLLM's {@code max_fallbacks} (see
 *                     {@code Execution}); default 5
 * @param enablePreCallChecks skip deployments whose {@code max_input_tokens} the prompt exceeds
 * @param enableTagFiltering route jobs by their tags ({@link Filters}); off, tags only sort usage and budgets
 * @param defaultMaxParallelRequests {@code max_parallel_requests} of the deployments that set none and neither
 *                                   {@code rpm} nor {@code tpm} ({@link #maxParallelRequestsOf}), or null
 * @param timeout global request timeout, or null
 * @param streamTimeout global stream idle timeout, or null
 * @param lowestLatencyBuffer latency-based routing picks among deployments within (1 + buffer) × the best latency
 * @param maxLatencyListSize latency samples kept per deployment
 * @param latencyTtl how long a latency sample counts
 * @param modelGroupAlias names a job may give its {@code model} instead of a model group (LiteLLM's
 *                        {@code model_group_alias}): alias → model group
 */
public record RouterSettings(RoutingStrategy routingStrategy, int numRetries, Map<ErrorKind, Integer> retryPolicy,
                             Integer defaultRetries, Map<String, Map<ErrorKind, Integer>> modelGroupRetryPolicy,
                             Map<String, Integer> modelGroupDefaultRetries, Integer allowedFails,
                             Map<ErrorKind, Integer> allowedFailsPolicy, Duration cooldownTime,
                             boolean disableCooldowns, Map<String, List<String>> fallbacks,
                             Map<String, List<String>> contextWindowFallbacks,
                             Map<String, List<String>> contentPolicyFallbacks, List<String> defaultFallbacks,
                             int maxFallbacks, boolean enablePreCallChecks, boolean enableTagFiltering,
                             Integer defaultMaxParallelRequests, Duration timeout,
                             Duration streamTimeout,
                             double lowestLatencyBuffer, int maxLatencyListSize, Duration latencyTtl,
                             Map<String, String> modelGroupAlias) {

    public static final int DEFAULT_NUM_RETRIES = RouterKeys.NUM_RETRIES.defaultValue();
    /** The cooldown when neither {@code cooldown_time} nor a Retry-After says how long. */
    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_FALLBACKS = RouterKeys.MAX_FALLBACKS.defaultValue();
    public static final int DEFAULT_MAX_LATENCY_LIST_SIZE = RouterKeys.MAX_LATENCY_LIST_SIZE.defaultValue();
    public static final Duration DEFAULT_LATENCY_TTL = RouterKeys.LATENCY_TTL.defaultValue();

    /** The key of a fallbacks entry for every model group without one of its own (LiteLLM's generic fallback). */
    public static final String ANY_GROUP = "*";

    public static final RouterSettings DEFAULTS = new RouterSettings(RoutingStrategy.SIMPLE_SHUFFLE,
            DEFAULT_NUM_RETRIES, Map.of(), null, Map.of(), Map.of(), null, Map.of(), null, false, Map.of(), null,
            null, List.of(),
            DEFAULT_MAX_FALLBACKS, false, false, null, null, null, 0.0, DEFAULT_MAX_LATENCY_LIST_SIZE,
            DEFAULT_LATENCY_TTL, Map.of());

    public RouterSettings {
        Objects.requireNonNull(routingStrategy, "routingStrategy");
        RouterKeys.NUM_RETRIES.validate(numRetries, "num_retries");
        retryPolicy = retryPolicy == null ? Map.of() : Map.copyOf(retryPolicy);
        if (modelGroupRetryPolicy == null || modelGroupRetryPolicy.isEmpty()) {
            modelGroupRetryPolicy = Map.of();
        } else {
            Map<String, Map<ErrorKind, Integer>> byGroup = new LinkedHashMap<>();
            modelGroupRetryPolicy.forEach((g, p) -> byGroup.put(g, Map.copyOf(p)));
            modelGroupRetryPolicy = java.util.Collections.unmodifiableMap(byGroup);
        }
        modelGroupDefaultRetries = modelGroupDefaultRetries == null ? Map.of() : Map.copyOf(modelGroupDefaultRetries);
        RouterKeys.ALLOWED_FAILS.validate(allowedFails, "allowed_fails");
        allowedFailsPolicy = allowedFailsPolicy == null ? Map.of() : Map.copyOf(allowedFailsPolicy);
        RouterKeys.COOLDOWN_TIME.validate(cooldownTime, "cooldown_time");
        RouterKeys.DEFAULT_MAX_PARALLEL_REQUESTS.validate(defaultMaxParallelRequests,
                "default_max_parallel_requests");
        fallbacks = copy(fallbacks);
        contextWindowFallbacks = contextWindowFallbacks == null ? null : copy(contextWindowFallbacks);
        contentPolicyFallbacks = contentPolicyFallbacks == null ? null : copy(contentPolicyFallbacks);
        defaultFallbacks = defaultFallbacks == null ? List.of() : List.copyOf(defaultFallbacks);
        RouterKeys.MAX_FALLBACKS.validate(maxFallbacks, "max_fallbacks");
        if (Double.isNaN(lowestLatencyBuffer)) {
            throw new IllegalArgumentException("lowest_latency_buffer must be a number");
        }
        RouterKeys.LOWEST_LATENCY_BUFFER.validate(lowestLatencyBuffer, "lowest_latency_buffer");
        RouterKeys.MAX_LATENCY_LIST_SIZE.validate(maxLatencyListSize, "max_latency_list_size");
        latencyTtl = latencyTtl == null ? DEFAULT_LATENCY_TTL : latencyTtl;
        modelGroupAlias = modelGroupAlias == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(modelGroupAlias));
    }

    /**
     * The retry policy of the attempts in {@code group}: its {@code model_group_retry_policy} entry, which replaces
     * {@code retry_policy} whole as in LiteLLM (a kind it leaves out is not looked up in {@code retry_policy}), else
     * {@code retry_policy}.
     */
    public Map<ErrorKind, Integer> retryPolicyOf(String group) {
        return modelGroupRetryPolicy.getOrDefault(group, retryPolicy);
    }

    /**
     * Retries allowed after an error of this kind in {@code group}: its retry policy's ({@link #retryPolicyOf}),
     * else {@link #unnamedRetries} if retryable, else 0.
     */
    public int retriesFor(String group, ErrorKind kind) {
        Integer n = retryPolicyOf(group).get(kind);
        if (n != null) {
            return n;
        }
        return kind.retryable() ? unnamedRetries(group) : 0;
    }

    /**
     * What {@code num_retries} is in {@code group} for the kinds its retry policy does not name: that policy's
     * {@code DefaultRetries} (a group's own policy replacing {@code retry_policy} whole), else {@code numRetries}.
     */
    public int unnamedRetries(String group) {
        Integer n = modelGroupRetryPolicy.containsKey(group) ? modelGroupDefaultRetries.get(group) : defaultRetries;
        return n != null ? n : numRetries;
    }

    /**
     * The calls in flight a deployment may have at once (per worker process), or null for no cap: its own
     * {@code max_parallel_requests}, else {@code default_max_parallel_requests} when it sets neither {@code rpm} nor
     * {@code tpm}. LiteLLM's order, with one difference: LiteLLM caps a deployment with {@code rpm} (or {@code tpm})
     * at that many calls in flight, where llmq enforces them as rates only.
     */
    public Integer maxParallelRequestsOf(Integer own, Long rpm, Long tpm) {
        if (own != null) {
            return own;
        }
        return rpm == null && tpm == null ? defaultMaxParallelRequests : null;
    }

    /** The model group a job's {@code model} names: the group an alias stands for, else {@code model} itself. */
    public String modelGroupOf(String model) {
        return modelGroupAlias.getOrDefault(model, model);
    }

    /**
     * The groups a job of {@code group} falls back to, in order, after an error that is neither a context window nor
     * a content policy one: its own {@code fallbacks}, else the {@value #ANY_GROUP} entry, else
     * {@code default_fallbacks}.
     */
    public List<String> genericFallbacksOf(String group) {
        List<String> own = fallbacks.get(group);
        if (own != null) {
            return own;
        }
        return fallbacks.getOrDefault(ANY_GROUP, defaultFallbacks);
    }

    /** After a context window error: {@code context_window_fallbacks}, or the generic ones when that is unset. */
    public List<String> contextWindowFallbacksOf(String group) {
        return typed(contextWindowFallbacks, group);
    }

    /** After a content policy refusal: {@code content_policy_fallbacks}, or the generic ones when that is unset. */
    public List<String> contentPolicyFallbacksOf(String group) {
        return typed(contentPolicyFallbacks, group);
    }

    private List<String> typed(Map<String, List<String>> chains, String group) {
        if (chains == null) {
            return genericFallbacksOf(group);
        }
        return chains.getOrDefault(group, List.of());
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
