package dev.llmq.router.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.config.RouterKeys;
import dev.llmq.provider.ErrorKind;
import dev.llmq.router.ConfigException;
import dev.llmq.router.RouterSettings;
import dev.llmq.router.RoutingStrategy;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code router_settings}, falling back to {@code litellm_settings} for the keys LiteLLM accepts in both. As in
 * LiteLLM's proxy (which sets {@code litellm_settings} on the module and gives its Router {@code router_settings},
 * each Router setting falling back to the module's), a key set in both is taken from {@code router_settings}; the
 * other copy is noted as overridden rather than reported as unsupported, since llmq does read it when it stands alone.
 */
final class RouterSettingsParser {

    /**
     * LiteLLM's retry_policy / allowed_fails_policy exception names → llmq error kinds. A 503 (llmq's overloaded) is
     * LiteLLM's ServiceUnavailableError, which is not a subclass of its InternalServerError: InternalServerError names
     * no overloaded, so a 503 gets the default count when only InternalServerError is set. LiteLLM counts Anthropic's
     * 529 as an InternalServerError; llmq does not tell it from a 503 (both overloaded), so it goes with the 503.
     * Should two names share a kind, the narrower name (fewer kinds) wins for it.
     */
    private static final Map<String, List<ErrorKind>> LITELLM_ERRORS = Map.of(
            "BadRequestError", List.of(ErrorKind.INVALID_REQUEST, ErrorKind.UNSUPPORTED_PARAMETER),
            "AuthenticationError", List.of(ErrorKind.AUTHENTICATION, ErrorKind.PERMISSION_DENIED),
            "NotFoundError", List.of(ErrorKind.NOT_FOUND),
            "TimeoutError", List.of(ErrorKind.TIMEOUT),
            "RateLimitError", List.of(ErrorKind.RATE_LIMITED, ErrorKind.QUOTA_EXHAUSTED),
            "ContentPolicyViolationError", List.of(ErrorKind.CONTENT_POLICY),
            "InternalServerError", List.of(ErrorKind.SERVER_ERROR, ErrorKind.STREAM_TRUNCATED),
            "ServiceUnavailableError", List.of(ErrorKind.OVERLOADED));
    /** LiteLLM's RetryPolicy entry for every error without one of its own: stands in for num_retries. */
    static final String DEFAULT_RETRIES = "DefaultRetries";

    /**
     * The keys LiteLLM's Router reads as {@code router_settings value or litellm_settings value} (Python's
     * {@code or}): an empty list or 0 in {@code router_settings} counts as unset, and the {@code litellm_settings}
     * copy applies. The others (num_retries, allowed_fails, max_fallbacks) it reads with {@code is not None}: 0 is set.
     */
    private static final Set<String> FALSY_IS_UNSET = Set.of("fallbacks", "default_fallbacks",
            "context_window_fallbacks", "content_policy_fallbacks", "timeout", "cooldown_time");
    private static final Set<String> TYPED_FALLBACKS = Set.of("context_window_fallbacks", "content_policy_fallbacks");

    private final Fields router;
    private final Fields litellm;
    private final List<String> notes;

    /** @param notes where a {@code litellm_settings} key that {@code router_settings} overrides is noted */
    RouterSettingsParser(Fields router, Fields litellm, List<String> notes) {
        this.router = router;
        this.litellm = litellm;
        this.notes = notes;
    }

    /**
     * The section a key read from either is taken from, for naming it in an error found later (a fallback to a
     * model group that does not exist): {@code router_settings} unless only {@code litellm_settings} sets it.
     */
    String sectionOf(String key) {
        return source(key, key).path();
    }

    /**
     * Whether {@code router_settings} sets {@code key} as LiteLLM's Router reads it: for the keys it reads as
     * {@code router value or module value} ({@link #FALSY_IS_UNSET}), an empty list or 0 is not a value.
     */
    private boolean routerSets(String key) {
        if (!router.has(key)) {
            return false;
        }
        if (!FALSY_IS_UNSET.contains(key)) {
            return true;
        }
        JsonNode v = router.raw(key);
        return !(v.isContainerNode() && v.isEmpty() || v.isNumber() && v.asDouble() == 0);
    }

    /**
     * The section to read {@code key} from ({@link #sectionOf}); when both set it, the {@code litellm_settings} copy
     * is marked read and noted as overridden, so that it is not reported as a key llmq does not support.
     */
    private Fields from(String key) {
        return from(key, key);
    }

