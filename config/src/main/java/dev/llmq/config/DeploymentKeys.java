package dev.llmq.config;

import static dev.llmq.config.Validators.any;
import static dev.llmq.config.Validators.atLeast;
import static dev.llmq.config.Validators.nonBlank;
import static dev.llmq.config.Validators.nonNegative;

import java.util.List;

/**
 * The keys of one {@code model_list} entry (a deployment), as LiteLLM's proxy names them. Any value may be
 * {@code os.environ/NAME}, resolved from the environment of the roles that read it (workers; the ingest API reads
 * only {@code model_name}).
 */
public final class DeploymentKeys {

    private DeploymentKeys() {
    }

    public static final ConfigKey<String> MODEL_NAME = new ConfigKey<>("model_name", ConfigType.STRING, null,
            nonBlank(), "The model group: what jobs ask for in `model`. Entries sharing it are one group.",
            "gpt-4o");

    public static final ConfigKey<String> MODEL = new ConfigKey<>("litellm_params.model", ConfigType.STRING, null,
            nonBlank(), "`provider/model` (`openai/gpt-4o-mini`, `azure/<deployment>`, `anthropic/...`, "
            + "`gemini/...`, or an OpenAI-compatible provider); a bare `gpt-*`, `o1/o3/o4*` or `claude-*` name "
            + "implies its provider.", "openai/gpt-4o-mini");

    public static final ConfigKey<String> API_BASE = new ConfigKey<>("litellm_params.api_base", ConfigType.STRING,
            null, nonBlank(), "The provider's base URL (`base_url` is accepted too).",
            "https://my-endpoint.openai.azure.com/");

    public static final ConfigKey<String> API_KEY = new ConfigKey<>("litellm_params.api_key", ConfigType.STRING,
            null, any(), "The provider key; write `os.environ/NAME`, never the key itself.",
            "os.environ/OPENAI_API_KEY");

    public static final ConfigKey<String> API_VERSION = new ConfigKey<>("litellm_params.api_version",
            ConfigType.STRING, null, nonBlank(), "Azure OpenAI's `api-version`.", "2024-10-21");

    public static final ConfigKey<java.time.Duration> TIMEOUT = new ConfigKey<>("litellm_params.timeout",
            ConfigType.SECONDS, null, nonNegative(), "Longest a call may take, in seconds, from its start to the "
            + "end of its answer: a stream's whole length counts (a stream still going at this time is cut and, as a "
            + "timeout, tried again), so give streaming groups with long answers a timeout above their longest "
            + "answer; `stream_timeout` bounds the silences within a stream.", "30");

    public static final ConfigKey<java.time.Duration> STREAM_TIMEOUT = new ConfigKey<>(
            "litellm_params.stream_timeout", ConfigType.SECONDS, null, nonNegative(),
            "Longest silence within a stream, in seconds.", "10");

    public static final ConfigKey<Boolean> DROP_PARAMS = new ConfigKey<>("litellm_params.drop_params",
            ConfigType.BOOLEAN, null, any(), "As `litellm_settings.drop_params`, for this deployment.", "true");

    public static final ConfigKey<String> ORGANIZATION = new ConfigKey<>("litellm_params.organization",
            ConfigType.STRING, null, any(), "The OpenAI organization calls are made for (the `OpenAI-Organization` "
            + "header, unless `headers` sets one), on OpenAI and the servers that speak its API.", "org-abc123");

    public static final ConfigKey<Object> ADDITIONAL_DROP_PARAMS = new ConfigKey<>(
            "litellm_params.additional_drop_params", ConfigType.STRUCTURE, null, any(),
            "Request fields taken out before every call to this deployment, whatever the provider supports (e.g. "
            + "`logit_bias` for a server that fails on it); a path reaches inside (`tools[*].input_examples`, "
            + "`response_format.json_schema.strict`). Each one taken out is listed in the result's `adjustments` as "
            + "`dropped:<path>`.", "[logit_bias, 'tools[*].input_examples']");

    public static final ConfigKey<Object> ALLOWED_OPENAI_PARAMS = new ConfigKey<>(
            "litellm_params.allowed_openai_params", ConfigType.STRUCTURE, null, any(),
            "Top-level request parameters sent to this deployment as the caller wrote them where llmq would refuse "
            + "them as unsupported (or drop them under `drop_params`): for a provider that takes a parameter llmq "
            + "does not know it takes.", "[seed]");

    public static final ConfigKey<Object> HEADERS = new ConfigKey<>("litellm_params.headers", ConfigType.STRUCTURE,
            null, any(), "Extra HTTP headers on every call (`extra_headers` is accepted too).",
            "{X-Team: search}");

    public static final ConfigKey<Double> WEIGHT = new ConfigKey<>("litellm_params.weight", ConfigType.DOUBLE, null,
            atLeast(0), "Share of the group's traffic under simple-shuffle; when any deployment of the group sets "
            + "one, one without counts as 1 (LiteLLM's shuffle counts it as 0, and weighs at all only when the first "
            + "deployment has a weight).", "2");

    public static final ConfigKey<Long> RPM = new ConfigKey<>("litellm_params.rpm", ConfigType.LONG, null,
            atLeast(1), "Requests per minute, enforced across all workers.", "600");

