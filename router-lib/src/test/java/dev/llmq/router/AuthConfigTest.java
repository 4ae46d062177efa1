package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import dev.llmq.config.IngestLimits;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** API keys ({@code llmq.auth}) and the ingest API's limits ({@code llmq.ingest.limits}) in the config. */
class AuthConfigTest {

    private static final String MODELS = """
            model_list:
              - { model_name: g, litellm_params: { model: openai/gpt-4o } }
            """;
    private static final String HASH_A = ApiKeys.hash("llmq-sk-a");
    private static final String HASH_B = ApiKeys.hash("llmq-sk-b");

    @Test
    void keysAreReadWithTheirTenantTeamTagsModelsScopesAndRates() {
        LlmqConfig c = ConfigLoader.parse(MODELS + """
                llmq:
                  auth:
                    internal_key: os.environ/LLMQ_INTERNAL_KEY
                    keys:
                      - { name: acme-batch, key_hash: '%s', tenant: acme, team: search, tags: [eu],
                          models: [g], scopes: [submit], rpm_limit: 60, jobs_per_minute: 1000 }
                      - { name: globex, key_hash: '%s', tenant: globex }
                """.formatted(HASH_A, HASH_B), Map.of("LLMQ_INTERNAL_KEY", "internal-secret"), ConfigScope.NAMES);

        assertThat(c.unsupportedKeys()).isEmpty();
        assertThat(c.llmq().auth().internalKey()).isEqualTo("internal-secret");
        assertThat(c.llmq().auth().toString()).doesNotContain("internal-secret");
        ApiKey acme = c.llmq().auth().keys().find("llmq-sk-a").orElseThrow();
        assertThat(acme).isEqualTo(new ApiKey("acme-batch", HASH_A, "acme", "search", List.of("eu"), Set.of("g"),
                Set.of(ApiKey.Scope.SUBMIT), 60L, 1000L));
        ApiKey globex = c.llmq().auth().keys().find("llmq-sk-b").orElseThrow();
        assertThat(globex.scopes()).as("default scopes").containsExactlyInAnyOrder(ApiKey.Scope.SUBMIT,
                ApiKey.Scope.READ);
        assertThat(globex.allowsModel("anything")).isTrue();
        assertThat(c.llmq().auth().keys().find("llmq-sk-c")).isEmpty();
        assertThat(c.llmq().auth().keys().find(HASH_A)).as("the hash is not a key").isEmpty();
    }

    @Test
    void noAuthSectionMeansNoKeys() {
        LlmqConfig c = ConfigLoader.parse(MODELS, Map.of());
        assertThat(c.llmq().auth().keys().isEmpty()).isTrue();
        assertThat(c.llmq().auth().internalKey()).isNull();
        assertThat(c.llmq().ingest().limits()).isEqualTo(IngestLimits.DEFAULTS);
    }

    @Test
    void aPlainKeyInPlaceOfAHashIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> ConfigLoader.parse(MODELS + """
                llmq:
                  auth:
                    keys:
                      - { name: k, key_hash: llmq-sk-plainsecretvalue, tenant: acme }
                """, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("llmq.auth.keys[0].key_hash")
                .hasMessageContaining("sha256:");
    }

    @Test
    void badEntriesNameTheirPlace() {
        assertThatThrownBy(() -> parse("{ name: k, key_hash: '" + HASH_A + "' }"))
                .hasMessageContaining("llmq.auth.keys[0]").hasMessageContaining("tenant");
        assertThatThrownBy(() -> parse("{ name: k, key_hash: '" + HASH_A + "', tenant: acme, scopes: [write] }"))
                .hasMessageContaining("llmq.auth.keys[0]").hasMessageContaining("unknown scope 'write'");
        assertThatThrownBy(() -> parse("{ name: k, key_hash: '" + HASH_A + "', tenant: acme, scopes: [] }"))
                .hasMessageContaining("at least one");
        assertThatThrownBy(() -> parse("{ name: k, key_hash: '" + HASH_A + "', tenant: acme }\n"
                + "      - { name: k2, key_hash: '" + HASH_A + "', tenant: globex }"))
                .hasMessageContaining("same key_hash");
        assertThatThrownBy(() -> parse("{ name: k, key_hash: '" + HASH_A + "', tenant: 'a b' }"))
                .hasMessageContaining("tenant");
        assertThat(parse("{ name: k, key_hash: '" + HASH_A + "', tenant: acme, rpm: 5 }").unsupportedKeys())
                .as("a misspelt setting is reported, as every unknown key is").anyMatch(k -> k.contains("rpm"));
    }

    @Test
    void limitsAreReadAndChecked() {
        LlmqConfig c = ConfigLoader.parse(MODELS + """
                llmq:
                  ingest:
                    limits: { max_jobs_per_submission: 100, max_json_depth: 16, max_tags: 4 }
                """, Map.of());
        assertThat(c.llmq().ingest().limits().maxJobsPerSubmission()).isEqualTo(100);
        assertThat(c.llmq().ingest().limits().maxJsonDepth()).isEqualTo(16);
        assertThat(c.llmq().ingest().limits().maxTags()).isEqualTo(4);
        assertThat(c.llmq().ingest().limits().maxMessagesPerJob())
                .isEqualTo(IngestLimits.DEFAULTS.maxMessagesPerJob());
        assertThatThrownBy(() -> ConfigLoader.parse(MODELS + """
                llmq:
                  ingest:
                    limits: { max_json_depth: 2 }
                """, Map.of())).hasMessageContaining("llmq.ingest.limits.max_json_depth");
    }

    @Test
    void theResponseLimitsDefaultToTheProviderLibrarysOwn() {
        assertThat(LlmqSettings.Worker.DEFAULT_RESPONSE_LIMITS).isEqualTo(dev.llmq.provider.ResponseLimits.DEFAULTS);
        assertThatThrownBy(() -> ConfigLoader.parse(MODELS + """
                llmq:
                  worker: { max_event_bytes: 4096, max_stream_bytes: 2048 }
                """, Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("maxStreamBytes");
    }

    @Test
    void generatedKeysAreDistinctAndHashStably() {
        String a = ApiKeys.generate();
        String b = ApiKeys.generate();
        assertThat(a).startsWith(ApiKeys.KEY_PREFIX).hasSize(ApiKeys.KEY_PREFIX.length() + 43).isNotEqualTo(b);
        assertThat(ApiKeys.hash("abc"))
                .isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void theBearerTokenIsReadAsOpenAisClientsSendIt() {
        assertThat(ApiKeys.bearerToken("Bearer llmq-sk-a")).isEqualTo("llmq-sk-a");
        assertThat(ApiKeys.bearerToken(" bearer   llmq-sk-a ")).isEqualTo("llmq-sk-a");
        assertThat(ApiKeys.bearerToken("BEARER llmq-sk-a")).isEqualTo("llmq-sk-a");
        assertThat(ApiKeys.bearerToken("Basic dXNlcjpwYXNz")).isNull();
        assertThat(ApiKeys.bearerToken("Bearer ")).isNull();
        assertThat(ApiKeys.bearerToken("Bearer")).isNull();
        assertThat(ApiKeys.bearerToken("llmq-sk-a")).isNull();
        assertThat(ApiKeys.bearerToken(null)).isNull();
    }

    private static LlmqConfig parse(String entry) {
        return ConfigLoader.parse(MODELS + "llmq:\n  auth:\n    keys:\n      - " + entry + "\n", Map.of());
    }
}
