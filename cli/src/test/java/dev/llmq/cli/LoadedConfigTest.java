package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.router.Deployment;
import dev.llmq.router.LlmqConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadedConfigTest {

    @Test
    void bundledConfigServesBothGroupsFromTheMockLlm() {
        LoadedConfig bundled = LoadedConfig.read(null);
        assertThat(bundled.needsMockLlm(Map.of())).isTrue();
        LlmqConfig config = bundled.parse(Map.of(), "http://127.0.0.1:4010/v1");
        assertThat(config.modelGroups()).containsExactly("gpt-4o-mini", "gpt-4o");
        assertThat(config.deploymentsOf("gpt-4o-mini")).hasSize(2);
        assertThat(config.deployments()).extracting(d -> d.target().apiBase().toString())
                .containsOnly("http://127.0.0.1:4010/v1");
        assertThat(config.unsupportedKeys()).isEmpty();
        assertThat(config.deployments()).extracting(Deployment::provider).containsOnly("openai");
    }

    @Test
    void aMockUrlInTheEnvironmentMeansNoInProcessMock() {
        assertThat(LoadedConfig.read(null).needsMockLlm(Map.of(LoadedConfig.MOCK_URL_VARIABLE, "http://x/v1"))).isFalse();
    }

    @Test
    void aUserConfigWithRealProvidersNeedsNoMock(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, """
                model_list:
                  - model_name: gpt-4o
                    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY }
                llmq:
                  topics: { prefix: team-a, partitions: 12 }
                  kafka: { bootstrap.servers: "kafka:9092", compression.type: zstd }
                """);
        LoadedConfig loaded = LoadedConfig.read(file);
        assertThat(loaded.needsMockLlm(Map.of())).isFalse();
        LlmqConfig config = loaded.parse(Map.of("OPENAI_API_KEY", "sk-test"), null);
        assertThat(LoadedConfig.topics(config).jobs()).isEqualTo("team-a.jobs.v1");
        assertThat(LoadedConfig.kafkaProperties(config)).containsEntry("compression.type", "zstd")
                .doesNotContainKey("bootstrap.servers");
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> LoadedConfig.read(dir.resolve("absent.yaml")))
                .hasMessageContaining("config file not found").hasMessageContaining("absent.yaml");
    }
}