    /** As {@link #from(String)}, for a key {@code litellm_settings} spells {@code litellmKey}. */
    private Fields from(String key, String litellmKey) {
        boolean routerSets = routerSets(key);
        if (router.has(key) && !routerSets && (litellm.has(litellmKey) || TYPED_FALLBACKS.contains(key))) {
            notes.add(router.path() + "." + key + ": " + router.raw(key) + " is taken as unset, as LiteLLM does "
                    + "(router_settings." + key + " or litellm_settings." + litellmKey + "), so "
                    + (litellm.has(litellmKey) ? litellm.path() + "." + litellmKey + " applies"
                    : "such errors go to the generic fallbacks"));
        }
        if (routerSets && litellm.has(litellmKey)) {
            litellm.raw(litellmKey);
            notes.add(litellm.path() + "." + litellmKey + ": no effect, overridden by " + router.path() + "." + key
                    + " (as in LiteLLM, router_settings wins over litellm_settings)");
        }
        return source(key, litellmKey);
    }

    /** The section {@link #from(String, String)} reads {@code key} from, without noting anything. */
    private Fields source(String key, String litellmKey) {
        return routerSets(key) || !litellm.has(litellmKey) ? router : litellm;
    }

    /** A duration read through {@link #from(String, String)}: null when neither section sets it (0 is unset). */
    private Duration seconds(String key, String litellmKey) {
        Fields src = from(key, litellmKey);
        if (src == router) {
            return routerSets(key) ? router.seconds(key) : null;
        }
        return litellm.seconds(litellmKey);
    }

    RouterSettings parse() {
        Fields args = router.child("routing_strategy_args");
        String strategyName = router.text("routing_strategy");
        RoutingStrategy strategy;
        try {
            strategy = RoutingStrategy.fromConfig(strategyName == null ? RouterKeys.ROUTING_STRATEGY.defaultValue()
                    : strategyName);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("router_settings: " + e.getMessage());
        }
        Integer numRetries = from("num_retries").intValue("num_retries");
        Integer allowedFails = from("allowed_fails").intValue("allowed_fails");
        Duration cooldown = seconds("cooldown_time", "cooldown_time");
        boolean disableCooldowns = router.get(RouterKeys.DISABLE_COOLDOWNS);
        Duration timeout = seconds("timeout", "request_timeout");
        Duration streamTimeout = router.seconds("stream_timeout");
        Boolean preCall = router.bool("enable_pre_call_checks");
        Boolean tagFiltering = router.bool("enable_tag_filtering");
        Integer defaultMaxParallel = router.intValue("default_max_parallel_requests");
        router.get(RouterKeys.TAG_FILTERING_MATCH_ANY); // only true (any tag matches), which is what Filters does
        Double buffer = args.number("lowest_latency_buffer");
        Integer listSize = args.intValue("max_latency_list_size");
        Duration ttl = args.seconds("ttl");
        args.reportUnusedTo(router);
        Map<String, List<String>> generic = fallbacks("fallbacks");
        List<String> defaults = defaultFallbacks();
        int maxFallbacks = maxFallbacks();
        if (generic.containsKey(RouterSettings.ANY_GROUP) && !defaults.isEmpty()) {
            throw new ConfigException("fallbacks has an entry for '*' (every model group without one of its own) "
                    + "and default_fallbacks is set too, which LiteLLM would use instead of it: keep one");
        }
        try {
            return new RouterSettings(strategy, numRetries == null ? RouterSettings.DEFAULT_NUM_RETRIES : numRetries,
                    policy("retry_policy", "Retries"), defaultRetries(), groupRetryPolicies(),
                    groupDefaultRetries(), allowedFails,
                    policy("allowed_fails_policy", "AllowedFails"),
                    cooldown, disableCooldowns, generic, typedFallbacks("context_window_fallbacks"),
                    typedFallbacks("content_policy_fallbacks"), defaults, maxFallbacks, Boolean.TRUE.equals(preCall),
                    Boolean.TRUE.equals(tagFiltering), defaultMaxParallel, timeout, streamTimeout,
                    buffer == null ? RouterKeys.LOWEST_LATENCY_BUFFER.defaultValue() : buffer,
                    listSize == null ? RouterSettings.DEFAULT_MAX_LATENCY_LIST_SIZE : listSize, ttl, aliases());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("router_settings: " + e.getMessage());
        }
    }

