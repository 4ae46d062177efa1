package dev.llmq.config;

import static dev.llmq.config.Validators.any;
import static dev.llmq.config.Validators.atLeast;
import static dev.llmq.config.Validators.nonNegative;

import java.time.Duration;
import java.util.List;

/**
 * The keys of {@code router_settings}, as LiteLLM's proxy names them. Where LiteLLM also accepts a key in
 * {@code litellm_settings} (num_retries, allowed_fails, cooldown_time, request_timeout as timeout, retry_policy,
 * allowed_fails_policy, the fallbacks, max_fallbacks), llmq does too; {@code router_settings} wins, except that an
 * empty list or 0 there is unset for the keys LiteLLM reads as {@code router value or module value} (the fallbacks,
 * default_fallbacks, timeout, cooldown_time).
 */
public final class RouterKeys {

    private RouterKeys() {
    }

    public static final ConfigKey<String> ROUTING_STRATEGY = new ConfigKey<>("router_settings.routing_strategy",
            ConfigType.STRING, "simple-shuffle", Validators.oneOf("simple-shuffle", "least-busy",
            "latency-based-routing", "usage-based-routing", "usage-based-routing-v2", "cost-based-routing"),
            "How a deployment is picked within a model group.", "least-busy");

    public static final ConfigKey<Integer> NUM_RETRIES = new ConfigKey<>("router_settings.num_retries",
            ConfigType.INT, 2, atLeast(0), "Retries after the first attempt within a model group, for retryable "
            + "errors.", "3");

    public static final ConfigKey<Object> RETRY_POLICY = new ConfigKey<>("router_settings.retry_policy",
            ConfigType.STRUCTURE, null, any(), "Retries per error kind, by LiteLLM's names "
            + "(`RateLimitErrorRetries`, `NotFoundErrorRetries`, `ServiceUnavailableErrorRetries`, ...) or llmq's "
            + "error kinds (`rate_limited`); overrides `num_retries`. `InternalServerErrorRetries` covers 500s, 502s "
            + "and cut streams, not overloads (503, 529): as in LiteLLM, where a 503 is a ServiceUnavailableError and "
            + "no InternalServerError, those take `ServiceUnavailableErrorRetries` (or `overloaded`), else the "
            + "default. `DefaultRetries` takes the place "
            + "of `num_retries` for the kinds the policy does not name.",
            "{RateLimitErrorRetries: 5, BadRequestErrorRetries: 0}");

    public static final ConfigKey<Object> MODEL_GROUP_RETRY_POLICY = new ConfigKey<>(
            "router_settings.model_group_retry_policy", ConfigType.STRUCTURE, null, any(), "A `retry_policy` per "
            + "model group, as LiteLLM's setting of the name: a group's own replaces `retry_policy` whole for every "
            + "attempt in that group, a job's own group or one it fell back to (a kind it leaves out gets its "
            + "`DefaultRetries`, else `num_retries`, not `retry_policy`'s count, as in LiteLLM). Each key must be a "
            + "model group of "
            + "`model_list`. As `retry_policy`'s, its counts come out of the job's one attempt budget "
            + "(`1 + num_retries + fallback groups`), where LiteLLM gives each group its own.",
            "{gpt-4o-mini: {RateLimitErrorRetries: 3, TimeoutErrorRetries: 0}}");

    public static final ConfigKey<Integer> ALLOWED_FAILS = new ConfigKey<>("router_settings.allowed_fails",
            ConfigType.INT, null, atLeast(0), "Failures per minute a deployment may have before it cools down; "
            + "unset: it cools down when more than half of at least `llmq.health.cooldown_min_requests` (5) calls in "
            + "the minute failed, LiteLLM's rule. Rate limits (429, when the group has another deployment), 401 and "
            + "404 cool it at once whatever this says, where LiteLLM counts them against this too.", "3");

    public static final ConfigKey<Object> ALLOWED_FAILS_POLICY = new ConfigKey<>(
            "router_settings.allowed_fails_policy", ConfigType.STRUCTURE, null, any(),
            "Allowed fails per error kind (`TimeoutErrorAllowedFails`, `InternalServerErrorAllowedFails`, "
            + "`ServiceUnavailableErrorAllowedFails` ... or llmq's error kinds, the names covering what they cover in "
            + "`retry_policy`); overrides `allowed_fails`. `BadGatewayErrorAllowedFails` is refused: llmq counts a "
            + "502 as the 500 it does not tell it from. As with `allowed_fails`, rate limits, 401 and 404 cool "
            + "a deployment at once: `RateLimitErrorAllowedFails` and `NotFoundErrorAllowedFails` have no effect and "
            + "are reported as such, and "
            + "`AuthenticationErrorAllowedFails` counts 403s only.", "{TimeoutErrorAllowedFails: 10}");