    public static final ConfigKey<Long> TPM = new ConfigKey<>("litellm_params.tpm", ConfigType.LONG, null,
            atLeast(1), "Tokens per minute, enforced across all workers.", "100000");

    public static final ConfigKey<Integer> ORDER = new ConfigKey<>("litellm_params.order", ConfigType.INT, null,
            any(), "Tier: lower orders are tried first; deployments without one come last.", "1");

    public static final ConfigKey<Object> TAGS = new ConfigKey<>("litellm_params.tags", ConfigType.STRUCTURE, null,
            any(), "Tag-based routing: jobs with tags go to deployments that carry them (`default` takes the rest).",
            "[eu, premium]");

    public static final ConfigKey<Integer> MAX_PARALLEL_REQUESTS = new ConfigKey<>(
            "litellm_params.max_parallel_requests", ConfigType.INT, null, atLeast(1),
            "Calls in flight at once on this deployment, per worker process; unset: "
            + "`router_settings.default_max_parallel_requests` if the deployment sets neither `rpm` nor `tpm`, else "
            + "no cap.", "8");

    public static final ConfigKey<Double> INPUT_COST_PER_TOKEN = new ConfigKey<>(
            "litellm_params.input_cost_per_token", ConfigType.DOUBLE, null, atLeast(0),
            "Price override in USD per input token (also read from `model_info`).", "0.0000025");

    public static final ConfigKey<Double> OUTPUT_COST_PER_TOKEN = new ConfigKey<>(
            "litellm_params.output_cost_per_token", ConfigType.DOUBLE, null, atLeast(0),
            "Price override in USD per output token (also read from `model_info`).", "0.00001");

    public static final ConfigKey<java.math.BigDecimal> MAX_BUDGET = new ConfigKey<>("litellm_params.max_budget",
            ConfigType.DECIMAL, null, Validators.positiveDecimal(),
            "Spend limit in USD per `budget_duration` for this deployment: once reached, the router skips it until "
                    + "the period ends.", "25");

    public static final ConfigKey<String> BUDGET_DURATION = new ConfigKey<>("litellm_params.budget_duration",
            ConfigType.STRING, "1mo", Validators.budgetDuration(),
            "The period of `max_budget`, aligned to UTC (days start at midnight, weeks on Monday, months on the 1st). "
                    + "LiteLLM differs twice: it enforces a deployment's `max_budget` only with a `budget_duration`, "
                    + "and its period starts at the deployment's first spend.", "1d");

    public static final ConfigKey<String> MOCK_RESPONSE = new ConfigKey<>("litellm_params.mock_response",
            ConfigType.STRING, null, any(), "Answer with this text without calling the provider.",
            "'This is a mock answer.'");

    public static final ConfigKey<String> ID = new ConfigKey<>("model_info.id", ConfigType.STRING, null, nonBlank(),
            "The deployment id (health, budget, metrics, results); unset: derived from the model group and the "
                    + "`litellm_params` that name the deployment (model, endpoint, key...), so it stays the same "
                    + "across reloads and edits of how it is tuned (limits, weight, timeouts, prices, budget, tags).",
            "azure-eu-1");

    public static final ConfigKey<String> BASE_MODEL = new ConfigKey<>("model_info.base_model", ConfigType.STRING,
            null, nonBlank(), "The model whose prices apply (e.g. for an Azure deployment name).", "azure/gpt-4o");

    public static final ConfigKey<Integer> MAX_INPUT_TOKENS = new ConfigKey<>("model_info.max_input_tokens",
            ConfigType.INT, null, atLeast(1), "The context window, for pre-call checks; unset: the price "
            + "table's for the model or its `base_model`.", "128000");

    /** The {@link #MODE}s of a deployment llmq routes chat jobs to (unset too). */
    public static final java.util.Set<String> CHAT_MODES = java.util.Set.of("chat", "completion");

    public static final ConfigKey<String> MODE = new ConfigKey<>("model_info.mode", ConfigType.STRING, null,
            nonBlank(), "LiteLLM's kind of model: `chat`, `completion`, `embedding`, `image_generation`, "
            + "`audio_transcription`, `rerank`... llmq runs chat completions only: a deployment whose mode is set to "
            + "other than `chat` or `completion` is left out of routing, as `llmq config check` and a warning at "
            + "start say, and a model group left without a deployment is not one (jobs cannot name it, "
            + "`GET /v1/models` does not list it). Unset: a chat deployment.", "chat");

    public static final ConfigDef DEF = new ConfigDef("model_list",
            "Each entry is one deployment of a model group.",
            List.of(MODEL_NAME, MODEL, API_BASE, API_KEY, API_VERSION, TIMEOUT, STREAM_TIMEOUT, DROP_PARAMS,
                    ORGANIZATION, ADDITIONAL_DROP_PARAMS, ALLOWED_OPENAI_PARAMS, HEADERS, WEIGHT, RPM, TPM, ORDER, TAGS,
                    MAX_PARALLEL_REQUESTS, INPUT_COST_PER_TOKEN,
                    OUTPUT_COST_PER_TOKEN, MAX_BUDGET, BUDGET_DURATION, MOCK_RESPONSE, ID, BASE_MODEL, MAX_INPUT_TOKENS,
                    MODE));
}
