package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.Topics;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llmq topics create} against the test broker (created, then left alone, and a conflicting topic reported),
 * and the addresses {@code --host} gives a worker's health server and the mock LLM.
 */
@ExtendWith(KafkaClusterExtension.class)
class TopicsCommandIT {

    /** On Linux every 127.x.y.z address is the loopback interface, so a server bound there is not on 127.0.0.1. */
    private static final String OTHER_LOOPBACK = "127.0.0.2";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void createsEveryTopicThenLeavesThemAlone(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        String prefix = TestConfigs.uniquePrefix();
        Path config = TestConfigs.write(dir, "http://127.0.0.1:1/v1", prefix);
        TopicNames names = new TopicNames(prefix);

        CliIT.Result first = run("topics", "create", "--config", config.toString(),
                "--bootstrap-servers", kafka.bootstrapServers());
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out().lines()).hasSize(Topics.ALL.size());
        for (var spec : Topics.ALL) {
            assertThat(first.out()).containsPattern("(?m)^created +" + Pattern.quote(spec.name(names))
                    + " \\(" + spec.partitions(3) + (spec.partitions(3) == 1 ? " partition" : " partitions")
                    + ", replication factor 1, cleanup.policy="
                    + (spec.compacted() ? "compact" : "delete"));
        }
        try (Admin admin = admin(kafka)) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .containsAll(Topics.ALL.stream().map(s -> s.name(names)).toList());
        }

        CliIT.Result again = run("topics", "create", "--config", config.toString(),
                "--bootstrap-servers", kafka.bootstrapServers());
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out().lines()).hasSize(Topics.ALL.size())
                .allMatch(line -> line.startsWith("exists ") && line.endsWith("left as it is)"));
    }

    @Test
    void aTopicShapedOtherwiseIsReportedAndFailsTheCommand(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        String prefix = TestConfigs.uniquePrefix();
        Path config = TestConfigs.write(dir, "http://127.0.0.1:1/v1", prefix);
        TopicNames names = new TopicNames(prefix);
        String jobs = Topics.JOBS.name(names);
        String control = Topics.CONTROL.name(names);
        try (Admin admin = admin(kafka)) {
            admin.createTopics(List.of(new NewTopic(jobs, 1, (short) 1),
                    new NewTopic(control, 1, (short) 1).configs(Map.of("cleanup.policy", "delete"))))
                    .all().get(30, TimeUnit.SECONDS);
        }

        CliIT.Result result = run("topics", "create", "--config", config.toString(),
                "--bootstrap-servers", kafka.bootstrapServers());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).contains("CONFLICT " + jobs + " (1 partition, llmq needs 3)",
                "CONFLICT " + control + " (cleanup.policy=delete, llmq needs compact)");
        assertThat(result.out().lines().filter(line -> line.startsWith("created "))).hasSize(Topics.ALL.size() - 2);
        assertThat(result.err()).contains("2 topic(s) on " + kafka.bootstrapServers() + " differ from what llmq needs");
    }

    /**
     * Each server is given a port whose 127.0.0.1 side this test holds open meanwhile. A server bound to every address
     * could not start on that port; one bound to the address given does, and a connection to 127.0.0.1 reaches the
     * test's socket. (Probing a free port on 127.0.0.1 instead failed when another test's server happened to take
     * the same port number there.)
     */
    @Test
    void aWorkersHealthServerAndTheMockLlmListenOnTheAddressGiven(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        String prefix = TestConfigs.uniquePrefix();
        try (ServerSocket heldForMock = holdOnLocalhost();
             MockLlmServer mock = MockLlmServer.builder().host(OTHER_LOOPBACK).port(heldForMock.getLocalPort()).build()
                     .start()) {
            assertThat(mock.openAiBaseUrl()).startsWith("http://" + OTHER_LOOPBACK + ":" + heldForMock.getLocalPort());
            assertThat(get(mock.baseUrl() + "/__mock/behaviors").statusCode()).isEqualTo(200);
            assertLocalhostReaches(heldForMock);

            Path config = TestConfigs.write(dir, mock.openAiBaseUrl(), prefix);
            assertThat(run("topics", "create", "--config", config.toString(),
                    "--bootstrap-servers", kafka.bootstrapServers()).exitCode()).isZero();
            try (ServerSocket heldForWorker = holdOnLocalhost()) {
                RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config)
                        .bootstrapServers(kafka.bootstrapServers()).host(OTHER_LOOPBACK)
                        .httpPort(heldForWorker.getLocalPort()).build();
                try (Assembly worker = Assembly.start(Role.WORKER, options)) {
                    int port = worker.get(HealthServer.class).port();
                    assertThat(port).isEqualTo(heldForWorker.getLocalPort());
                    assertThat(get("http://" + OTHER_LOOPBACK + ":" + port + "/health/live").statusCode())
                            .isEqualTo(200);
                    assertThat(get("http://" + OTHER_LOOPBACK + ":" + port + "/metrics").statusCode())
                            .isEqualTo(200);
                    assertLocalhostReaches(heldForWorker);
                }
            }
        }
    }

    /** A socket listening on 127.0.0.1 at a free port, for the test to hold while a server takes that port. */
    private static ServerSocket holdOnLocalhost() throws IOException {
        ServerSocket held = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"));
        held.setSoTimeout(10_000);
        return held;
    }

    /** A connection to 127.0.0.1 at {@code held}'s port is accepted by {@code held}, not by the server under test. */
    private static void assertLocalhostReaches(ServerSocket held) throws IOException {
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress("127.0.0.1", held.getLocalPort()), 2_000);
            try (Socket accepted = held.accept()) {
                assertThat(accepted.getRemoteSocketAddress()).isEqualTo(client.getLocalSocketAddress());
            }
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Admin admin(KafkaCluster kafka) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return Admin.create(props);
    }

    private static CliIT.Result run(String... args) {
        return CliIT.run(args);
    }
}