    public static final ConfigKey<Duration> COOLDOWN_TIME = new ConfigKey<>("router_settings.cooldown_time",
            ConfigType.SECONDS, null, nonNegative(), "How long a failing deployment cools down, in seconds; unset (or "
            + "0, as in LiteLLM): the provider's Retry-After, else 5 s. A 429 or 503 whose Retry-After is over 60 s "
            + "(longer than a job waits to call the same deployment again) cools it for that Retry-After (at most an "
            + "hour) whatever this says, even a group's only deployment: its jobs then wait for it "
            + "(`llmq.worker.max_queue_wait`) or go to fallbacks, instead of calling it again within seconds.", "30");

    public static final ConfigKey<Boolean> DISABLE_COOLDOWNS = new ConfigKey<>("router_settings.disable_cooldowns",
            ConfigType.BOOLEAN, false, any(), "No deployment ever cools down, as LiteLLM's setting of the name: "
            + "failures are still counted and still open the circuit breaker (`llmq.health.breaker_*`, llmq's own "
            + "guard, which LiteLLM has not), retries and fallbacks go on as before, but neither `allowed_fails`, the "
            + "failure rate, a 429, 401 or 404 nor a Retry-After takes a deployment out of rotation: a Retry-After "
            + "over 60 s is then not waited for, the job retrying after its backoff (at most 8 s) instead. A reload "
            + "that turns it on ends the cooldowns in force, and a cooldown another worker announces (one still on "
            + "the former config) does not apply here.", "true");

    public static final ConfigKey<Object> FALLBACKS = new ConfigKey<>("router_settings.fallbacks",
            ConfigType.STRUCTURE, null, any(), "Model groups to try, in order, when a group fails; a `'*'` entry "
            + "stands for every group without one of its own (as `default_fallbacks`). A fallback group that fails "
            + "goes on to its own fallbacks (after a context window or content policy error, its own list of that "
            + "kind) before the next group of the list, as in LiteLLM (as far as "
            + "`max_fallbacks` says, each group once). A fallback names a model group, never a deployment's "
            + "`model_info.id` (which LiteLLM also accepts).",
            "[{gpt-4o: [claude-sonnet]}]");

    public static final ConfigKey<Integer> MAX_FALLBACKS = new ConfigKey<>("router_settings.max_fallbacks",
            ConfigType.INT, 5, atLeast(1), "How far fallbacks of fallbacks go, counted as LiteLLM counts them: each "
            + "fallback group a job goes to counts its place in the list it comes from (1 for the first) more than "
            + "the group whose list that is (the job's own group counts 0), and a group whose count has reached "
            + "this goes on to no fallbacks of its own; the groups of a list are all tried whatever their count. "
            + "Also read from `litellm_settings`. LiteLLM takes 0 for no fallbacks at all; llmq refuses it: set no "
            + "fallbacks instead.", "3");

    public static final ConfigKey<Object> CONTEXT_WINDOW_FALLBACKS = new ConfigKey<>(
            "router_settings.context_window_fallbacks", ConfigType.STRUCTURE, null, any(),
            "Fallbacks when the prompt exceeds a group's context window. Unset, such a failure goes to "
            + "`fallbacks` (then `default_fallbacks`), as in LiteLLM; set, only these apply (`[]`: none), a group "
            + "found by its own name only: a `'*'` entry has no effect here, as in LiteLLM (noted). As in "
            + "LiteLLM, `[]` here is unset: `litellm_settings.context_window_fallbacks` then applies if set.",
            "[{gpt-4o-mini: [gpt-4o]}]");

    public static final ConfigKey<Object> CONTENT_POLICY_FALLBACKS = new ConfigKey<>(
            "router_settings.content_policy_fallbacks", ConfigType.STRUCTURE, null, any(),
            "Fallbacks when a provider refuses on content policy. Unset, such a failure goes to `fallbacks` "
            + "(then `default_fallbacks`), as in LiteLLM; set, only these apply (`[]`: none), a group found by its "
            + "own name only (a `'*'` entry has no effect, as in LiteLLM). As in LiteLLM, `[]` "
            + "here is unset: `litellm_settings.content_policy_fallbacks` then applies if set.",
            "[{gpt-4o: [claude-sonnet]}]");

    public static final ConfigKey<Object> DEFAULT_FALLBACKS = new ConfigKey<>("router_settings.default_fallbacks",
            ConfigType.STRUCTURE, null, any(), "Groups tried by any group that has no fallbacks of its own.",
            "[gpt-4o-mini]");

    public static final ConfigKey<Object> MODEL_GROUP_ALIAS = new ConfigKey<>("router_settings.model_group_alias",
            ConfigType.STRUCTURE, null, any(), "Other names a job's `model` may give for a model group, as LiteLLM's "
            + "setting of the name: `{alias: group}` (or `{alias: {model: group}}`). A job that names an alias runs "
            + "in the group, with the group's fallbacks, and keeps the alias as its `model` (the usage by model, "
            + "its result); `GET /v1/models` lists the aliases too. An alias must not be a group's name, and names a "
            + "group, not another alias; LiteLLM's `hidden: true` is refused.",
            "{gpt-4: gpt-4o, claude: claude-sonnet}");

