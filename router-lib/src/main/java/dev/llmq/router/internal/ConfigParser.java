package dev.llmq.router.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import dev.llmq.config.GroupCommit;
import dev.llmq.config.IngestLimits;
import dev.llmq.config.LlmqKeys;
import dev.llmq.provider.ProviderModel;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.spi.ParameterOverrides;
import dev.llmq.provider.ResponseLimits;
import dev.llmq.config.DeploymentKeys;
import dev.llmq.router.Budget;
import dev.llmq.router.BudgetPeriod;
import dev.llmq.router.ConfigException;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.router.ConfigScope;
import dev.llmq.router.Deployment;
import dev.llmq.router.LlmqConfig;
import dev.llmq.router.LlmqSection;
import dev.llmq.router.LlmqSettings;
import dev.llmq.router.RouterSettings;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/** Parses the llmq config file (LiteLLM proxy's shape plus an {@code llmq:} section). One instance per parse. */
public final class ConfigParser {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** The {@code litellm_params} that tune a deployment: editing one keeps the deployment's derived id. */
    static final Set<String> TUNING = Set.of("rpm", "tpm", "max_parallel_requests", "weight", "order", "timeout",
            "stream_timeout", "max_budget", "budget_duration", "input_cost_per_token", "output_cost_per_token",
            "max_input_tokens", "tags", "drop_params", "additional_drop_params", "allowed_openai_params");
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private final Map<String, String> env;
    private final ConfigScope scope;
    private final Set<LlmqSection> reads;
    private final boolean leaveOutUnset;
    private final List<String> unsupported = new ArrayList<>();
    /** What is read but not acted on for a reason other than not being supported ({@link LlmqConfig#notes}). */
    private final List<String> notes = new ArrayList<>();
    /** Each entry's derived id ({@link #derivedIds}), for those without {@code model_info.id}. */
    private List<String> derivedIds = List.of();
    /** The entries left out for their {@code model_info.mode} ({@link #otherModes}): index → mode. */
    private Map<Integer, String> otherModes = Map.of();
    /** The model groups all of whose entries are left out for their mode: group → the mode of its first. */
    private Map<String, String> otherModeGroups = Map.of();

    public ConfigParser(Map<String, String> env) {
        this(env, ConfigScope.ROUTING);
    }

    public ConfigParser(Map<String, String> env, ConfigScope scope) {
        this(env, scope, LlmqSection.all());
    }

    /**
     * @param reads the parts of {@code llmq:} the reading role uses; in the others an unset variable makes the part
     *        absent instead of failing the parse ({@link LlmqSection})
     */
    public ConfigParser(Map<String, String> env, ConfigScope scope, Set<LlmqSection> reads) {
        this(env, scope, reads, false);
    }

    /**
     * @param leaveOutUnset whether a {@code model_list} entry that names an unset environment variable is left out
     *        ({@link LlmqConfig#leftOut}) instead of failing the parse (a reload: see
     *        {@link dev.llmq.router.ConfigWatcher})
     */
    public ConfigParser(Map<String, String> env, ConfigScope scope, Set<LlmqSection> reads, boolean leaveOutUnset) {
        this.env = Map.copyOf(env);
        this.scope = java.util.Objects.requireNonNull(scope, "scope");
        this.reads = reads.isEmpty() ? EnumSet.noneOf(LlmqSection.class) : EnumSet.copyOf(reads);
        this.leaveOutUnset = leaveOutUnset;
    }

    public LlmqConfig parse(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException("config is not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException("config is empty");
        }
        try {
            return parse(root);
        } catch (ConfigException e) {
            String name = e.unsetVariable();
            JsonNode section = root.path("environment_variables");
            if (name == null || !section.isObject() || !section.has(name)) {
                throw e;
            }
            // LiteLLM's proxy sets the variables of this section before it reads the rest; llmq reads no secret
            // from the file, so a reference to one of them is unset unless the environment has it
            throw new ConfigException(e.getMessage() + " (the file's environment_variables section sets it, which "
                    + "is LiteLLM's and not read by llmq: set " + name + " in the environment instead)", name);
        }
    }

