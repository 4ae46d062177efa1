package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.Topics;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The bind-address flags of the roles without an HTTP API, and {@code llmq topics create} without a cluster
 * ({@code --dry-run}, and an unreachable one); TopicsCommandIT runs it against a broker.
 */
class HostOptionsTest {

    private static <T> T parsed(Class<T> type, String... args) {
        CommandLine cli = Main.commandLine();
        CommandLine.ParseResult result = cli.parseArgs(args);
        return type.cast(result.subcommand().commandSpec().userObject());
    }

    @Test
    void workerAndBrokerHealthServersBindLoopbackUnlessToldOtherwise() {
        WorkerCommand worker = parsed(WorkerCommand.class, "worker");
        assertThat(worker.host).isEqualTo("127.0.0.1");
        assertThat(worker.insecureNoAuth).isFalse();
        worker = parsed(WorkerCommand.class, "worker", "--host", "0.0.0.0", "--insecure-no-auth");
        assertThat(worker.host).isEqualTo("0.0.0.0");
        assertThat(worker.insecureNoAuth).isTrue();

        BrokerCommand broker = parsed(BrokerCommand.class, "broker", "--host", "10.0.0.5", "--insecure-no-auth");
        assertThat(broker.host).isEqualTo("10.0.0.5");
        assertThat(broker.insecureNoAuth).isTrue();
        assertThat(parsed(BrokerCommand.class, "broker").host).isEqualTo("127.0.0.1");
    }

    @Test
    void theMockLlmBindsTheAddressGiven() {
        assertThat(parsed(MockLlmCommand.class, "mock-llm").host).isEqualTo("127.0.0.1");
        assertThat(parsed(MockLlmCommand.class, "mock-llm", "--host", "0.0.0.0").host).isEqualTo("0.0.0.0");
    }

    @Test
    void aDryRunListsEveryTopicAsItWouldBeCreatedWithoutAKafkaCluster() {
        CliIT.Result result = CliIT.run("topics", "create", "--dry-run");

        assertThat(result.exitCode()).as(result.err()).isZero();
        TopicNames names = new TopicNames("llmq");
        var plan = new TopicProvisioner(Map.of(), names, 6, (short) 1).planned();
        assertThat(result.out().lines().toList()).hasSize(Topics.ALL.size())
                .containsExactlyElementsOf(plan.stream().map(t -> "would create, unless it exists, " + t.name()
                        + " (" + TopicProvisioner.describe(t) + ")").toList());
        assertThat(result.out()).contains("would create, unless it exists, llmq.control.v1 (1 partition, replication"
                + " factor 1, cleanup.policy=compact)", "would create, unless it exists, llmq.chunks.v1 (6 partitions,"
                + " replication factor 1, cleanup.policy=delete, retention.ms=86400000)");
    }

    @Test
    void anUnreachableClusterFailsTheCommandWithOneLineNamingIt() {
        CliIT.Result result = CliIT.run("topics", "create", "--bootstrap-servers", "127.0.0.1:1",
                "--timeout-seconds", "1");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).startsWith("llmq topics create: cannot create llmq topics at 127.0.0.1:1: ")
                .doesNotContain("null");
    }
}