    public static final ConfigKey<Boolean> ENABLE_PRE_CALL_CHECKS = new ConfigKey<>(
            "router_settings.enable_pre_call_checks", ConfigType.BOOLEAN, false, any(),
            "Skip deployments whose context window the prompt (estimated at 4 characters a token) exceeds: "
            + "`model_info.max_input_tokens`, else, as in LiteLLM, the price table's `max_input_tokens` for the "
            + "model or its `base_model`; a deployment with neither is not checked.", "true");

    public static final ConfigKey<Boolean> ENABLE_TAG_FILTERING = new ConfigKey<>(
            "router_settings.enable_tag_filtering", ConfigType.BOOLEAN, false, any(),
            "Route by tags, as LiteLLM's setting of the name: a job with tags goes to the deployments sharing one of "
            + "them, else to those tagged `default` (none: it fails with `no_healthy_deployment`); a job without "
            + "tags to the `default`-tagged ones when the group has any. Off, tags only sort usage and budgets.",
            "true");

    public static final ConfigKey<Boolean> TAG_FILTERING_MATCH_ANY = new ConfigKey<>(
            "router_settings.tag_filtering_match_any", ConfigType.BOOLEAN, true, Validators.onlyTrue(
            "llmq routes a job to the deployments sharing any one of its tags, LiteLLM's default; false (a "
            + "deployment must carry every tag of the job) is not supported"),
            "How `enable_tag_filtering` matches, as LiteLLM's setting of the name: a deployment sharing any one of "
            + "the job's tags.", "true");

    public static final ConfigKey<Integer> DEFAULT_MAX_PARALLEL_REQUESTS = new ConfigKey<>(
            "router_settings.default_max_parallel_requests", ConfigType.INT, null, atLeast(1),
            "`max_parallel_requests` (calls in flight at once, per worker process) of every deployment that sets "
            + "none and neither `rpm` nor `tpm`, as LiteLLM's setting of the name. LiteLLM also caps a deployment "
            + "that sets `rpm` or `tpm` without `max_parallel_requests` at that many calls in flight (its `rpm`, else "
            + "`tpm` / 1000 x 6); llmq enforces `rpm` and `tpm` as the rates they are and caps calls in flight only "
            + "where `max_parallel_requests` (or this) says.", "10");

    public static final ConfigKey<Duration> TIMEOUT = new ConfigKey<>("router_settings.timeout", ConfigType.SECONDS,
            null, nonNegative(), "Request timeout of every deployment that sets none (`litellm_settings."
            + "request_timeout` in LiteLLM's other spelling); unset (or 0, as in LiteLLM): 600 s, OpenAI's client "
            + "default, where "
            + "LiteLLM's default `request_timeout` is 6000 s.", "60");

    public static final ConfigKey<Duration> STREAM_TIMEOUT = new ConfigKey<>("router_settings.stream_timeout",
            ConfigType.SECONDS, null, nonNegative(), "Stream idle timeout of every deployment that sets none; "
            + "unset: 120 s.", "20");

    public static final ConfigKey<Double> LOWEST_LATENCY_BUFFER = new ConfigKey<>(
            "router_settings.routing_strategy_args.lowest_latency_buffer", ConfigType.DOUBLE, 0.0, atLeast(0),
            "Latency-based routing picks at random among deployments within (1 + buffer) x the best latency.",
            "0.5");

    public static final ConfigKey<Integer> MAX_LATENCY_LIST_SIZE = new ConfigKey<>(
            "router_settings.routing_strategy_args.max_latency_list_size", ConfigType.INT, 10, atLeast(1),
            "Latency samples kept per deployment.", "20");

    public static final ConfigKey<Duration> LATENCY_TTL = new ConfigKey<>("router_settings.routing_strategy_args.ttl",
            ConfigType.SECONDS, Duration.ofHours(1), nonNegative(), "How long a latency sample counts, in seconds.",
            "600");

    public static final ConfigKey<Boolean> DROP_PARAMS = new ConfigKey<>("litellm_settings.drop_params",
            ConfigType.BOOLEAN, false, any(), "Drop request parameters a provider does not support (each drop is "
            + "recorded on the result) instead of failing the job.", "true");

    public static final ConfigDef DEF = new ConfigDef("router_settings",
            "Routing within and across model groups, compatible with LiteLLM's proxy config.",
            List.of(ROUTING_STRATEGY, NUM_RETRIES, RETRY_POLICY, MODEL_GROUP_RETRY_POLICY, ALLOWED_FAILS,
                    ALLOWED_FAILS_POLICY, COOLDOWN_TIME, DISABLE_COOLDOWNS, FALLBACKS, MAX_FALLBACKS,
                    CONTEXT_WINDOW_FALLBACKS, CONTENT_POLICY_FALLBACKS, DEFAULT_FALLBACKS, MODEL_GROUP_ALIAS,
                    ENABLE_PRE_CALL_CHECKS, ENABLE_TAG_FILTERING, TAG_FILTERING_MATCH_ANY,
                    DEFAULT_MAX_PARALLEL_REQUESTS, TIMEOUT, STREAM_TIMEOUT, LOWEST_LATENCY_BUFFER,
                    MAX_LATENCY_LIST_SIZE, LATENCY_TTL, DROP_PARAMS));
}
