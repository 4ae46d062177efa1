package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover with a real process: a {@code llmq worker} process (SIGKILLed mid-run, jobs in flight on a slow mock LLM)
 * next to a standalone in this JVM; the standalone's worker holds the killed worker's partitions within 10 s (the
 * documented guarantee with the default {@code llmq.worker.session_timeout}) and every job succeeds.
 */
@ExtendWith(KafkaClusterExtension.class)
class ProcessFailoverIT {

    private static final Pattern HEALTH_PORT = Pattern.compile("health http://127\\.0\\.0\\.1:(\\d+)");

    private final HttpClient http = HttpClient.newHttpClient();
    private MockLlmServer mock;
    private Standalone llmq;
    private Process victim;
    private Path victimLog;

    @AfterEach
    void stop() throws Exception {
        if (victim != null) {
            victim.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (llmq != null) {
            llmq.close();
        }
        if (mock != null) {
            mock.close();
        }
    }

    @Test
    void aKilledWorkerProcessesPartitionsMoveWithinTenSeconds(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        mock = MockLlmServer.builder().port(0).defaultBehavior(MockBehavior.defaults()
                .withLatency(Duration.ofSeconds(3))).build().start();
        String prefix = TestConfigs.uniquePrefix();
        TopicNames topics = new TopicNames(prefix);
        Path config = dir.resolve("llmq.yaml");
        Files.writeString(config, """
                model_list:
                  - model_name: chat
                    litellm_params: { model: openai/slow, api_base: %s, api_key: k }
                    model_info: { id: slow }
                llmq:
                  topics: { prefix: %s, partitions: 4 }
                """.formatted(mock.openAiBaseUrl(), prefix));
        String bootstrap = kafka.bootstrapServers();
        llmq = Standalone.start(new Standalone.Options(config, dir, "127.0.0.1", 0, 0, Map.of(), bootstrap));
        await().atMost(Duration.ofSeconds(60)).until(llmq::ready);

        Path jar = Path.of("target", "llmq.jar").toAbsolutePath();
        String java = ProcessHandle.current().info().command().orElse("java");
        victimLog = dir.resolve("victim.log");
        victim = new ProcessBuilder(java, "-Xmx384m", "-jar", jar.toString(), "worker", "--bootstrap-servers",
                bootstrap, "--config", config.toString(), "--http-port", "0", "--worker-id", "victim")
                .redirectErrorStream(true).redirectOutput(victimLog.toFile()).start();
        int port = await().atMost(Duration.ofSeconds(60)).until(this::victimHealthPort, p -> p > 0);
        URI ready = URI.create("http://127.0.0.1:" + port + "/health/ready");
        HttpResponse<String> answer = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString()),
                        r -> r.statusCode() == 200);
        assertThat(answer.body()).contains("\"detail\":\"worker: holds partitions [");

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> holders(admin, topics.jobs()) == 2);
            IngestClient client = new IngestClient(llmq.httpUrl());
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                lines.add(JobLines.line("job-" + i, "chat"));
            }
            List<String> ids = client.submitNdjson(lines).jobIds();
            await().atMost(Duration.ofSeconds(30)).until(() -> mock.requests("slow").size() >= 30);

            long killedAt = System.nanoTime();
            victim.destroyForcibly(); // SIGKILL
            assertThat(victim.waitFor(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> holders(admin, topics.jobs()) == 1 && assignedPartitions(admin, topics.jobs()) == 4);
            Duration failover = Duration.ofNanos(System.nanoTime() - killedAt);
            System.out.printf("PROCESS FAILOVER SIGKILL -> survivor holds all partitions: %d ms%n", failover.toMillis());
            assertThat(failover).isLessThanOrEqualTo(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (String id : ids) {
                    if (!client.job(id).path("status").asText().equals("succeeded")) {
                        return false;
                    }
                }
                return true;
            });
        }
    }

    private static List<MemberDescription> members(Admin admin, String jobsTopic) throws Exception {
        return admin.describeConsumerGroups(List.of("llmq-workers")).describedGroups().get("llmq-workers").get()
                .members().stream().filter(m -> m.assignment().topicPartitions().stream()
                        .anyMatch(tp -> tp.topic().equals(jobsTopic))).toList();
    }

    private static int holders(Admin admin, String jobsTopic) throws Exception {
        return members(admin, jobsTopic).size();
    }

    private static int assignedPartitions(Admin admin, String jobsTopic) throws Exception {
        Set<TopicPartition> all = new java.util.HashSet<>();
        members(admin, jobsTopic).forEach(m -> all.addAll(m.assignment().topicPartitions()));
        return (int) all.stream().filter(tp -> tp.topic().equals(jobsTopic)).count();
    }

    private int victimHealthPort() throws IOException {
        assertThat(victim.isAlive()).as("worker process exited; see %s", victimLog).isTrue();
        Matcher m = HEALTH_PORT.matcher(Files.readString(victimLog));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }
}
