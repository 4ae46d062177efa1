package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWatcherTest {

    private static final String ONE_GROUP = """
            model_list:
              - model_name: g
                litellm_params: { model: openai/gpt-4o-mini, api_key: os.environ/KEY }
                model_info: { id: a }
            """;

    @TempDir
    Path dir;

    @Test
    void appliesAValidChangeAndRejectsAnInvalidOne() throws IOException {
        Path file = dir.resolve("llmq.yaml");
        Files.writeString(file, ONE_GROUP);
        Map<String, String> env = Map.of("KEY", "sk-1");
        Router router = new Router(ConfigLoader.load(file, env), Clock.systemUTC(), new SplittableRandom(1));
        ConfigWatcher watcher = new ConfigWatcher(file, env, Duration.ofSeconds(1), router::reload);

        assertThat(watcher.checkNow()).as("unchanged file").isFalse();

        Files.writeString(file, ONE_GROUP + """
                  - model_name: h
                    litellm_params: { model: anthropic/claude-sonnet-4-5, api_key: os.environ/KEY }
                """);
        assertThat(watcher.checkNow()).isTrue();
        assertThat(router.modelGroups()).containsExactly("g", "h");

        Files.writeString(file, ONE_GROUP.replace("openai/", "nope/"));
        assertThat(watcher.checkNow()).isFalse();
        assertThat(router.modelGroups()).containsExactly("g", "h");
        assertThat(watcher.checkNow()).as("the same bad content is not retried").isFalse();

        Files.delete(file);
        assertThat(watcher.checkNow()).as("a missing file keeps the config").isFalse();
        assertThat(router.modelGroups()).containsExactly("g", "h");
    }

    /**
     * An edit adding a deployment whose secret this process lacks (its variable is set on other workers only) applies
     * without it: the process does not stay on its old config through every later edit, and the group's jobs fail
     * naming the variable, not as an unknown group. A start still refuses it.
     */
    @Test
    void aReloadLeavesOutAnEntryNamingAnUnsetVariableAndAppliesTheRest() throws IOException {
        Path file = dir.resolve("llmq.yaml");
        Files.writeString(file, ONE_GROUP);
        Map<String, String> env = Map.of("KEY", "sk-1");
        Router router = new Router(ConfigLoader.load(file, env), Clock.systemUTC(), new SplittableRandom(1));
        ConfigWatcher watcher = new ConfigWatcher(file, env, Duration.ofSeconds(1), router::reload);
        String edited = ONE_GROUP + """
                  - model_name: h
                    litellm_params: { model: openai/gpt-4o, api_key: os.environ/H_KEY }
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, api_key: os.environ/G2_KEY }
                    model_info: { id: b }
                  - model_name: k
                    litellm_params: { model: openai/gpt-4o, api_key: os.environ/KEY }
                router_settings: { fallbacks: [{ k: [h] }] }
                """;
        Files.writeString(file, edited);

        assertThat(watcher.checkNow()).as("applied without the entries it cannot build").isTrue();
        assertThat(router.modelGroups()).containsExactly("g", "k");
        assertThat(router.config().deployments()).extracting(Deployment::modelGroup).containsExactly("g", "k");
        assertThat(router.config().leftOut()).containsOnlyKeys("h", "g");
        RoutedOutcome out = router.execute(RouteRequest.of("h"), (deployment, attempt) -> {
            throw new AssertionError("no call for a group without deployments");
        });
        assertThat(out).isInstanceOfSatisfying(RoutedOutcome.Failed.class, f -> {
            assertThat(f.error().message()).contains("model group 'h' has no deployment this worker can call")
                    .contains("environment variable H_KEY is not set");
            assertThat(f.error().providerCode()).isEqualTo("model_unavailable");
        });
        assertThatThrownBy(() -> ConfigLoader.load(file, env)).as("a start refuses it")
                .isInstanceOf(ConfigException.class).hasMessageContaining("H_KEY");
    }

    @Test
    void anEditMadeBeforeTheWatcherStartedIsApplied() throws IOException {
        Path file = dir.resolve("llmq.yaml");
        Files.writeString(file, ONE_GROUP);
        Map<String, String> env = Map.of("KEY", "sk-1");
        byte[] applied = Files.readAllBytes(file);
        Router router = new Router(ConfigLoader.load(file, env), Clock.systemUTC(), new SplittableRandom(1));
        Files.writeString(file, ONE_GROUP.replace("model_name: g", "model_name: edited"));

        ConfigWatcher watcher = new ConfigWatcher(file, env, ConfigScope.ROUTING, Duration.ofSeconds(1),
                router::reload, applied);

        assertThat(watcher.checkNow()).as("the edit made while starting").isTrue();
        assertThat(router.modelGroups()).containsExactly("edited");
    }

    @Test
    void pollsInTheBackground() throws IOException {
        Path file = dir.resolve("llmq.yaml");
        Files.writeString(file, ONE_GROUP);
        Map<String, String> env = Map.of("KEY", "sk-1");
        Router router = new Router(ConfigLoader.load(file, env), Clock.systemUTC(), new SplittableRandom(1));
        try (ConfigWatcher watcher = new ConfigWatcher(file, env, Duration.ofMillis(50), router::reload)) {
            watcher.start();
            Files.writeString(file, ONE_GROUP.replace("model_name: g", "model_name: renamed"));
            await().atMost(Duration.ofSeconds(5)).until(() -> router.modelGroups().contains("renamed"));
        }
    }
}
