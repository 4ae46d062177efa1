package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.provider.ErrorKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shapes of LiteLLM proxy configs that mean something in LiteLLM: llmq either does the same or refuses them with a
 * message that says what to write instead, never takes them in a meaning of its own.
 */
class LiteLlmConfigShapesTest {

    private static final String GROUPS = """
            model_list:
              - model_name: gpt-4o
                litellm_params: { model: openai/gpt-4o }
                model_info: { id: gpt-4o-primary }
              - model_name: claude
                litellm_params: { model: anthropic/claude-sonnet-4-5 }
            """;

    @Test
    void aFallbacksEntryForAnyGroupIsLiteLlmsGenericFallback() {
        LlmqConfig c = ConfigLoader.parse(GROUPS + "router_settings:\n  fallbacks: [{ '*': [claude] }]\n", Map.of());

        assertThat(c.router().genericFallbacksOf("gpt-4o")).containsExactly("claude");
        assertThat(c.router().contextWindowFallbacksOf("gpt-4o")).as("unset: the generic ones")
                .containsExactly("claude");
    }

    @Test
    void modelGroupAliasesAreReadInBothOfLiteLlmsShapes() {
        LlmqConfig c = ConfigLoader.parse(GROUPS + """
                router_settings:
                  model_group_alias: { gpt-4: gpt-4o, sonnet: { model: claude }, opus: { model: claude, hidden: false } }
                """, Map.of());

        assertThat(c.router().modelGroupAlias()).containsExactly(Map.entry("gpt-4", "gpt-4o"),
                Map.entry("sonnet", "claude"), Map.entry("opus", "claude"));
        assertThat(c.router().modelGroupOf("gpt-4")).isEqualTo("gpt-4o");
        assertThat(c.router().modelGroupOf("claude")).isEqualTo("claude");
        assertThat(c.jobModels()).containsExactly("gpt-4o", "claude", "gpt-4", "sonnet", "opus");
        assertThat(c.unsupportedKeys()).isEmpty();
        assertThat(ConfigLoader.parse(GROUPS + "router_settings: { model_group_alias: { gpt-4: gpt-4o } }\n",
                Map.of(), ConfigScope.NAMES).jobModels()).as("an ingest's names").contains("gpt-4");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{ gpt-4: gpt-5 }|model group 'gpt-5' does not exist",
        "{ claude: gpt-4o }|'claude' is a model group of model_list already",
        "{ a: gpt-4o, b: a }|model group 'a' does not exist ('a' is an alias: an alias names a model group)",
        "{ gpt-4: { model: gpt-4o, hidden: true } }|hidden: true is not supported",
        "{ gpt-4: { name: gpt-4o } }|expected the name of a model group",
        "{ gpt-4: { model: gpt-4o, ttl: 1 } }|unknown key 'ttl'",
        "[gpt-4o]|expected a map of {alias: model group}"})
    void aliasesThatCannotWorkAreRefusedSayingWhy(String aliasAndProblem) {
        String[] parts = aliasAndProblem.split("\\|");
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + "router_settings:\n  model_group_alias: " + parts[0]
                + "\n", Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining(parts[1]);
    }

    @Test
    void aFallbacksEntryForAnyGroupAndDefaultFallbacksTogetherAreRefused() {
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + """
                router_settings:
                  fallbacks: [{ '*': [claude] }]
                  default_fallbacks: [gpt-4o]
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("default_fallbacks is set too").hasMessageContaining("keep one");
    }

    @Test
    void aListOfGroupsAsFallbacksPointsToDefaultFallbacks() {
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + "litellm_settings:\n  fallbacks: [claude]\n",
                Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("litellm_settings: fallbacks: expected a list of {model_group: "
                        + "[fallback groups]} maps, got the group 'claude' alone")
                .hasMessageContaining("default_fallbacks: [claude, ...]");
    }

    /**
     * LiteLLM's proxy sets litellm_settings on the module and builds its Router from router_settings, each Router
     * setting taking the module's only when it has none: the litellm_settings copy is overridden, not unsupported.
     */
    @Test
    void aFallbackSetInBothSectionsIsTakenFromRouterSettingsAndTheOtherNotedAsOverridden() {
        for (ConfigScope scope : ConfigScope.values()) {
            LlmqConfig c = ConfigLoader.parse(GROUPS + """
                    router_settings: { fallbacks: [{ gpt-4o: [claude] }], num_retries: 1 }
                    litellm_settings: { fallbacks: [{ claude: [gpt-4o] }], num_retries: 4 }
                    """, Map.of(), scope);

            assertThat(c.router().fallbacks()).as("%s", scope).containsOnlyKeys("gpt-4o");
            assertThat(c.router().numRetries()).isEqualTo(1);
            assertThat(c.unsupportedKeys()).as("%s", scope).isEmpty();
            assertThat(c.notes()).as("%s", scope).containsExactly(
                    "litellm_settings.num_retries: no effect, overridden by router_settings.num_retries (as in "
                            + "LiteLLM, router_settings wins over litellm_settings)",
                    "litellm_settings.fallbacks: no effect, overridden by router_settings.fallbacks (as in "
                            + "LiteLLM, router_settings wins over litellm_settings)");
        }
    }

    /** LiteLLM's Router takes litellm_settings.request_timeout only when it is given no timeout: so does llmq. */
    @Test
    void aRequestTimeoutThatRouterSettingsOverridesIsNotedAsTheOtherOverridesAre() {
        LlmqConfig c = ConfigLoader.parse(GROUPS + """
                router_settings: { timeout: 30 }
                litellm_settings: { request_timeout: 90 }
                """, Map.of());

        assertThat(c.router().timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.unsupportedKeys()).isEmpty();
        assertThat(c.notes()).containsExactly("litellm_settings.request_timeout: no effect, overridden by "
                + "router_settings.timeout (as in LiteLLM, router_settings wins over litellm_settings)");
        assertThat(ConfigLoader.parse(GROUPS + "litellm_settings: { request_timeout: 90 }\n", Map.of()).router()
                .timeout()).as("alone, it applies").isEqualTo(Duration.ofSeconds(90));
    }

    /**
     * LiteLLM's Router reads fallbacks, default_fallbacks, the typed fallbacks, timeout and cooldown_time as
     * {@code router value or module value}: an empty list or 0 in router_settings is unset, and the litellm_settings
     * copy applies (said in a note). num_retries and allowed_fails it reads with {@code is not None}: 0 stays. llmq
     * took the empty value as set and the other copy as overridden.
     */
    @Test
    void anEmptyListOrZeroInRouterSettingsIsUnsetWhereLiteLlmReadsItWithOr() {
        LlmqConfig c = ConfigLoader.parse(GROUPS + """
                router_settings: { fallbacks: [], default_fallbacks: [], context_window_fallbacks: [], timeout: 0,
                                   cooldown_time: 0, num_retries: 0, allowed_fails: 0 }
                litellm_settings: { fallbacks: [{ gpt-4o: [claude] }], default_fallbacks: [claude],
                                    context_window_fallbacks: [{ claude: [gpt-4o] }], request_timeout: 90,
                                    cooldown_time: 7, num_retries: 4, allowed_fails: 3 }
                """, Map.of());

        RouterSettings r = c.router();
        assertThat(r.fallbacks()).containsOnlyKeys("gpt-4o");
        assertThat(r.defaultFallbacks()).containsExactly("claude");
        assertThat(r.contextWindowFallbacks()).containsOnlyKeys("claude");
        assertThat(r.timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(r.cooldownTime()).isEqualTo(Duration.ofSeconds(7));
        assertThat(r.numRetries()).isZero();
        assertThat(r.allowedFails()).isZero();
        assertThat(c.unsupportedKeys()).isEmpty();
        assertThat(c.notes()).contains("router_settings.fallbacks: [] is taken as unset, as LiteLLM does "
                + "(router_settings.fallbacks or litellm_settings.fallbacks), so litellm_settings.fallbacks applies",
                "router_settings.timeout: 0 is taken as unset, as LiteLLM does (router_settings.timeout or "
                        + "litellm_settings.request_timeout), so litellm_settings.request_timeout applies",
                "litellm_settings.num_retries: no effect, overridden by router_settings.num_retries (as in LiteLLM, "
                        + "router_settings wins over litellm_settings)");

        LlmqConfig alone = ConfigLoader.parse(GROUPS + """
                router_settings: { fallbacks: [{ gpt-4o: [claude] }], content_policy_fallbacks: [], timeout: 0 }
                """, Map.of());
        assertThat(alone.router().contentPolicyFallbacks()).as("unset: the generic fallbacks apply").isNull();
        assertThat(alone.router().contentPolicyFallbacksOf("gpt-4o")).containsExactly("claude");
        assertThat(alone.router().timeout()).isNull();
        assertThat(alone.notes()).containsExactly("router_settings.content_policy_fallbacks: [] is taken as unset, "
                + "as LiteLLM does (router_settings.content_policy_fallbacks or "
                + "litellm_settings.content_policy_fallbacks), so such errors go to the generic fallbacks");
    }

    /** A fallback to a group that does not exist names the section the fallbacks were read from. */
    @ParameterizedTest
    @ValueSource(strings = {"fallbacks", "context_window_fallbacks", "content_policy_fallbacks"})
    void aFallbackErrorNamesTheSectionItCameFrom(String key) {
        for (String section : List.of("router_settings", "litellm_settings")) {
            String yaml = GROUPS + section + ":\n  " + key + ": [{ claude: [gpt-5] }]\n";
            assertThatThrownBy(() -> ConfigLoader.parse(yaml, Map.of())).as(section).isInstanceOf(ConfigException.class)
                    .hasMessage(section + "." + key + " (claude): fallback to model group 'gpt-5' which does not "
                            + "exist");
        }
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + "litellm_settings:\n  default_fallbacks: [gpt-5]\n",
                Map.of())).isInstanceOf(ConfigException.class)
                .hasMessage("litellm_settings.default_fallbacks: fallback to model group 'gpt-5' which does not exist");
    }

    /**
     * LiteLLM's model_info.mode: llmq runs chat completions only, so a deployment of another mode is left out of
     * routing (it would be sent chat jobs it cannot answer), and a group left without one is no group, in every scope.
     */
    @Test
    void aDeploymentWhoseModeIsNotChatIsLeftOutAndSaidSo() {
        String yaml = GROUPS + """
                  - model_name: embed
                    litellm_params: { model: openai/text-embedding-3-small, api_key: os.environ/UNSET_EMBED_KEY }
                    model_info: { mode: embedding, id: embed-1 }
                  - model_name: gpt-4o
                    litellm_params: { model: openai/gpt-image-1 }
                    model_info: { mode: image_generation, id: image-1 }
                  - model_name: legacy
                    litellm_params: { model: openai/gpt-3.5-turbo-instruct }
                    model_info: { mode: completion, id: legacy-1 }
                  - model_name: chatty
                    litellm_params: { model: openai/gpt-4o-mini }
                    model_info: { mode: Chat, id: chatty-1 }
                """;
        for (ConfigScope scope : ConfigScope.values()) {
            LlmqConfig c = ConfigLoader.parse(yaml, Map.of(), scope);

            assertThat(c.modelGroups()).as("%s", scope).containsExactly("gpt-4o", "claude", "legacy", "chatty");
            assertThat(c.jobModels()).as("%s", scope).doesNotContain("embed");
            assertThat(c.unsupportedKeys()).as("%s", scope).isEmpty();
            assertThat(c.notes()).as("%s", scope).containsExactly(
                    "model group embed: deployment embed-1 (model_list[2]) has model_info.mode embedding; llmq runs "
                            + "chat completions only, so it is left out",
                    "model group gpt-4o: deployment image-1 (model_list[3]) has model_info.mode image_generation; "
                            + "llmq runs chat completions only, so it is left out",
                    "model group embed: no deployment left, so jobs cannot name it and GET /v1/models does not "
                            + "list it");
        }
        assertThat(ConfigLoader.parse(yaml, Map.of()).deployments()).extracting(Deployment::id)
                .hasSize(4).contains("gpt-4o-primary", "legacy-1", "chatty-1").doesNotContain("embed-1", "image-1");
    }

    @Test
    void aConfigWithoutAChatDeploymentIsRefused() {
        assertThatThrownBy(() -> ConfigLoader.parse("""
                model_list:
                  - model_name: embed
                    litellm_params: { model: openai/text-embedding-3-small }
                    model_info: { mode: embedding }
                """, Map.of(), ConfigScope.NAMES)).isInstanceOf(ConfigException.class)
                .hasMessage("model_list: no entry is a chat deployment (each has a model_info.mode other than chat or "
                        + "completion, such as embedding): llmq runs chat completions only");
    }

    /** A fallback to a group whose every deployment is left out for its mode says why the group is missing. */
    @Test
    void aFallbackToAGroupLeftOutForItsModeSaysWhy() {
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + """
                  - model_name: embed
                    litellm_params: { model: openai/text-embedding-3-small }
                    model_info: { mode: embedding }
                router_settings: { fallbacks: [{ gpt-4o: [embed] }] }
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessage("router_settings.fallbacks (gpt-4o): fallback to model group 'embed' which does not exist "
                        + "('embed' has only deployments of model_info.mode embedding, which llmq leaves out: it runs "
                        + "chat completions only)");
    }

    /**
     * A group retry policy or llmq.model_groups entry for a group whose every deployment is left out for its mode says
     * why, as a fallback to it does, in every scope; they used to say only that the group does not exist.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "router_settings: { model_group_retry_policy: { embed: { TimeoutErrorRetries: 1 } } }|"
                + "router_settings.model_group_retry_policy: model group 'embed' does not exist",
        "llmq: { model_groups: { embed: { timeout: 5 } } }|"
                + "llmq.model_groups: 'embed' is not a model group in model_list"})
    void aGroupSettingForAGroupLeftOutForItsModeSaysWhy(String settingAndError) {
        String[] parts = settingAndError.split("\\|");
        String yaml = GROUPS + """
                  - model_name: embed
                    litellm_params: { model: openai/text-embedding-3-small }
                    model_info: { mode: embedding }
                """ + parts[0] + "\n";
        for (ConfigScope scope : ConfigScope.values()) {
            assertThatThrownBy(() -> ConfigLoader.parse(yaml, Map.of(), scope)).as("%s", scope)
                    .isInstanceOf(ConfigException.class).hasMessage(parts[1] + " ('embed' has only deployments of "
                            + "model_info.mode embedding, which llmq leaves out: it runs chat completions only)");
        }
    }

    /** LiteLLM lets a fallback name a deployment's model_info.id; llmq falls back to groups and says so. */
    @Test
    void aFallbackToADeploymentIdSaysThatFallbacksNameGroups() {
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + "router_settings:\n"
                + "  fallbacks: [{ claude: [gpt-4o-primary] }]\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("fallback to model group 'gpt-4o-primary' which does not exist "
                        + "('gpt-4o-primary' is a deployment's model_info.id: llmq falls back to model groups only");
    }

    /**
     * LiteLLM's wildcard routing: an entry whose model_name or model has a '*' takes every model a request names that
     * matches it. llmq took '*' as a group's literal name and would have sent '*' to the provider as the model.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "- model_name: '*'\n    litellm_params: { model: '*' }",
        "- model_name: 'openai/*'\n    litellm_params: { model: 'openai/*', api_key: os.environ/OPENAI_API_KEY }",
        "- model_name: claude-any\n    litellm_params: { model: 'anthropic/*' }"})
    void wildcardEntriesAreRefusedWithWhatToWriteInstead(String entry) {
        String yaml = "model_list:\n  " + entry + "\n";
        for (ConfigScope scope : ConfigScope.values()) {
            assertThatThrownBy(() -> ConfigLoader.parse(yaml, Map.of("OPENAI_API_KEY", "sk-x"), scope))
                    .as("%s", scope).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("model_list[0] (model_name: ")
                    .hasMessageContaining("is a wildcard, LiteLLM's pattern routing, which llmq does not support")
                    .hasMessageContaining("list each model as an entry of its own");
        }
    }

    /**
     * LiteLLM's proxy sets the variables of its environment_variables section before it resolves os.environ/NAME;
     * llmq reads no secret from the file, and says so when a reference is unset because of that.
     */
    @Test
    void anUnsetVariableThatTheEnvironmentVariablesSectionSetsIsExplained() {
        String yaml = """
                environment_variables:
                  AZURE_API_KEY: not-a-real-key
                model_list:
                  - model_name: gpt-4o
                    litellm_params: { model: azure/gpt-4o-eu, api_key: os.environ/AZURE_API_KEY,
                                      api_base: 'https://eu.openai.azure.com', api_version: '2024-10-21' }
                """;
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("api_key: environment variable AZURE_API_KEY is not set (the file's "
                        + "environment_variables section sets it, which is LiteLLM's and not read by llmq: set "
                        + "AZURE_API_KEY in the environment instead)")
                .satisfies(e -> assertThat(((ConfigException) e).unsetVariable()).isEqualTo("AZURE_API_KEY"));

        LlmqConfig set = ConfigLoader.parse(yaml, Map.of("AZURE_API_KEY", "from-the-environment"));
        assertThat(set.deployments().getFirst().target().apiKey()).isEqualTo("from-the-environment");
        assertThat(set.unsupportedKeys()).containsExactly("environment_variables");
    }

    @Test
    void tagFilteringThatNeedsEveryTagIsRefused() {
        String base = GROUPS + "router_settings: { enable_tag_filtering: true, tag_filtering_match_any: ";
        assertThat(ConfigLoader.parse(base + "true }\n", Map.of()).unsupportedKeys()).isEmpty();
        assertThatThrownBy(() -> ConfigLoader.parse(base + "false }\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("router_settings.tag_filtering_match_any must be true: llmq routes a job to "
                        + "the deployments sharing any one of its tags");
    }

    /**
     * LiteLLM's config_settings.md example allows 10000 rate limit errors a minute before a cooldown; llmq cools a
     * deployment at once on a 429 (the group having another), 401 or 404, so such an allowance is reported as having
     * no effect instead of being accepted silently.
     */
    @Test
    void allowancesForErrorsThatCoolAtOnceAreReportedAsWithoutEffect() {
        LlmqConfig c = ConfigLoader.parse(GROUPS + """
                router_settings:
                  allowed_fails_policy: { RateLimitErrorAllowedFails: 10000, AuthenticationErrorAllowedFails: 10,
                                          TimeoutErrorAllowedFails: 12, not_found: 3 }
                """, Map.of());

        assertThat(c.unsupportedKeys()).containsExactly(
                "router_settings.allowed_fails_policy.RateLimitErrorAllowedFails",
                "router_settings.allowed_fails_policy.not_found");
        assertThat(c.router().allowedFailsPolicy()).containsEntry(ErrorKind.TIMEOUT, 12)
                .containsEntry(ErrorKind.PERMISSION_DENIED, 10);
    }

    /**
     * LiteLLM's default_max_parallel_requests, in LiteLLM's order: a deployment's own max_parallel_requests first;
     * the default only where the deployment sets no rpm or tpm either (LiteLLM would cap those at their rpm, llmq
     * enforces them as rates).
     */
    @Test
    void defaultMaxParallelRequestsCapsTheDeploymentsWithoutALimitOfTheirOwn() {
        LlmqConfig c = ConfigLoader.parse("""
                model_list:
                  - { model_name: g, model_info: { id: own },
                      litellm_params: { model: openai/a, max_parallel_requests: 2 } }
                  - { model_name: g, litellm_params: { model: openai/b, rpm: 60 }, model_info: { id: rpm } }
                  - { model_name: g, litellm_params: { model: openai/c, tpm: 1000 }, model_info: { id: tpm } }
                  - { model_name: g, litellm_params: { model: openai/d }, model_info: { id: none } }
                router_settings: { default_max_parallel_requests: 4 }
                """, Map.of());

        assertThat(c.deployments()).extracting(Deployment::maxParallelRequests).containsExactly(2, null, null, 4);
        assertThat(c.unsupportedKeys()).isEmpty();
        Router r = new Router(c, MutableClock.atMinuteStart(), new java.util.SplittableRandom(1),
                new Fakes.ClockSleeper(MutableClock.atMinuteStart()), PriceLookup.NONE);
        Deployment none = c.deployments().getLast();
        for (int i = 0; i < 4; i++) {
            assertThat(r.health().tryAcquire(none, 0, false, new Rejection.Cause[1])).isNotNull();
        }
        Rejection.Cause[] denied = new Rejection.Cause[1];
        assertThat(r.health().tryAcquire(none, 0, false, denied)).isNull();
        assertThat(denied[0]).isEqualTo(Rejection.Cause.PARALLEL_LIMIT);
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + "router_settings: { default_max_parallel_requests: 0 }\n",
                Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("default_max_parallel_requests must be >= 1, got 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "router_settings: { max_fallbacks: 0 }|router_settings: max_fallbacks: must be >= 1, got 0 (for no "
                + "fallbacks, set none)",
        "litellm_settings: { max_fallbacks: -2 }|litellm_settings: max_fallbacks: must be >= 1, got -2",
        "router_settings: { max_fallbacks: 2.5 }|max_fallbacks: expected a whole number, got 2.5",
        "router_settings: { max_fallbacks: many }|max_fallbacks: expected a number, got 'many'"})
    void maxFallbacksThatIsNotAPositiveWholeNumberIsRefused(String settingsAndProblem) {
        String[] parts = settingsAndProblem.split("\\|");
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + parts[0] + "\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining(parts[1]);
    }

    @Test
    void aModelGroupsRetryPolicyIsReadAsRetryPolicyIs() {
        LlmqConfig c = ConfigLoader.parse(GROUPS + """
                router_settings:
                  retry_policy: { RateLimitErrorRetries: 5 }
                  model_group_retry_policy: { claude: { RateLimitErrorRetries: 1, timeout: 0 }, gpt-4o: {} }
                """, Map.of());

        assertThat(c.router().retryPolicyOf("claude")).containsOnly(Map.entry(ErrorKind.RATE_LIMITED, 1),
                Map.entry(ErrorKind.QUOTA_EXHAUSTED, 1), Map.entry(ErrorKind.TIMEOUT, 0));
        assertThat(c.router().retriesFor("gpt-4o", ErrorKind.RATE_LIMITED)).as("an empty policy of its own: "
                + "num_retries").isEqualTo(RouterSettings.DEFAULT_NUM_RETRIES);
        assertThat(c.unsupportedKeys()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{ gpt-5: { RateLimitErrorRetries: 1 } }|router_settings.model_group_retry_policy: model group 'gpt-5' does "
                + "not exist",
        "{ gpt-4: { RateLimitErrorRetries: 1 } }|model group 'gpt-4' does not exist ('gpt-4' is an alias of "
                + "'gpt-4o': key the policy by the model group)",
        "{ claude: { RateLimitErrors: 1 } }|model_group_retry_policy: claude: RateLimitErrors: unknown error kind",
        "{ claude: { TimeoutErrorRetries: -1 } }|TimeoutErrorRetries: expected a count >= 0",
        "{ claude: 3 }|claude: expected a retry policy such as {RateLimitErrorRetries: 3}",
        "[claude]|model_group_retry_policy: expected a map of {model group: retry policy}"})
    void groupRetryPoliciesThatCannotApplyAreRefusedSayingWhy(String policyAndProblem) {
        String[] parts = policyAndProblem.split("\\|");
        for (ConfigScope scope : ConfigScope.values()) {
            assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + "router_settings:\n  model_group_alias: "
                    + "{ gpt-4: gpt-4o }\n  model_group_retry_policy: " + parts[0] + "\n", Map.of(), scope))
                    .as("%s", scope).isInstanceOf(ConfigException.class).hasMessageContaining(parts[1]);
        }
    }

    /**
     * LiteLLM looks a group up in context_window_fallbacks and content_policy_fallbacks by its exact name (a '*' entry
     * stands for every group in fallbacks only): a group with no entry of its own there goes nowhere after such an
     * error. llmq took a '*' entry there for every group; it now drops it, with a note saying so.
     */
    @Test
    void typedFallbacksMatchAGroupByItsOwnNameOnly() {
        LlmqConfig c = ConfigLoader.parse(GROUPS + """
                router_settings:
                  fallbacks: [{ gpt-4o: [claude] }]
                  context_window_fallbacks: [{ '*': [claude] }, { claude: [gpt-4o] }]
                litellm_settings:
                  content_policy_fallbacks: []
                """, Map.of());

        assertThat(c.router().contextWindowFallbacksOf("gpt-4o")).isEqualTo(List.of());
        assertThat(c.router().contextWindowFallbacksOf("claude")).containsExactly("gpt-4o");
        assertThat(c.router().contentPolicyFallbacksOf("gpt-4o")).isEqualTo(List.of());
        assertThat(c.notes()).containsExactly("router_settings.context_window_fallbacks: the '*' entry has no "
                + "effect: as LiteLLM, llmq looks a group up in this list by its own name only ('*' stands for every "
                + "group in fallbacks alone), so give each group its entry");
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + "router_settings:\n  content_policy_fallbacks: "
                + "[claude]\n", Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("this list takes an entry per model group, by its name: "
                        + "[{<model group>: [claude]}]");
    }
}