    private LlmqConfig parse(JsonNode root) {
        Fields top = new Fields(root, "", "config", env);
        Fields litellm = top.child("litellm_settings");
        Fields router = top.child("router_settings");
        Map<String, GroupTimeouts> groupTimeouts = new HashMap<>();
        LlmqSettings llmq = parseLlmq(top.child("llmq"), groupTimeouts);
        boolean dropParams = Boolean.TRUE.equals(litellm.bool("drop_params"));
        RouterSettingsParser settingsParser = new RouterSettingsParser(router, litellm, notes);
        RouterSettings settings = settingsParser.parse();

        JsonNode list = top.raw("model_list");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new ConfigException("config: model_list is missing or empty");
        }
        refuseWildcards(list);
        derivedIds = derivedIds(list);
        otherModes(list);
        // every scope reports what it does not read at the top and in the LiteLLM sections (once only the workers did)
        litellm.reportUnused(unsupported);
        router.reportUnused(unsupported);
        top.reportUnused(unsupported);
        if (scope == ConfigScope.NAMES) {
            return namesOnly(list, settings, settingsParser, llmq, groupTimeouts);
        }
        refuseUnknownProviders(list);
        List<Deployment> deployments = new ArrayList<>();
        Map<String, String> idOwners = new HashMap<>();
        Map<String, List<String>> leftOut = new LinkedHashMap<>();
        List<Budget> budgets = new ArrayList<>(llmq.budgets());
        for (int i = 0; i < list.size(); i++) {
            if (otherModes.containsKey(i)) {
                continue;
            }
            Deployment d;
            try {
                d = parseDeployment(i, list.get(i), settings, groupTimeouts, dropParams);
            } catch (ConfigException e) {
                String group = list.get(i).path("model_name").asText("");
                if (!leaveOutUnset || e.unsetVariable() == null || group.isEmpty()) {
                    throw e;
                }
                leftOut.computeIfAbsent(group, g -> new ArrayList<>()).add(e.getMessage());
                continue;
            }
            String owner = idOwners.putIfAbsent(d.id(), "model_list[" + i + "]");
            if (owner != null) {
                throw new ConfigException("model_list[" + i + "] (model_name: " + d.modelGroup()
                        + "): duplicate deployment id '" + d.id() + "' (also used by " + owner + ")");
            }
            deployments.add(d);
            deploymentBudget(i, list.get(i), d.id(), d.modelGroup()).ifPresent(budgets::add);
        }
        llmq = llmq.withBudgets(budgets);
        LlmqConfig config = new LlmqConfig(deployments, settings, llmq, unsupported, leftOut, notes);
        Set<String> groups = new LinkedHashSet<>(config.modelGroups());
        groups.addAll(leftOut.keySet()); // named in the file all the same: fallbacks and group settings may name them
        validateFallbacks(settings, settingsParser, groups, explicitIds(list));
        validateAliases(settings, groups);
        validateGroupRetryPolicies(settings, groups);
        validateGroupTimeouts(groupTimeouts.keySet(), groups);
        return config;
    }

    /**
     * LiteLLM routes a {@code model_name} with a {@code *} ({@code "*"}, {@code "openai/*"}) as a pattern: any model
     * a request names that matches it goes to the provider. llmq's model groups are exact names, so such an entry
     * would be a group literally named {@code *}, and an {@code openai/*} model would be sent to the provider as
     * {@code *}: refused, saying what to write instead.
     */
    private static void refuseWildcards(JsonNode list) {
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            JsonNode name = entry == null ? null : entry.get("model_name");
            JsonNode model = entry == null ? null : entry.path("litellm_params").get("model");
            String wildcard = name != null && name.isTextual() && name.asText().contains("*") ? "model_name"
                    : model != null && model.isTextual() && model.asText().contains("*") ? "litellm_params.model"
                    : null;
            if (wildcard != null) {
                String label = "model_list[" + i + "]" + (name != null && name.isValueNode()
                        ? " (model_name: " + name.asText() + ")" : "");
                throw new ConfigException(label + ": " + wildcard + " '" + (wildcard.equals("model_name")
                        ? name.asText() : model.asText()) + "' is a wildcard, LiteLLM's pattern routing, which "
                        + "llmq does not support: a job's model must name a model group exactly, so list each "
                        + "model as an entry of its own (model_name: gpt-4o, litellm_params: {model: openai/gpt-4o})");
            }
        }
    }

    /**
     * Every entry whose model names a provider llmq does not know, in one error shaped as one entry's is: a config
     * brought from LiteLLM may have several (providers llmq has no client for), and naming only the first would take
     * a run per entry to find them all. A model given as {@code os.environ/NAME} is left to the entry's own parse.
     */
    private static void refuseUnknownProviders(JsonNode list) {
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            JsonNode model = entry == null ? null : entry.path("litellm_params").get("model");
            if (model == null || !model.isTextual() || model.asText().startsWith("os.environ/")
                    || ProviderModel.unknownProvider(model.asText()).isEmpty()) {
                continue;
            }
            JsonNode name = entry.get("model_name");
            unknown.add("model_list[" + i + "]" + (name != null && name.isValueNode() ? " (model_name: "
                    + name.asText() + ")" : "") + ": " + ProviderModel.unknownProviderIn(model.asText()));
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException(String.join("; ", unknown) + "; known providers: "
                    + new TreeSet<>(ProviderModel.KNOWN_PROVIDERS));
        }
    }

    /**
     * Finds the entries whose {@code model_info.mode} is not a chat one (LiteLLM's {@code embedding},
     * {@code image_generation}, {@code audio_transcription}, {@code rerank}...): llmq runs chat completions only, so
     * such a deployment is left out of routing, in every scope, rather than sent chat jobs it cannot answer; a model
     * group left without a deployment is no model group (jobs cannot name it, {@code GET /v1/models} does not list
     * it). Each is noted ({@link LlmqConfig#notes}). Its other keys are not read: a key it names need not be set.
     */
    private void otherModes(JsonNode list) {
        Map<Integer, String> modes = new LinkedHashMap<>();
        Map<String, String> groups = new LinkedHashMap<>();
        Set<String> chatGroups = new java.util.HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String base = "model_list[" + i + "]";
            Fields f = new Fields(list.get(i), base, base, env);
            String group = f.requiredText("model_name");
            String mode = f.child("model_info").get(DeploymentKeys.MODE);
            if (mode == null || DeploymentKeys.CHAT_MODES.contains(mode.toLowerCase(Locale.ROOT))) {
                chatGroups.add(group);
                continue;
            }
            modes.put(i, mode);
            groups.putIfAbsent(group, mode);
            String id = f.child("model_info").text("id");
            notes.add("model group " + group + ": deployment " + (id == null || id.isBlank() ? derivedIds.get(i) : id)
                    + " (" + base + ") has model_info.mode " + mode + "; llmq runs chat completions only, so it is "
                    + "left out");
        }
        if (chatGroups.isEmpty()) {
            throw new ConfigException("model_list: no entry is a chat deployment (each has a model_info.mode other "
                    + "than chat or completion, such as " + modes.values().iterator().next() + "): llmq runs chat "
                    + "completions only");
        }
        groups.keySet().removeAll(chatGroups);
        groups.keySet().forEach(g -> notes.add("model group " + g + ": no deployment left, so jobs cannot name it "
                + "and GET /v1/models does not list it"));
        otherModes = modes;
        otherModeGroups = groups;
    }

    /** The model group names only: no deployment is built, so no endpoint or secret is read. */
    private LlmqConfig namesOnly(JsonNode list, RouterSettings settings, RouterSettingsParser settingsParser,
                                 LlmqSettings llmq, Map<String, GroupTimeouts> groupTimeouts) {
        Set<String> groups = new LinkedHashSet<>();
        List<Budget> budgets = new ArrayList<>(llmq.budgets());
        for (int i = 0; i < list.size(); i++) {
            if (otherModes.containsKey(i)) {
                continue;
            }
            JsonNode entry = list.get(i);
            Fields f = new Fields(entry, "model_list[" + i + "]", "model_list[" + i + "]", env);
            String group = f.requiredText("model_name");
            groups.add(group);
            // a deployment budget needs the deployment's id, which needs no endpoint or secret
            String id = f.child("model_info").text("id");
            if (id == null || id.isBlank()) {
                id = derivedIds.get(i);
            }
            deploymentBudget(i, entry, id, group).ifPresent(budgets::add);
        }
        try {
            llmq = llmq.withBudgets(budgets);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("model_list: " + e.getMessage());
        }
        validateFallbacks(settings, settingsParser, groups, explicitIds(list));
        validateAliases(settings, groups);
        validateGroupRetryPolicies(settings, groups);
        validateGroupTimeouts(groupTimeouts.keySet(), groups);
        return new LlmqConfig(List.of(), groups, settings, llmq, unsupported, Map.of(), notes);
    }

    private Deployment parseDeployment(int index, JsonNode entry, RouterSettings settings,
                                       Map<String, GroupTimeouts> groupTimeouts, boolean globalDropParams) {
        String base = "model_list[" + index + "]";
        JsonNode nameNode = entry == null ? null : entry.get("model_name");
        String label = base + (nameNode != null && nameNode.isValueNode() ? " (model_name: " + nameNode.asText() + ")"
                : "");
        Fields f = new Fields(entry, base, label, env);
        String group = f.requiredText("model_name");
        Fields p = f.child("litellm_params");
        Fields info = f.child("model_info");
        String modelString = p.text("model");
        if (modelString == null || modelString.isBlank()) {
            throw new ConfigException(label + ": missing litellm_params.model");
        }
        ProviderModel ref;
        try {
            ref = ProviderModel.parseStrict(modelString);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(label + ": " + e.getMessage());
        }
        String apiBase = p.text("api_base");
        if (apiBase == null) {
            apiBase = p.text("base_url");
        }
        URI apiBaseUri = null;
        if (apiBase != null && !apiBase.isBlank()) {
            try {
                apiBaseUri = URI.create(apiBase.trim());
            } catch (IllegalArgumentException e) {
                throw p.error("api_base", "not a URL: " + apiBase);
            }
        }
        GroupTimeouts gt = groupTimeouts.getOrDefault(group, GroupTimeouts.NONE);
        Duration timeout = first(p.seconds("timeout"), gt.timeout(), settings.timeout());
        Duration streamTimeout = first(p.seconds("stream_timeout"), gt.streamTimeout(), settings.streamTimeout());
        Boolean drop = p.bool("drop_params");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String key : List.of("headers", "extra_headers")) {
            JsonNode h = p.raw(key);
            if (h != null) {
                if (!h.isObject()) {
                    throw p.error(key, "expected a map of header names to values");
                }
                p.flattenInto("", h, headers);
            }
        }
        if (!ref.provider().equals("anthropic") && !ref.provider().equals("gemini")) {
            String organization = p.text("organization");
            if (organization != null && !organization.isBlank()
                    && headers.keySet().stream().noneMatch("OpenAI-Organization"::equalsIgnoreCase)) {
                headers.put("OpenAI-Organization", organization.trim());
            }
        }
        List<String> dropped = p.strings("additional_drop_params");
        for (String path : dropped) {
            if (!ParameterOverrides.validPath(path)) {
                throw p.error("additional_drop_params", "'" + path + "' is not a field or a path such as "
                        + "'tools[*].input_examples'");
            }
        }
        List<String> allowed = p.strings("allowed_openai_params");
        for (String name : allowed) {
            if (name.isBlank() || name.contains(".") || name.contains("[")) {
                throw p.error("allowed_openai_params", "'" + name + "' is not a top-level parameter name");
            }
        }
        ProviderTarget target;
        try {
            target = ProviderTarget.builder(ref.provider(), ref.model()).apiBase(apiBaseUri).apiKey(p.text("api_key"))
                    .apiVersion(p.text("api_version")).timeout(timeout).streamIdleTimeout(streamTimeout)
                    .dropParams(drop == null ? globalDropParams : drop).extraHeaders(headers)
                    .additionalDropParams(dropped).allowedOpenAiParams(new LinkedHashSet<>(allowed)).build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(label + ": " + e.getMessage());
        }
        Double inCost = first(p.number("input_cost_per_token"), info.number("input_cost_per_token"));
        Double outCost = first(p.number("output_cost_per_token"), info.number("output_cost_per_token"));
        Integer maxInput = first(info.intValue("max_input_tokens"), p.intValue("max_input_tokens"));
        String id = info.text("id");
        if (id == null || id.isBlank()) {
            id = derivedIds.get(index);
        }
        try {
            Long rpm = p.longValue("rpm");
            Long tpm = p.longValue("tpm");
            Deployment d = Deployment.builder(id, group, target).weight(p.number("weight"))
                    .rpm(rpm).tpm(tpm).order(p.intValue("order")).tags(p.strings("tags"))
                    .maxParallelRequests(settings.maxParallelRequestsOf(p.intValue("max_parallel_requests"), rpm, tpm))
                    .maxInputTokens(maxInput).inputCostPerToken(inCost).outputCostPerToken(outCost)
                    .mockResponse(p.text("mock_response")).baseModel(info.text("base_model")).build();
            p.raw("max_budget"); // read by deploymentBudget once the id is known
            p.raw("budget_duration");
            info.raw("mode"); // a chat one, read by otherModes
            p.reportUnused(unsupported);
            info.reportUnused(unsupported);
            f.reportUnused(unsupported);
            return d;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(label + ": " + e.getMessage());
        }
    }

    /**
     * The deployment's {@code litellm_params.max_budget} per {@code budget_duration}, if it has one. Read in both
     * scopes: the usage aggregator, which watches the budgets, reads only model group names. A budget of
     * {@link LlmqSection#BUDGETS}, so none when it names an unset variable and the role does not read budgets.
     */
    private java.util.Optional<Budget> deploymentBudget(int index, JsonNode entry, String id, String group) {
        return unlessUnread(LlmqSection.BUDGETS, () -> readDeploymentBudget(index, entry, id, group),
                java.util.Optional::empty);
    }

    private java.util.Optional<Budget> readDeploymentBudget(int index, JsonNode entry, String id, String group) {
        Fields p = new Fields(entry, "model_list[" + index + "]", "model_list[" + index + "]", env)
                .child("litellm_params");
        java.math.BigDecimal max = p.get(DeploymentKeys.MAX_BUDGET);
        if (max == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(new Budget(BudgetMessage.SCOPE_DEPLOYMENT, id, max,
                    BudgetPeriod.parse(p.get(DeploymentKeys.BUDGET_DURATION)), BudgetMessage.ON_EXCEEDED_WAIT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("model_list[" + index + "] (model_name: " + group + "): " + e.getMessage());
        }
    }

    /**
     * The id of each entry that gives no {@code model_info.id}: derived from its group and the {@code litellm_params}
     * that name the deployment (its model, endpoint, key, version, headers...), not those that tune it
     * ({@link #TUNING}: limits, weights, timeouts, prices, budgets, tags), so that an edit of those keeps its id, and
     * with it its health and its budget's spend. Entries of one group that differ only in tuning get ids from all
     * their params, as they did before.
     */
    private static List<String> derivedIds(JsonNode list) {
        List<String> named = new ArrayList<>(list.size());
        Map<String, Integer> uses = new HashMap<>();
        for (JsonNode entry : list) {
            JsonNode group = entry == null ? null : entry.get("model_name");
            JsonNode params = entry == null ? null : entry.get("litellm_params");
            String id = group == null || !group.isValueNode() ? null : derivedId(group.asText(), naming(params));
            named.add(id);
            if (id != null) {
                uses.merge(id, 1, Integer::sum);
            }
        }
        List<String> ids = new ArrayList<>(named.size());
        for (int i = 0; i < named.size(); i++) {
            String id = named.get(i);
            ids.add(id == null || uses.get(id) == 1 ? id
                    : derivedId(list.get(i).get("model_name").asText(), list.get(i).get("litellm_params")));
        }
        return ids;
    }

    /** {@code params} without the keys that tune a deployment rather than name it. */
    private static JsonNode naming(JsonNode params) {
        if (params == null || !params.isObject()) {
            return params;
        }
        ObjectNode naming = params.deepCopy();
        naming.remove(TUNING);
        return naming;
    }

    /** A stable id from the entry's content, so an unchanged deployment keeps its id (and health) across reloads. */
    private static String derivedId(String group, JsonNode params) {
        try {
            byte[] canonical = CANONICAL.writeValueAsBytes(CANONICAL.treeToValue(params, Object.class));
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(group.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            byte[] hash = sha.digest(canonical);
            return group + "-" + HexFormat.of().formatHex(hash, 0, 6);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot derive a deployment id", e);
        }
    }

    private LlmqSettings parseLlmq(Fields llmq, Map<String, GroupTimeouts> groupTimeouts) {
        JsonNode k = llmq.raw("kafka");
        if (k != null && !k.isObject()) {
            throw llmq.error("kafka", "expected a map of Kafka client properties");
        }
        Map<String, String> kafka = k == null ? new LinkedHashMap<>() : unlessUnread(LlmqSection.KAFKA, () -> {
            Map<String, String> read = new LinkedHashMap<>();
            llmq.flattenInto("", k, read);
            return read;
        }, LinkedHashMap::new);
        env.forEach((name, value) -> {
            if (value.isBlank()) {
                return; // an empty variable (as `KAFKA_BOOTSTRAP_SERVERS=` in a compose file) sets nothing
            }
            if (name.startsWith("LLMQ_KAFKA_") && name.length() > "LLMQ_KAFKA_".length()) {
                kafka.put(name.substring("LLMQ_KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        // the conventional variable wins over LLMQ_KAFKA_BOOTSTRAP_SERVERS, whatever the environment's order
        String bootstrap = env.get("KAFKA_BOOTSTRAP_SERVERS");
        if (bootstrap != null && !bootstrap.isBlank()) {
            kafka.put("bootstrap.servers", bootstrap);
        }
        LlmqSettings.Topics topics = section(llmq, LlmqSection.TOPICS, this::parseTopics);
        LlmqSettings.Ingest ingest = section(llmq, LlmqSection.INGEST, this::parseIngest);
        LlmqSettings.Worker worker = section(llmq, LlmqSection.WORKER, this::parseWorker);
        Map<String, LlmqSettings.ProviderLimits> providers = section(llmq, LlmqSection.PROVIDERS,
                this::parseProviders);
        groupTimeouts.putAll(section(llmq, LlmqSection.MODEL_GROUPS, this::parseGroupTimeouts));
        LlmqSettings.Health health = section(llmq, LlmqSection.HEALTH, this::parseHealth);
        boolean mockLlm = section(llmq, LlmqSection.MOCK_LLM, f -> read(f, LlmqKeys.MOCK_LLM_ENABLED));
        String pricingTable = section(llmq, LlmqSection.PRICING, f -> read(f, LlmqKeys.PRICING_TABLE));
        LlmqSettings.Usage usage = section(llmq, LlmqSection.USAGE, this::parseUsage);
        List<Budget> budgets = unlessUnread(LlmqSection.BUDGETS, () -> parseBudgets(llmq), List::of);
        LlmqSettings.Auth auth = section(llmq, LlmqSection.AUTH, this::parseAuth);
        llmq.reportUnused(unsupported);
        refuseRemovedKeys();
        try {
            return new LlmqSettings(kafka, topics, ingest, worker, providers, health, mockLlm, pricingTable, usage,
                    budgets, auth);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("llmq.budgets: " + e.getMessage());
        }
    }

    /** The map {@code llmq.<part>}, parsed as the role reads it ({@link #unlessUnread}). */
    private <T> T section(Fields llmq, LlmqSection part, Function<Fields, T> parse) {
        Fields f = llmq.child(part.key());
        return unlessUnread(part, () -> parse.apply(f),
                () -> parse.apply(new Fields(null, f.path(), f.label(), env)));
    }

    /**
     * A part of {@code llmq:} as {@code parse} reads it; when it names an unset variable, and the role does not read
     * that part, as {@code absent} gives it (its defaults), without the unread keys {@code parse} reported.
     */
    private <T> T unlessUnread(LlmqSection part, Supplier<T> parse, Supplier<T> absent) {
        int reported = unsupported.size();
        try {
            return parse.get();
        } catch (ConfigException e) {
            if (e.unsetVariable() == null || reads.contains(part)) {
                throw e;
            }
            unsupported.subList(reported, unsupported.size()).clear();
            return absent.get();
        }
    }

    /** One value of a map with nothing else in it; its other keys are reported unread. */
    private <T> T read(Fields f, dev.llmq.config.ConfigKey<T> key) {
        T value = f.get(key);
        f.reportUnused(unsupported);
        return value;
    }

    private LlmqSettings.Topics parseTopics(Fields topics) {
        LlmqSettings.Topics t = new LlmqSettings.Topics(topics.get(LlmqKeys.TOPICS_PREFIX),
                topics.get(LlmqKeys.TOPICS_PARTITIONS), topics.get(LlmqKeys.TOPICS_REPLICATION_FACTOR).shortValue());
        topics.reportUnused(unsupported);
        return t;
    }

    private LlmqSettings.Ingest parseIngest(Fields ingest) {
        try {
            Fields limits = ingest.child("limits");
            IngestLimits l = new IngestLimits(limits.get(LlmqKeys.LIMIT_MAX_JOBS_PER_SUBMISSION),
                    limits.get(LlmqKeys.LIMIT_MAX_MESSAGES_PER_JOB), limits.get(LlmqKeys.LIMIT_MAX_JSON_DEPTH),
                    limits.get(LlmqKeys.LIMIT_MAX_CUSTOM_ID_CHARS), limits.get(LlmqKeys.LIMIT_MAX_METADATA_PAIRS),
                    limits.get(LlmqKeys.LIMIT_MAX_METADATA_KEY_CHARS),
                    limits.get(LlmqKeys.LIMIT_MAX_METADATA_VALUE_CHARS), limits.get(LlmqKeys.LIMIT_MAX_TAGS),
                    limits.get(LlmqKeys.LIMIT_MAX_TAG_CHARS), limits.get(LlmqKeys.LIMIT_MAX_IDEMPOTENCY_KEY_CHARS));
            limits.reportUnused(unsupported);
            Fields group = ingest.child("group_commit");
            GroupCommit g = new GroupCommit(
                    Duration.ofMillis(group.get(LlmqKeys.INGEST_GROUP_COMMIT_LINGER_MS)),
                    group.get(LlmqKeys.INGEST_GROUP_COMMIT_MAX_BYTES),
                    group.get(LlmqKeys.INGEST_GROUP_COMMIT_MAX_QUEUED_BYTES));
            group.reportUnused(unsupported);
            LlmqSettings.Ingest in = new LlmqSettings.Ingest(ingest.get(LlmqKeys.INGEST_MAX_BODY_BYTES),
                    ingest.get(LlmqKeys.INGEST_MAX_FILE_BYTES),
                    ingest.get(LlmqKeys.INGEST_STATUS_RETENTION), ingest.get(LlmqKeys.INGEST_STATE_DIR),
                    ingest.get(LlmqKeys.INGEST_ADVERTISED_URL), ingest.get(LlmqKeys.INGEST_USAGE_URL), l, g);
            ingest.reportUnused(unsupported);
            return in;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private LlmqSettings.Worker parseWorker(Fields worker) {
        Fields chunks = worker.child("chunks");
        try {
            LlmqSettings.Worker w = new LlmqSettings.Worker(worker.get(LlmqKeys.WORKER_MAX_IN_FLIGHT),
                    worker.get(LlmqKeys.WORKER_LIMIT_SHARE), chunks.get(LlmqKeys.WORKER_CHUNKS_MAX_DELAY_MS),
                    chunks.get(LlmqKeys.WORKER_CHUNKS_MAX_CHARS), worker.get(LlmqKeys.WORKER_MAX_QUEUE_WAIT),
                    worker.get(LlmqKeys.WORKER_SESSION_TIMEOUT), worker.get(LlmqKeys.WORKER_HEARTBEAT_INTERVAL),
                    worker.get(LlmqKeys.WORKER_SHUTDOWN_TIMEOUT), worker.get(LlmqKeys.WORKER_HANDOFF_TIMEOUT),
                    worker.get(LlmqKeys.WORKER_MAX_WAITING),
                    worker.get(LlmqKeys.WORKER_BATCH_MIN_SHARE),
                    worker.get(LlmqKeys.WORKER_MAX_DELIVERIES), worker.get(LlmqKeys.WORKER_AWAIT_FIRST_START),
                    new ResponseLimits(
                            worker.get(LlmqKeys.WORKER_MAX_RESPONSE_BYTES), worker.get(LlmqKeys.WORKER_MAX_EVENT_BYTES),
                            worker.get(LlmqKeys.WORKER_MAX_STREAM_BYTES)),
                    worker.get(LlmqKeys.WORKER_RUNNING_EVENT_DELAY_MS));
            chunks.reportUnused(unsupported);
            worker.reportUnused(unsupported);
            return w;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** {@code llmq.model_groups}: each group's timeouts, keyed by group. */
    private Map<String, GroupTimeouts> parseGroupTimeouts(Fields groups) {
        Map<String, GroupTimeouts> out = new HashMap<>();
        for (String g : groups.keys()) {
            Fields gf = groups.child(g);
            out.put(g, new GroupTimeouts(gf.get(LlmqKeys.GROUP_TIMEOUT), gf.get(LlmqKeys.GROUP_STREAM_TIMEOUT)));
            gf.reportUnused(unsupported);
        }
        return out;
    }

    private LlmqSettings.Health parseHealth(Fields health) {
        LlmqSettings.Health h = new LlmqSettings.Health(health.get(LlmqKeys.HEALTH_COOLDOWN_MIN_REQUESTS),
                health.get(LlmqKeys.HEALTH_COOLDOWN_FAILURE_THRESHOLD), health.get(LlmqKeys.HEALTH_BREAKER_WINDOW),
                health.get(LlmqKeys.HEALTH_BREAKER_MIN_CALLS), health.get(LlmqKeys.HEALTH_BREAKER_FAILURE_RATE),
                health.get(LlmqKeys.HEALTH_BREAKER_OPEN), health.get(LlmqKeys.HEALTH_BREAKER_HALF_OPEN_CALLS));
        health.reportUnused(unsupported);
        return h;
    }

    private LlmqSettings.Usage parseUsage(Fields usage) {
        try {
            LlmqSettings.Usage u = new LlmqSettings.Usage(usage.get(LlmqKeys.USAGE_GRACE),
                    usage.get(LlmqKeys.USAGE_DEDUPE_RETENTION), usage.get(LlmqKeys.USAGE_STATE_DIR),
                    usage.get(LlmqKeys.USAGE_ADVERTISED_URL), usage.get(LlmqKeys.USAGE_ROCKSDB_MEMORY_BYTES));
            usage.reportUnused(unsupported);
            return u;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * Refuses a config that still sets a key of the {@code llmq} section that llmq removed ({@link LlmqKeys#REMOVED}),
     * with the key's reason. No removed key is read, so each one set is among the keys reported unread; ignoring it
     * like an unsupported key would hide that what it used to set is gone.
     */
    private void refuseRemovedKeys() {
        for (String name : unsupported) {
            LlmqKeys.DEF.findRemoved(name).ifPresent(removed -> {
                throw new ConfigException(removed.message());
            });
        }
    }

    /** {@code llmq.auth}: the API keys (by hash) and the instances' internal key. */
    private LlmqSettings.Auth parseAuth(Fields auth) {
        JsonNode list = auth.raw("keys");
        List<ApiKey> keys = new ArrayList<>();
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw auth.error("keys", "expected a list of keys ({name: acme-batch, key_hash: 'sha256:...', "
                        + "tenant: acme}); `llmq keys create --tenant acme` prints one");
            }
            for (int i = 0; i < list.size(); i++) {
                String label = "llmq.auth.keys[" + i + "]";
                Fields k = new Fields(list.get(i), label, label, env);
                String name = k.get(LlmqKeys.AUTH_KEY_NAME);
                String hash = k.get(LlmqKeys.AUTH_KEY_HASH);
                String tenant = k.get(LlmqKeys.AUTH_KEY_TENANT);
                if (name == null || hash == null || tenant == null) {
                    throw new ConfigException(label + ": name, key_hash and tenant are required ("
                            + "`llmq keys create --tenant T` prints an entry)");
                }
                List<String> named = k.has("scopes") ? k.strings("scopes") : List.of("submit", "read");
                try {
                    keys.add(new ApiKey(name, hash, tenant, k.get(LlmqKeys.AUTH_KEY_TEAM), k.strings("tags"),
                            new LinkedHashSet<>(k.strings("models")), ApiKey.Scope.allOf(named),
                            k.get(LlmqKeys.AUTH_KEY_RPM_LIMIT), k.get(LlmqKeys.AUTH_KEY_JOBS_PER_MINUTE)));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(label + ": " + e.getMessage());
                }
                k.reportUnused(unsupported);
            }
        }
        String internal = unlessUnread(LlmqSection.INTERNAL_KEY, () -> auth.get(LlmqKeys.AUTH_INTERNAL_KEY),
                () -> null);
        auth.reportUnused(unsupported);
        try {
            return new LlmqSettings.Auth(ApiKeys.of(keys), internal);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("llmq.auth.keys: " + e.getMessage());
        }
    }

    /** {@code llmq.budgets}: a list of tenant and tag budgets. */
    private List<Budget> parseBudgets(Fields llmq) {
        JsonNode list = llmq.raw("budgets");
        if (list == null) {
            return List.of();
        }
        if (!list.isArray()) {
            throw llmq.error("budgets", "expected a list of budgets ({tenant: acme, max_budget: 100, "
                    + "budget_duration: 1mo})");
        }
        List<Budget> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String label = "llmq.budgets[" + i + "]";
            Fields b = new Fields(list.get(i), label, label, env);
            String tenant = b.get(LlmqKeys.BUDGET_TENANT);
            String tag = b.get(LlmqKeys.BUDGET_TAG);
            if ((tenant == null) == (tag == null)) {
                throw new ConfigException(label + ": give exactly one of tenant and tag");
            }
            java.math.BigDecimal max = b.get(LlmqKeys.BUDGET_MAX);
            if (max == null) {
                throw new ConfigException(label + ": missing max_budget (USD per budget_duration)");
            }
            try {
                out.add(new Budget(tenant != null ? BudgetMessage.SCOPE_TENANT : BudgetMessage.SCOPE_TAG,
                        tenant != null ? tenant : tag, max, BudgetPeriod.parse(b.get(LlmqKeys.BUDGET_DURATION)),
                        b.get(LlmqKeys.BUDGET_ON_EXCEEDED)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(label + ": " + e.getMessage());
            }
            b.reportUnused(unsupported);
        }
        return out;
    }

    /** {@code llmq.providers}: per-provider limits, keyed by a provider name llmq knows. */
    private Map<String, LlmqSettings.ProviderLimits> parseProviders(Fields providers) {
        Map<String, LlmqSettings.ProviderLimits> out = new LinkedHashMap<>();
        for (String name : providers.keys()) {
            String label = "llmq.providers." + name;
            if (!ProviderModel.KNOWN_PROVIDERS.contains(name)) {
                throw new ConfigException(label + ": unknown provider '" + name + "' (known: "
                        + new TreeSet<>(ProviderModel.KNOWN_PROVIDERS) + ")");
            }
            Fields f = providers.child(name);
            out.put(name, new LlmqSettings.ProviderLimits(f.get(LlmqKeys.PROVIDER_MAX_PARALLEL_REQUESTS),
                    f.get(LlmqKeys.PROVIDER_RPM), f.get(LlmqKeys.PROVIDER_TPM)));
            f.reportUnused(unsupported);
        }
        return out;
    }

    /** The {@code model_info.id} the entries give (as written), for naming a fallback that names one. */
    private static Set<String> explicitIds(JsonNode list) {
        Set<String> ids = new java.util.HashSet<>();
        for (JsonNode entry : list) {
            JsonNode id = entry == null ? null : entry.path("model_info").get("id");
            if (id != null && id.isValueNode()) {
                ids.add(id.asText());
            }
        }
        return ids;
    }

    /**
     * Each fallback names model groups of {@code model_list}; an error names the key in the section its value was
     * taken from ({@code router_settings} or {@code litellm_settings}), so that it points at the line to fix.
     */
    private void validateFallbacks(RouterSettings s, RouterSettingsParser from, Set<String> groups,
                                          Set<String> ids) {
        check(from, "fallbacks", s.fallbacks(), groups, ids);
        check(from, "context_window_fallbacks", s.contextWindowFallbacks(), groups, ids);
        check(from, "content_policy_fallbacks", s.contentPolicyFallbacks(), groups, ids);
        for (String g : s.defaultFallbacks()) {
            if (!groups.contains(g)) {
                throw new ConfigException(from.sectionOf("default_fallbacks") + ".default_fallbacks: fallback to "
                        + "model group '" + g
                        + "' which does not exist" + deploymentIdHint(g, ids));
            }
        }
    }

    /** Each alias names a model group of {@code model_list}, and is not one itself. */
    private void validateAliases(RouterSettings s, Set<String> groups) {
        s.modelGroupAlias().forEach((alias, group) -> {
            String label = "router_settings.model_group_alias (" + alias + ")";
            if (groups.contains(alias)) {
                throw new ConfigException(label + ": '" + alias + "' is a model group of model_list already; an "
                        + "alias must be a name no group has");
            }
            if (!groups.contains(group)) {
                throw new ConfigException(label + ": model group '" + group + "' does not exist" + (s.modelGroupAlias()
                        .containsKey(group) ? " ('" + group + "' is an alias: an alias names a model group)"
                        : deploymentIdHint(group, Set.of())));
            }
        });
    }

    /**
     * Each {@code model_group_retry_policy} key is a model group of {@code model_list}: a policy for a group that does
     * not exist would silently never apply (a typo, a group since renamed), so it is refused, as a fallback for one is.
     */
    private void validateGroupRetryPolicies(RouterSettings s, Set<String> groups) {
        for (String group : s.modelGroupRetryPolicy().keySet()) {
            if (!groups.contains(group)) {
                String alias = s.modelGroupAlias().get(group);
                throw new ConfigException("router_settings.model_group_retry_policy: model group '" + group
                        + "' does not exist" + (alias == null ? modeHint(group) : " ('" + group + "' is an alias of '"
                        + alias + "': key the policy by the model group)"));
            }
        }
    }

    /** Each group {@code llmq.model_groups} sets timeouts for is a model group of {@code model_list}. */
    private void validateGroupTimeouts(Set<String> named, Set<String> groups) {
        for (String g : named) {
            if (!groups.contains(g)) {
                throw new ConfigException("llmq.model_groups: '" + g + "' is not a model group in model_list"
                        + modeHint(g));
            }
        }
    }

    /** Why {@code name} is no model group when its every deployment was left out for its mode, else "". */
    private String modeHint(String name) {
        return otherModeGroups.containsKey(name) ? " ('" + name + "' has only deployments of model_info.mode "
                + otherModeGroups.get(name) + ", which llmq leaves out: it runs chat completions only)" : "";
    }

    private void check(RouterSettingsParser from, String name, Map<String, List<String>> fallbacks,
                              Set<String> groups, Set<String> ids) {
        if (fallbacks == null) {
            return; // unset: the generic fallbacks apply
        }
        String key = from.sectionOf(name) + "." + name;
        fallbacks.forEach((group, tos) -> {
            if (!group.equals(RouterSettings.ANY_GROUP) && !groups.contains(group)) {
                throw new ConfigException(key + ": fallbacks for model group '" + group
                        + "' which does not exist" + deploymentIdHint(group, ids));
            }
            for (String to : tos) {
                if (!groups.contains(to)) {
                    throw new ConfigException(key + " (" + group + "): fallback to model group '"
                            + to + "' which does not exist" + deploymentIdHint(to, ids));
                }
            }
        });
    }

    /**
     * LiteLLM lets a fallback name a deployment ({@code model_info.id}) instead of a model group; llmq falls back to
     * model groups only, and says so when a name is a deployment's id.
     */
    private String deploymentIdHint(String name, Set<String> ids) {
        if (otherModeGroups.containsKey(name)) {
            return modeHint(name);
        }
        return ids.contains(name) ? " ('" + name + "' is a deployment's model_info.id: llmq falls back to model groups "
                + "only, so add an entry with that deployment's litellm_params under a model_name of its own and "
                + "name that group)" : "";
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }


    private record GroupTimeouts(Duration timeout, Duration streamTimeout) {
        static final GroupTimeouts NONE = new GroupTimeouts(null, null);
    }
}
