package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.Topics;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
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
                    + " \\(" + spec.partitions(3) + " partitions, replication factor 1, cleanup.policy="
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
        assertThat(result.out()).contains("CONFLICT " + jobs + " (1 partitions, llmq needs 3)",
                "CONFLICT " + control + " (cleanup.policy=delete, llmq needs compact)");
        assertThat(result.out().lines().filter(line -> line.startsWith("created "))).hasSize(Topics.ALL.size() - 2);
        assertThat(result.err()).contains("2 topic(s) on " + kafka.bootstrapServers() + " differ from what llmq needs");
    }

    @Test
    void aWorkersHealthServerAndTheMockLlmListenOnTheAddressGiven(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        String prefix = TestConfigs.uniquePrefix();
        try (MockLlmServer mock = MockLlmServer.builder().host(OTHER_LOOPBACK).port(0).build().start()) {
            assertThat(mock.openAiBaseUrl()).startsWith("http://" + OTHER_LOOPBACK + ":");
            assertThat(get(mock.baseUrl() + "/__mock/behaviors").statusCode()).isEqualTo(200);
            assertRefusedOnLocalhost(mock.port());

            Path config = TestConfigs.write(dir, mock.openAiBaseUrl(), prefix);
            assertThat(run("topics", "create", "--config", config.toString(),
                    "--bootstrap-servers", kafka.bootstrapServers()).exitCode()).isZero();
            RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config)
                    .bootstrapServers(kafka.bootstrapServers()).host(OTHER_LOOPBACK).build();
            try (Assembly worker = Assembly.start(Role.WORKER, options)) {
                int port = worker.get(HealthServer.class).port();
                assertThat(get("http://" + OTHER_LOOPBACK + ":" + port + "/health/live").statusCode())
                        .isEqualTo(200);
                assertThat(get("http://" + OTHER_LOOPBACK + ":" + port + "/metrics").statusCode()).isEqualTo(200);
                assertRefusedOnLocalhost(port);
            }
        }
    }

    private static void assertRefusedOnLocalhost(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            throw new AssertionError("something listens on 127.0.0.1:" + port);
        } catch (ConnectException expected) {
            // nothing listens there: the server is bound to the other address only
        } catch (IOException e) {
            throw new AssertionError(e);
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
