package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.config.DeploymentKeys;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.LlmqConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --set name=value}: what a benchmark writes into the roles' config file, read back as the roles read it. */
class BenchConfigTest {

    @TempDir
    Path dir;

    @Test
    void settingsGivenByNameReachTheRolesTyped() throws Exception {
        Path file = new BenchConfig()
                .deployment(DeploymentKeys.MODEL_NAME, "m", DeploymentKeys.MODEL, "openai/m",
                        DeploymentKeys.API_BASE, "http://127.0.0.1:9/v1", DeploymentKeys.API_KEY, "k")
                .set(List.of("llmq.worker.running_event_delay_ms=25", " router_settings.num_retries = 4 "))
                .write(dir.resolve("llmq.yaml"));

        LlmqConfig config = ConfigLoader.parse(Files.readString(file), Map.of());

        assertThat(config.llmq().worker().runningEventDelayMs()).isEqualTo(25);
        assertThat(config.router().numRetries()).isEqualTo(4);
    }

    @Test
    void aTableNamesTheKeysSet() {
        RoleOptions options = new RoleOptions();
        assertThat(options.describeSettings()).isEqualTo("none (the defaults)");

        picocli.CommandLine.populateCommand(options, "--set", "llmq.worker.await_first_start=false",
                "--set", "llmq.worker.max_deliveries=0");

        assertThat(options.describeSettings())
                .isEqualTo("llmq.worker.await_first_start=false, llmq.worker.max_deliveries=0");
    }

    @Test
    void aKafkaPropertyReachesTheRolesWhole() throws Exception {
        Path file = new BenchConfig()
                .deployment(DeploymentKeys.MODEL_NAME, "m", DeploymentKeys.MODEL, "openai/m",
                        DeploymentKeys.API_BASE, "http://127.0.0.1:9/v1", DeploymentKeys.API_KEY, "k")
                .set(List.of("llmq.kafka.statestore.cache.max.bytes=67108864", "llmq.kafka.commit.interval.ms=500",
                        "llmq.topics.partitions=3"))
                .write(dir.resolve("llmq.yaml"));

        LlmqConfig config = ConfigLoader.parse(Files.readString(file), Map.of());

        assertThat(config.llmq().kafka()).containsEntry("statestore.cache.max.bytes", "67108864")
                .containsEntry("commit.interval.ms", "500");
        assertThat(config.llmq().topics().partitions()).isEqualTo(3);
    }

    @Test
    void aMalformedAssignmentOrAnUnknownKeyIsRefusedByName() {
        assertThatThrownBy(() -> new BenchConfig().set(List.of("llmq.worker.running_event_delay_ms")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name=value");
        assertThatThrownBy(() -> new BenchConfig().set(List.of("llmq.worker.no_such_key=1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("llmq.worker.no_such_key");
    }
}