    /**
     * {@code model_group_alias}: {@code alias: group}, or LiteLLM's {@code alias: {model: group, hidden: bool}}
     * ({@code hidden: true}, an alias left out of the model list, is refused: llmq lists every name a job may give).
     * The groups are checked against {@code model_list} by {@link ConfigParser}.
     */
    private Map<String, String> aliases() {
        JsonNode given = router.raw("model_group_alias");
        if (given != null && !given.isObject()) {
            throw router.error("model_group_alias", "expected a map of {alias: model group}");
        }
        Fields f = router.child("model_group_alias");
        Map<String, String> out = new LinkedHashMap<>();
        for (String alias : f.keys()) {
            JsonNode v = f.raw(alias);
            JsonNode group = v != null && v.isObject() ? v.get("model") : v;
            if (group == null || !group.isTextual() || group.asText().isBlank()) {
                throw f.error(alias, "expected the name of a model group, or {model: <model group>}");
            }
            if (v.isObject()) {
                JsonNode hidden = v.get("hidden");
                if (hidden != null && !(hidden.isBoolean() && !hidden.asBoolean())) {
                    throw f.error(alias, "hidden: " + hidden + " is not supported: llmq lists every alias in GET "
                            + "/v1/models as a model jobs may name");
                }
                v.fieldNames().forEachRemaining(k -> {
                    if (!k.equals("model") && !k.equals("hidden")) {
                        throw f.error(alias, "unknown key '" + k + "' (an alias takes model and hidden)");
                    }
                });
            }
            out.put(alias, group.asText());
        }
        return out;
    }

    private Map<ErrorKind, Integer> policy(String key, String suffix) {
        return policy(from(key).child(key), suffix);
    }

    /** {@code retry_policy}'s {@value #DEFAULT_RETRIES}, or null. */
    private Integer defaultRetries() {
        return defaultRetries(source("retry_policy", "retry_policy").child("retry_policy"));
    }

    private static Integer defaultRetries(Fields f) {
        Integer n = f.intValue(DEFAULT_RETRIES);
        if (n != null && n < 0) {
            throw f.error(DEFAULT_RETRIES, "expected a count >= 0");
        }
        return n;
    }

