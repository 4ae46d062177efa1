package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.router.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What an {@link Assembly} does before any component needs Kafka. */
class AssemblyTest {

    /** Listed after a deployment on the in-process mock, so the error shows the mock's URL was resolved. */
    static final String MOCK_AND_SECRET = """
            model_list:
              - model_name: mock-group
                litellm_params: { model: openai/gpt-4o-mini, api_base: os.environ/LLMQ_MOCK_LLM_URL, api_key: k }
              - model_name: secret-group
                litellm_params: { model: openai/gpt-4o, api_key: os.environ/%1$s }
            llmq:
              mock_llm: { enabled: true }
              topics: { prefix: %2$s, partitions: 1 }
            """;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aWorkerReadsTheDeploymentsWithTheMocksUrlAndFailsBeforeAnyKafkaWorkOnAnUnsetSecret(@TempDir Path dir)
            throws Exception {
        Path config = Files.writeString(dir.resolve("llmq.yaml"), MOCK_AND_SECRET.formatted("LLMQ_TEST_SECRET", "t"));
        RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config)
                .bootstrapServers("127.0.0.1:1").build();

        assertThatThrownBy(() -> Assembly.start(Role.WORKER, options))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(config.toString())
                .hasMessageContaining("secret-group")
                .hasMessageContaining("environment variable LLMQ_TEST_SECRET is not set");
    }

    @Test
    void aRoleWithoutAKafkaClusterSaysHowToGiveOne() {
        RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).build();

        assertThatThrownBy(() -> Assembly.start(Role.INGEST, options))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no Kafka cluster given")
                .hasMessageContaining("--bootstrap-servers");
    }
}
