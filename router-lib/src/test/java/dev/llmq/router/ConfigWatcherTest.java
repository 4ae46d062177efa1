package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
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