    /** {@value #DEFAULT_RETRIES} of each {@code model_group_retry_policy} entry that sets it. */
    private Map<String, Integer> groupDefaultRetries() {
        Fields f = router.child("model_group_retry_policy");
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String group : f.keys()) {
            Integer n = defaultRetries(f.child(group));
            if (n != null) {
                out.put(group, n);
            }
        }
        return out;
    }

    /**
     * {@code model_group_retry_policy}: {@code {group: retry_policy}}, each policy read as {@code retry_policy} is. The
     * groups are checked against {@code model_list} by {@link ConfigParser}.
     */
    private Map<String, Map<ErrorKind, Integer>> groupRetryPolicies() {
        String key = "model_group_retry_policy";
        JsonNode given = router.raw(key);
        if (given != null && !given.isObject()) {
            throw router.error(key, "expected a map of {model group: retry policy}");
        }
        Fields f = router.child(key);
        Map<String, Map<ErrorKind, Integer>> out = new LinkedHashMap<>();
        for (String group : f.keys()) {
            JsonNode p = f.raw(group);
            if (p != null && !p.isObject()) {
                throw f.error(group, "expected a retry policy such as {RateLimitErrorRetries: 3}");
            }
            out.put(group, policy(f.child(group), "Retries"));
        }
        return out;
    }

    private Map<ErrorKind, Integer> policy(Fields f, String suffix) {
        Map<ErrorKind, Integer> out = new EnumMap<>(ErrorKind.class);
        Map<ErrorKind, String> setBy = new EnumMap<>(ErrorKind.class);
        for (String name : f.keys()) {
            if (suffix.equals("Retries") && name.equals(DEFAULT_RETRIES)) {
                continue; // read by defaultRetries()
            }
            Integer n = f.intValue(name);
            if (n == null || n < 0) {
                throw f.error(name, "expected a count >= 0");
            }
            if (name.equals("BadGatewayErrorAllowedFails")) { // LiteLLM's RetryPolicy has no BadGatewayErrorRetries
                throw f.error(name, "not supported: llmq does not tell a 502 from a 500 (both are server_error), "
                        + "so it cannot count 502s alone; InternalServerErrorAllowedFails (or server_error) "
                        + "sets the count of both");
            }
            List<ErrorKind> kinds = kindsOf(name, suffix);
            if (kinds == null) {
                throw f.error(name, "unknown error kind (use LiteLLM's names such as RateLimitError" + suffix
                        + ", or llmq's error kinds such as rate_limited)");
            }
            for (ErrorKind k : kinds) {
                String other = setBy.get(k);
                int width = other == null ? Integer.MAX_VALUE : kindsOf(other, suffix).size();
                if (other != null && width == kinds.size() && !out.get(k).equals(n)) {
                    throw f.error(name, "sets " + k.wire() + " to " + n + " where " + other + " sets it to "
                            + out.get(k) + ": keep one");
                }
                if (kinds.size() < width) { // the narrower name wins, whatever the order
                    out.put(k, n);
                    setBy.put(k, name);
                }
            }
            if (suffix.equals("AllowedFails") && CooldownRule.COOL_AT_ONCE.containsAll(kinds)) {
                // LiteLLM counts these too; llmq cools at once on them, so the allowance would change nothing
                f.reportUnusedTo(router, name);
            }
        }
        return out;
    }

    private static List<ErrorKind> kindsOf(String name, String suffix) {
        if (name.endsWith(suffix)) {
            List<ErrorKind> kinds = LITELLM_ERRORS.get(name.substring(0, name.length() - suffix.length()));
            if (kinds != null) {
                return kinds;
            }
        }
        try {
            return List.of(ErrorKind.valueOf(name.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * {@code context_window_fallbacks} or {@code content_policy_fallbacks}: null when neither section sets it, so
     * that such errors go to the generic fallbacks, as in LiteLLM (set, even to {@code []} in {@code litellm_settings},
     * only it is used; {@code []} in {@code router_settings} is unset, {@link #FALSY_IS_UNSET}). LiteLLM matches a
     * group's exact name in these lists, so a {@code '*'} entry is dropped, with a note.
     */
    private Map<String, List<String>> typedFallbacks(String key) {
        Fields src = from(key);
        if (!(src == litellm || routerSets(key))) {
            return null;
        }
        Map<String, List<String>> out = fallbacks(src, key);
        if (out.remove(RouterSettings.ANY_GROUP) != null) {
            notes.add(src.path() + "." + key + ": the '" + RouterSettings.ANY_GROUP + "' entry has no effect: as "
                    + "LiteLLM, llmq looks a group up in this list by its own name only ('" + RouterSettings.ANY_GROUP
                    + "' stands for every group in fallbacks alone), so give each group its entry");
        }
        return out;
    }

    /**
     * LiteLLM writes fallbacks as a list of one-key maps; a plain map is accepted too. A key of {@code *} stands for
     * every model group without an entry of its own (LiteLLM's generic fallback).
     */
    private Map<String, List<String>> fallbacks(String key) {
        return fallbacks(from(key), key);
    }

    private static Map<String, List<String>> fallbacks(Fields src, String key) {
        JsonNode n = src.raw(key);
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (n == null) {
            return out;
        }
        String shape = "expected a list of {model_group: [fallback groups]} maps";
        if (n.isObject()) {
            addFallbacks(src, key, n, out);
        } else if (n.isArray()) {
            for (JsonNode item : n) {
                if (item.isTextual() && TYPED_FALLBACKS.contains(key)) {
                    throw src.error(key, shape + ", got the group '" + item.asText() + "' alone; this list takes "
                            + "an entry per model group, by its name: [{<model group>: [" + item.asText() + "]}]");
                }
                if (item.isTextual()) {
                    throw src.error(key, shape + ", got the group '" + item.asText() + "' alone; fallbacks for "
                            + "every model group are default_fallbacks: [" + item.asText() + ", ...] (or "
                            + key + ": [{'*': [" + item.asText() + ", ...]}])");
                }
                if (!item.isObject()) {
                    throw src.error(key, shape);
                }
                addFallbacks(src, key, item, out);
            }
        } else {
            throw src.error(key, shape);
        }
        return out;
    }

    private static void addFallbacks(Fields src, String key, JsonNode map, Map<String, List<String>> out) {
        Iterator<Map.Entry<String, JsonNode>> it = map.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            List<String> groups = new java.util.ArrayList<>(out.getOrDefault(e.getKey(), List.of()));
            if (v.isArray()) {
                v.forEach(g -> groups.add(g.asText()));
            } else if (v.isTextual()) {
                groups.add(v.asText());
            } else {
                throw src.error(key, "fallbacks of '" + e.getKey() + "' must be a list of model groups");
            }
            out.put(e.getKey(), groups);
        }
    }

    private List<String> defaultFallbacks() {
        return from("default_fallbacks").strings("default_fallbacks");
    }

    /**
     * {@code max_fallbacks}, from {@code router_settings}, else from {@code litellm_settings} (LiteLLM's router takes
     * {@code litellm.max_fallbacks} when it is given none); the default when neither sets it. LiteLLM's 0 (no fallbacks
     * at all) is refused, naming the section it came from, rather than read as a depth.
     */
    private int maxFallbacks() {
        Fields src = from("max_fallbacks");
        Integer n = src.intValue("max_fallbacks");
        if (n == null) {
            return RouterSettings.DEFAULT_MAX_FALLBACKS;
        }
        if (n < 1) {
            throw src.error("max_fallbacks", "must be >= 1, got " + n + " (for no fallbacks, set none)");
        }
        return n;
    }
}
