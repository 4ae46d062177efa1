package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.llmq.router.ConfigException;
import dev.llmq.runtime.PortInUseException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

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

    @Test
    void aWorkerWithoutAKafkaClusterSaysSoBeforeItStartsTheMockOrWarnsAboutKeys() {
        RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).build(); // the bundled config: a mock
        Logger llmq = (Logger) LoggerFactory.getLogger("dev.llmq");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        llmq.addAppender(logged);
        try {
            assertThatThrownBy(() -> Assembly.start(Role.WORKER, options))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no Kafka cluster given");
        } finally {
            llmq.detachAppender(logged);
        }
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }

    @Test
    void theConfigsClusterIsEnough(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("llmq.yaml"), """
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, api_key: os.environ/LLMQ_TEST_UNSET_SECRET }
                llmq:
                  kafka: { bootstrap.servers: "127.0.0.1:1" }
                """);
        RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config).build();

        // past the cluster check: the worker reads its deployments and fails on the unset secret, before any Kafka work
        assertThatThrownBy(() -> Assembly.start(Role.WORKER, options))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable LLMQ_TEST_UNSET_SECRET is not set");
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aTakenHttpPortIsNamedBeforeAnythingStarts(Role role, @TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).dataDir(dir)
                    .httpPort(taken.getLocalPort())
                    .bootstrapServers(role.joinsCluster() ? "127.0.0.1:1" : null).build();

            assertThatThrownBy(() -> Assembly.start(role, options))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessage(Assembly.httpServer(role) + " cannot listen on 127.0.0.1:" + taken.getLocalPort()
                            + ": the port is already in use");
            assertThat(dir).as("no broker started").isEmptyDirectory();
        }
    }
}
