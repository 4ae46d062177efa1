package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.provider.ErrorKind;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    private static final Map<String, String> ENV = Map.of(
            "OPENAI_API_KEY", "sk-openai-secret", "AZURE_API_KEY", "az-secret",
            "AZURE_API_KEY_EU", "eu-secret", "AZURE_API_KEY_CA", "ca-secret",
            "ANTHROPIC_API_KEY", "ant-secret", "GEMINI_API_KEY", "gem-secret");

    static Path resource(String name) {
        try {
            return Path.of(ConfigLoaderTest.class.getResource("/configs/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void loadsALiteLlmProxyConfigUnchanged() {
        LlmqConfig c = ConfigLoader.load(resource("litellm-proxy.yaml"), ENV);

        assertThat(c.modelGroups()).containsExactly("gpt-4o", "claude-sonnet", "gemini-flash", "llama3");
        assertThat(c.unsupportedKeys()).isEmpty();
        Deployment eu = c.deployments().get(0);
        assertThat(eu.target().provider()).isEqualTo("azure");
        assertThat(eu.target().model()).isEqualTo("gpt-4o-eu");
        assertThat(eu.target().apiKey()).isEqualTo("eu-secret");
        assertThat(eu.target().apiVersion()).isEqualTo("2024-10-21");
        assertThat(eu.target().apiBase()).isEqualTo(URI.create("https://my-endpoint-europe.openai.azure.com/"));
        assertThat(eu.target().dropParams()).isTrue();
        assertThat(eu.target().timeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(eu.rpm()).isEqualTo(6L);
        assertThat(eu.baseModel()).isEqualTo("azure/gpt-4o");
        Deployment openai = c.deployments().get(2);
        assertThat(openai.target().timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(openai.target().streamIdleTimeout()).isEqualTo(Duration.ofSeconds(10));
        Deployment llama = c.deploymentsOf("llama3").getFirst();
        assertThat(llama.target().provider()).isEqualTo("hosted_vllm");
        assertThat(llama.target().model()).isEqualTo("meta-llama/Meta-Llama-3-8B-Instruct");
        assertThat(llama.inputCostPerToken()).isEqualTo(1e-7);
        assertThat(c.deploymentsOf("claude-sonnet").getFirst().maxParallelRequests()).isEqualTo(8);

        RouterSettings r = c.router();
        assertThat(r.routingStrategy()).isEqualTo(RoutingStrategy.USAGE_BASED);
        assertThat(r.numRetries()).isEqualTo(3);
        assertThat(r.allowedFails()).isEqualTo(3);
        assertThat(r.cooldownTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(r.enablePreCallChecks()).isTrue();
        assertThat(r.enableTagFiltering()).isTrue();
        assertThat(RouterSettings.DEFAULTS.enableTagFiltering()).as("LiteLLM's default").isFalse();
        assertThat(r.fallbacks()).containsExactly(Map.entry("gpt-4o", List.of("claude-sonnet")));
        assertThat(r.contextWindowFallbacks()).containsExactly(Map.entry("gpt-4o", List.of("gemini-flash")));
        assertThat(c.llmq()).isEqualTo(LlmqSettings.DEFAULTS);
    }

    @Test
    void readsEveryLlmqKeyAndReportsUnsupportedOnes() {
        LlmqConfig c = ConfigLoader.load(resource("llmq-full.yaml"), ENV);

        assertThat(c.unsupportedKeys()).containsExactlyInAnyOrder(
                "model_list[2].litellm_params.vertex_project", "router_settings.redis_host",
                "litellm_settings.success_callback", "general_settings", "llmq.telemetry");
        Deployment a = c.deployments().get(0);
        assertThat(a.id()).isEqualTo("mini-a");
        assertThat(a.weight()).isEqualTo(2.0);
        assertThat(a.rpm()).isEqualTo(600L);
        assertThat(a.tpm()).isEqualTo(200_000L);
        assertThat(a.order()).isEqualTo(1);
        assertThat(a.tags()).containsExactly("fast", "default");
        assertThat(a.maxParallelRequests()).isEqualTo(32);
        assertThat(a.maxInputTokens()).isEqualTo(128_000);
        assertThat(a.target().timeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(a.target().streamIdleTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(a.target().extraHeaders()).containsEntry("X-Team", "research");
        Deployment b = c.deployments().get(1);
        assertThat(b.mockResponse()).isEqualTo("hello from the mock");
        assertThat(b.target().dropParams()).isFalse();
        Deployment azure = c.deployments().get(3);
        assertThat(azure.target().timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(azure.target().streamIdleTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(azure.target().extraHeaders()).containsEntry("X-Region", "eu");

        RouterSettings r = c.router();
        assertThat(r.routingStrategy()).isEqualTo(RoutingStrategy.LATENCY_BASED);
        assertThat(r.lowestLatencyBuffer()).isEqualTo(0.5);
        assertThat(r.latencyTtl()).isEqualTo(Duration.ofSeconds(600));
        assertThat(r.maxLatencyListSize()).isEqualTo(20);
        assertThat(r.retriesFor("gpt-4o", ErrorKind.RATE_LIMITED)).isEqualTo(4);
        assertThat(r.retriesFor("gpt-4o", ErrorKind.QUOTA_EXHAUSTED)).isEqualTo(4);
        assertThat(r.retriesFor("gpt-4o", ErrorKind.TIMEOUT)).isEqualTo(1);
        assertThat(r.retriesFor("gpt-4o", ErrorKind.SERVER_ERROR)).isEqualTo(2);
        assertThat(r.retriesFor("gpt-4o", ErrorKind.INVALID_REQUEST)).isZero();
        assertThat(r.allowedFailsPolicy()).containsEntry(ErrorKind.SERVER_ERROR, 2);
        assertThat(r.defaultFallbacks()).containsExactly("gpt-4o-mini");
        assertThat(r.contentPolicyFallbacks()).containsKey("gpt-4o");

        LlmqSettings l = c.llmq();
        assertThat(l.kafka()).containsExactly(Map.entry("bootstrap.servers", "127.0.0.1:9092"),
                Map.entry("compression.type", "zstd"));
        assertThat(l.topics()).isEqualTo(new LlmqSettings.Topics("acme", 12, (short) 3));
        assertThat(l.ingest().maxBodyBytes()).isEqualTo(1_048_576L);
        LlmqSettings.Worker d = LlmqSettings.Worker.DEFAULTS;
        assertThat(l.worker()).isEqualTo(new LlmqSettings.Worker(64, 0.5, 20, 128, d.maxQueueWait(),
                d.sessionTimeout(), d.heartbeatInterval(), d.shutdownTimeout(), d.handoffTimeout(), d.maxWaiting(),
                d.batchMinShare(), d.maxDeliveries(), d.awaitFirstStart(), d.responseLimits(),
                d.runningEventDelayMs()));
    }

    @Test
    void derivedIdsAreStableAndDistinct() {
        String yaml = """
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, api_key: k1 }
                  - model_name: g
                    litellm_params: { api_key: k2, model: openai/gpt-4o }
                """;
        LlmqConfig first = ConfigLoader.parse(yaml, Map.of());
        LlmqConfig again = ConfigLoader.parse(yaml.replace("{ api_key: k2, model: openai/gpt-4o }",
                "{ model: openai/gpt-4o, api_key: k2 }"), Map.of());
        assertThat(first.deployments()).extracting(Deployment::id).doesNotHaveDuplicates()
                .allMatch(id -> id.startsWith("g-"));
        assertThat(again.deployments()).extracting(Deployment::id)
                .isEqualTo(first.deployments().stream().map(Deployment::id).toList());
    }

    /**
     * A deployment's derived id (no {@code model_info.id}) names it, not how it is tuned: an edit of its budget,
     * limits, weight or prices keeps the id (its health, its budget's spend), one of its model, endpoint or key does
     * not; the usage aggregator (names scope) derives the same ids as the workers. An audit lowered a deployment's
     * {@code max_budget} below what it had spent and the budget was never reached: each edit made a new id.
     */
    @Test
    void aDerivedIdSurvivesEditsOfHowTheDeploymentIsTuned() {
        String yaml = """
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, api_base: "http://a/v1", api_key: k, max_budget: 5,
                                      budget_duration: 1d, rpm: 100 }
                """;
        String id = onlyId(yaml, ConfigScope.ROUTING);
        assertThat(onlyId(yaml, ConfigScope.NAMES)).isEqualTo(id);
        for (String tuned : List.of(yaml.replace("max_budget: 5", "max_budget: 1"),
                yaml.replace("budget_duration: 1d", "budget_duration: 1mo"), yaml.replace("rpm: 100", "rpm: 5"),
                yaml.replace("rpm: 100 }", "rpm: 100, weight: 3, order: 2, tpm: 9, timeout: 30, tags: [x],"
                        + " input_cost_per_token: 0.1, output_cost_per_token: 0.2 }"))) {
            assertThat(onlyId(tuned, ConfigScope.ROUTING)).as(tuned).isEqualTo(id);
            assertThat(onlyId(tuned, ConfigScope.NAMES)).as(tuned).isEqualTo(id);
        }
        for (String renamed : List.of(yaml.replace("http://a/v1", "http://b/v1"), yaml.replace("api_key: k,",
                "api_key: k2,"), yaml.replace("openai/gpt-4o", "openai/gpt-4o-mini"))) {
            assertThat(onlyId(renamed, ConfigScope.ROUTING)).as(renamed).isNotEqualTo(id);
        }
    }

    @Test
    void entriesOfAGroupThatDifferOnlyInTuningStillGetIdsOfTheirOwn() {
        String yaml = """
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, api_key: k, weight: 1 }
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, api_key: k, weight: 9 }
                  - model_name: h
                    litellm_params: { model: openai/gpt-4o, api_key: k, weight: 1 }
                """;
        List<String> routing = ConfigLoader.parse(yaml, Map.of(), ConfigScope.ROUTING).deployments().stream()
                .map(Deployment::id).toList();
        assertThat(routing).doesNotHaveDuplicates().hasSize(3);
    }

    private static String onlyId(String yaml, ConfigScope scope) {
        LlmqConfig config = ConfigLoader.parse(yaml, Map.of(), scope);
        return scope == ConfigScope.ROUTING ? config.deployments().getFirst().id()
                : config.llmq().budgets().getFirst().subject();
    }

    @Test
    void environmentOverridesKafkaProperties() {
        LlmqConfig c = ConfigLoader.parse("""
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o }
                llmq:
                  kafka: { bootstrap.servers: "file:9092", acks: all }
                """, Map.of("KAFKA_BOOTSTRAP_SERVERS", "env:9092", "LLMQ_KAFKA_LINGER_MS", "5"));
        assertThat(c.llmq().kafka()).containsEntry("bootstrap.servers", "env:9092").containsEntry("linger.ms", "5")
                .containsEntry("acks", "all");
    }

    @Test
    void deploymentToStringNeverShowsTheKey() {
        LlmqConfig c = ConfigLoader.load(resource("llmq-full.yaml"), ENV);
        assertThat(c.toString()).doesNotContain("sk-openai-secret").doesNotContain("az-secret");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown provider | - model_name: gpt-4o\\n  litellm_params: { model: foo/bar } | model_list[0] (model_name: gpt-4o): unknown provider 'foo' in model 'foo/bar'
            missing model_name | - litellm_params: { model: openai/gpt-4o } | model_list[0]: missing model_name
            missing model | - model_name: g\\n  litellm_params: { api_key: x } | model_list[0] (model_name: g): missing litellm_params.model
            no prefix | - model_name: g\\n  litellm_params: { model: llama3 } | model_list[0] (model_name: g): model 'llama3' has no provider prefix
            bad rpm | - model_name: g\\n  litellm_params: { model: openai/gpt-4o, rpm: lots } | model_list[0] (model_name: g): litellm_params: rpm: expected a number, got 'lots'
            negative weight | - model_name: g\\n  litellm_params: { model: openai/gpt-4o, weight: -1 } | model_list[0] (model_name: g): weight must be >= 0
            missing env | - model_name: g\\n  litellm_params: { model: openai/gpt-4o, api_key: os.environ/NOPE } | model_list[0] (model_name: g): litellm_params: api_key: environment variable NOPE is not set
            duplicate id | - model_name: g\\n  litellm_params: { model: openai/gpt-4o }\\n  model_info: { id: x }\\n- model_name: h\\n  litellm_params: { model: openai/gpt-4o }\\n  model_info: { id: x } | model_list[1] (model_name: h): duplicate deployment id 'x' (also used by model_list[0])
            """)
    void invalidEntriesAreNamed(String name, String entries, String message) {
        String yaml = "model_list:\n  " + entries.replace("\\n", "\n  ") + "\n";
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    /** A config brought from LiteLLM may name several providers llmq has no client for: one error names them all. */
    @Test
    void everyEntryOfAnUnknownProviderIsNamedInOneError() {
        String yaml = """
                model_list:
                  - model_name: a
                    litellm_params: { model: foo/x }
                  - model_name: b
                    litellm_params: { model: openai/gpt-4o }
                  - model_name: c
                    litellm_params: { model: Bar/y }
                """;
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model_list[0] (model_name: a): unknown provider 'foo' in model 'foo/x'; "
                        + "model_list[2] (model_name: c): unknown provider 'Bar' in model 'Bar/y'; known providers: [")
                .hasMessageContaining("openai");
    }

    @Test
    void workerGroupTimingsAreReadWithTheirDefaultsAndChecked() {
        String base = "model_list:\n  - model_name: g\n    litellm_params: { model: openai/gpt-4o }\nllmq:\n  worker: ";
        LlmqSettings.Worker set = ConfigLoader.parse(base
                + "{ session_timeout: 10, heartbeat_interval: 2.5, shutdown_timeout: 90, handoff_timeout: 0 }\n",
                Map.of()).llmq().worker();
        assertThat(set.sessionTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(set.heartbeatInterval()).isEqualTo(Duration.ofMillis(2500));
        assertThat(set.shutdownTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(set.handoffTimeout()).isZero();
        LlmqSettings.Worker defaults = ConfigLoader.parse(base + "{}\n", Map.of()).llmq().worker();
        assertThat(defaults.sessionTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(defaults.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.handoffTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> ConfigLoader.parse(base + "{ handoff_timeout: 3601 }\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("llmq.worker.handoff_timeout")
                .hasMessageContaining("must be in [0.0 s, 3600.0 s]");
        assertThatThrownBy(() -> ConfigLoader.parse(base + "{ session_timeout: 6, heartbeat_interval: 6 }\n",
                Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("llmq.worker.heartbeat_interval (6000 ms) must be below");
        assertThatThrownBy(() -> ConfigLoader.parse(base + "{ session_timeout: 0.5 }\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("llmq.worker.session_timeout");
    }

    @Test
    void ingestStatusStoreKeysAreReadWithTheirDefaultsAndChecked() {
        String base = "model_list:\n  - model_name: g\n    litellm_params: { model: openai/gpt-4o }\nllmq:\n  ingest: ";
        LlmqSettings.Ingest set = ConfigLoader.parse(base + "{ status_retention: 86400, state_dir: /var/lib/llmq/i1,"
                + " advertised_url: 'http://ingest-1:4000', max_file_bytes: 52428800 }\n", Map.of()).llmq().ingest();
        assertThat(set.statusRetention()).isEqualTo(Duration.ofDays(1));
        assertThat(set.maxFileBytes()).isEqualTo(50L * 1024 * 1024);
        assertThat(set.stateDir()).isEqualTo("/var/lib/llmq/i1");
        assertThat(set.advertisedUrl()).isEqualTo("http://ingest-1:4000");
        LlmqSettings.Ingest defaults = ConfigLoader.parse(base + "{}\n", Map.of()).llmq().ingest();
        assertThat(defaults.statusRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(defaults.stateDir()).isNull();
        assertThat(defaults.advertisedUrl()).isNull();
        assertThat(defaults.maxFileBytes()).as("OpenAI's limit for a batch file").isEqualTo(200L * 1024 * 1024);
        assertThatThrownBy(() -> ConfigLoader.parse(base + "{ max_file_bytes: 100 }\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("llmq.ingest.max_file_bytes");
        assertThatThrownBy(() -> ConfigLoader.parse(base + "{ advertised_url: 'ingest-1:4000' }\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("llmq.ingest.advertised_url");
        assertThatThrownBy(() -> ConfigLoader.parse(base + "{ status_retention: 0 }\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("llmq.ingest.status_retention");
    }

    @Test
    void fallbackToAMissingGroupFails() {
        assertThatThrownBy(() -> ConfigLoader.parse("""
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o }
                router_settings:
                  fallbacks: [{ g: [nowhere] }]
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessage("router_settings.fallbacks (g): fallback to model group 'nowhere' which does not exist");
    }

    /** LiteLLM's per-deployment parameter lists: read (not "unsupported"), checked, kept on the target. */
    @Test
    void additionalDropParamsAndAllowedOpenAiParamsAreReadAndChecked() {
        LlmqConfig c = ConfigLoader.parse("""
                model_list:
                  - model_name: g
                    litellm_params:
                      model: hosted_vllm/llama-3
                      api_base: http://127.0.0.1:8000/v1
                      additional_drop_params: [logit_bias, "tools[*].input_examples"]
                      allowed_openai_params: [seed]
                """, Map.of());
        assertThat(c.unsupportedKeys()).isEmpty();
        assertThat(c.deployments().get(0).target().additionalDropParams())
                .containsExactly("logit_bias", "tools[*].input_examples");
        assertThat(c.deployments().get(0).target().allowedOpenAiParams()).containsExactly("seed");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, additional_drop_params: ["tools[x].a"] }
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("additional_drop_params").hasMessageContaining("'tools[x].a' is not a field");
        assertThatThrownBy(() -> ConfigLoader.parse("""
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, allowed_openai_params: [response_format.type] }
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'response_format.type' is not a top-level parameter name");
    }

    /** LiteLLM's organization: OpenAI's OpenAI-Organization header, unless the deployment's headers set one. */
    @Test
    void organizationBecomesOpenAisHeader() {
        LlmqConfig c = ConfigLoader.parse("""
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, organization: org-abc }
                  - model_name: g
                    litellm_params:
                      { model: openai/gpt-4o-mini, organization: org-abc, headers: { openai-organization: org-b } }
                  - model_name: c
                    litellm_params: { model: anthropic/claude-sonnet-4-5, organization: org-abc }
                """, Map.of());
        assertThat(c.deployments().get(0).target().extraHeaders()).containsExactly(
                Map.entry("OpenAI-Organization", "org-abc"));
        assertThat(c.deployments().get(1).target().extraHeaders()).containsExactly(
                Map.entry("openai-organization", "org-b"));
        assertThat(c.deployments().get(2).target().extraHeaders()).isEmpty();
        assertThat(c.unsupportedKeys()).as("Anthropic has no organization header").hasSize(1)
                .allSatisfy(k -> assertThat(k).contains("organization"));
    }

    @Test
    void badStrategyAndBadYamlAndEmptyListFail() {
        assertThatThrownBy(() -> ConfigLoader.parse("""
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o }
                router_settings: { routing_strategy: fastest }
                """, Map.of())).hasMessageContaining("unknown routing_strategy 'fastest'");
        assertThatThrownBy(() -> ConfigLoader.parse("model_list: [", Map.of()))
                .hasMessageStartingWith("config is not valid YAML");
        assertThatThrownBy(() -> ConfigLoader.parse("router_settings: {}", Map.of()))
                .hasMessage("config: model_list is missing or empty");
        assertThatThrownBy(() -> ConfigLoader.load(Path.of("/nonexistent/llmq.yaml"), Map.of()))
                .hasMessageStartingWith("cannot read config file /nonexistent/llmq.yaml");
    }

    @Test
    void minimalConfigGetsDefaults() {
        LlmqConfig c = ConfigLoader.load(resource("minimal.yaml"), Map.of());
        assertThat(c.router().routingStrategy()).isEqualTo(RoutingStrategy.SIMPLE_SHUFFLE);
        assertThat(c.router().numRetries()).isEqualTo(2);
        assertThat(c.deployments().getFirst().target().dropParams()).isFalse();
        assertThat(c.llmq()).isEqualTo(LlmqSettings.DEFAULTS);
    }
}
