package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llmq config show} and {@code llmq config check}, run as the command line runs them. */
class ConfigCommandTest {

    @TempDir
    Path dir;

    private static CliIT.Result run(String... args) {
        return CliIT.run(args);
    }

    private Path file(String yaml) throws IOException {
        return Files.writeString(dir.resolve("llmq.yaml"), yaml);
    }

    @Test
    void showPrintsTheBundledConfigAsItIs() throws IOException {
        String bundled;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(LoadedConfig.BUNDLED)) {
            bundled = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        CliIT.Result run = run("config", "show");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo(bundled).contains("model_list:");
    }

    @Test
    void checkListsTheBundledConfigsModelGroups() {
        CliIT.Result run = run("config", "check");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("""
                the bundled config: valid for every role
                2 model groups:
                  gpt-4o: mock-gpt-4o (openai/gpt-4o)
                  gpt-4o-mini: mock-gpt-4o-mini-a (openai/gpt-4o-mini), mock-gpt-4o-mini-b (openai/gpt-4o-mini)
                """);
    }

    @Test
    void checkNamesWhatHasNoPriceAndTheKeysLlmqDoesNotSupport() throws IOException {
        Path config = file("""
                model_list:
                  - model_name: local
                    litellm_params: { model: openai/my-finetune, api_base: "http://127.0.0.1:9/v1", api_key: k }
                    model_info: { id: local-1 }
                router_setings: { num_retries: 1 }
                router_settings: { model_group_alias: { my-model: local } }
                """);

        CliIT.Result run = run("config", "check", "--config", config.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains(config + ": valid for every role", "1 model group:",
                "  local: local-1 (openai/my-finetune, no price)", "  my-model: an alias of local",
                "no price for 1 deployment: its results will say cost_usd: null",
                "not supported by llmq, no effect: router_setings (did you mean router_settings?)");
    }

    /** A key both LiteLLM sections set is read from router_settings; the other is overridden, not unsupported. */
    @Test
    void checkSaysALitellmSettingsKeyIsOverriddenByRouterSettings() throws IOException {
        Path config = file("""
                model_list:
                  - model_name: a
                    litellm_params: { model: openai/gpt-4o, api_key: k }
                  - model_name: b
                    litellm_params: { model: openai/gpt-4o-mini, api_key: k }
                router_settings: { fallbacks: [{ a: [b] }] }
                litellm_settings: { fallbacks: [{ b: [a] }] }
                """);

        CliIT.Result run = run("config", "check", "--config", config.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).doesNotContain("not supported").contains("litellm_settings.fallbacks: no effect, "
                + "overridden by router_settings.fallbacks (as in LiteLLM, router_settings wins over litellm_settings)");
    }

    @Test
    void checkFailsNamingAnUnsetVariableAsAWorkerWould() throws IOException {
        Path config = file("""
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, api_key: os.environ/LLMQ_CONFIG_CHECK_SURELY_UNSET }
                """);

        CliIT.Result run = run("config", "check", "--config", config.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("llmq config check: ").contains(config.toString(),
                "LLMQ_CONFIG_CHECK_SURELY_UNSET");
    }

    @Test
    void checkFailsOnAFileThatIsNotThere() {
        CliIT.Result run = run("config", "check", "--config", dir.resolve("missing.yaml").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("config file not found", "missing.yaml");
    }
}
