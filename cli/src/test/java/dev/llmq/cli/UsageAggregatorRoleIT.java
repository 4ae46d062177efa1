package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.usage.UsageAggregator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code llmq usage-aggregator} as a role of its own, and inside {@code standalone}. */
@ExtendWith(KafkaClusterExtension.class)
class UsageAggregatorRoleIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theCommandExistsAndSaysWhatItDoes() {
        CliIT.Result help = CliIT.run("usage-aggregator", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("usage-aggregator", "GET /v1/usage", "--http-port", "4003",
                "--bootstrap-servers", "--instance-id");
    }

    @Test
    void theRoleStartsAnswersHealthAndUsageAndRegistersItsUrl(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        String prefix = TestConfigs.uniquePrefix();
        Path config = TestConfigs.write(dir, "http://127.0.0.1:1/v1", prefix);
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new TopicNames(prefix), 3, (short) 1).ensureTopics(Duration.ofSeconds(30));
        RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config)
                .bootstrapServers(kafka.bootstrapServers()).usageId("usage-it").build();
        try (Assembly role = Assembly.start(Role.USAGE_AGGREGATOR, options)) {
            await().atMost(Duration.ofSeconds(60)).until(role::ready);
            URI url = role.get(UsageUrl.class).url();
            assertThat(url).isEqualTo(role.get(UsageAggregator.class).url());
            assertThat(get(url, "/health/ready").statusCode()).isEqualTo(200);
            HttpResponse<String> usage = get(url, "/v1/usage?group_by=model&window=total");
            assertThat(usage.statusCode()).as(usage.body()).isEqualTo(200);
            JsonNode body = Json.mapper().readTree(usage.body());
            assertThat(body.path("object").asText()).isEqualTo("list");
            assertThat(body.path("data").isArray()).isTrue();
            assertThat(get(url, "/metrics").body()).contains("llmq_usage_results");
        }
    }

    @Test
    void standaloneCountsTheJobsItRuns(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (MockLlmServer mock = MockLlmServer.builder().port(0).build().start()) {
            Path config = TestConfigs.write(dir, mock.openAiBaseUrl(), TestConfigs.uniquePrefix());
            try (Standalone llmq = TestConfigs.startLlmq(config, dir, kafka.bootstrapServers())) {
                IngestClient client = new IngestClient(llmq.httpUrl());
                List<String> ids = client.submitNdjson(List.of(DemoSample.lines(2).get(0),
                        DemoSample.lines(2).get(1))).jobIds();
                assertThat(ids).hasSize(2);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    JsonNode body = Json.mapper().readTree(get(llmq.usageUrl().orElseThrow(),
                            "/v1/usage?group_by=tenant&window=total").body());
                    long requests = 0;
                    for (JsonNode r : body.path("data")) {
                        requests += r.path("requests").asLong();
                    }
                    assertThat(requests).isEqualTo(2);
                });
            }
        }
    }

    private static HttpResponse<String> get(URI base, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
