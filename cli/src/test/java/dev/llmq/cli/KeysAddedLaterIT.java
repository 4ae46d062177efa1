package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.config.ApiKeys;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running llmq started without API keys and given some by an edit of its config, as a user adds them: the keys are
 * checked from the reload on, and usage asked of the ingest API with one is answered by the usage aggregator of the
 * same process, which takes the ingest's calls (both present the process's internal key; each had one of its own, so
 * the aggregator refused the ingest's calls with 401 once keys existed).
 */
@ExtendWith(KafkaClusterExtension.class)
class KeysAddedLaterIT {

    private static final String JOB = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]}";

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void keysAddedToALlmqStartedWithoutAnyAreCheckedAndUsageIsAnswered(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        CliIT.Result created = CliIT.run("keys", "create", "--tenant", "acme", "--name", "acme-key");
        assertThat(created.exitCode()).as(created.err()).isZero();
        String key = created.out().lines().map(String::strip).filter(l -> l.startsWith(ApiKeys.KEY_PREFIX))
                .findFirst().orElseThrow();
        String entry = created.out().substring(created.out().indexOf("      - name:"));
        try (MockLlmServer mock = MockLlmServer.builder().port(0).build().start()) {
            Path config = TestConfigs.write(dir, mock.openAiBaseUrl(), TestConfigs.uniquePrefix());
            try (Standalone llmq = TestConfigs.startLlmq(config, dir, kafka.bootstrapServers())) {
                URI base = llmq.httpUrl();
                assertThat(submit(base, null).statusCode()).as("no keys yet: open").isEqualTo(202);

                Files.writeString(config, Files.readString(config) + "  auth:\n    keys:\n" + entry);
                await().atMost(Duration.ofSeconds(30)).until(() -> submit(base, null).statusCode() == 401);
                assertThat(submit(base, key).statusCode()).isEqualTo(202);

                await().atMost(Duration.ofSeconds(30)).until(() -> usage(base, key).statusCode() != 401);
                HttpResponse<String> usage = usage(base, key);
                assertThat(usage.statusCode()).as(usage.body()).isEqualTo(200);
                assertThat(usage(base, null).statusCode()).as("without a key").isEqualTo(401);
            }
        }
    }

    private HttpResponse<String> submit(URI base, String key) throws Exception {
        return http.send(authorized(HttpRequest.newBuilder(base.resolve("/v1/jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JOB)), key),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> usage(URI base, String key) throws Exception {
        return http.send(authorized(HttpRequest.newBuilder(base.resolve("/v1/usage?window=total&group_by=tenant"))
                .GET(), key), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest authorized(HttpRequest.Builder request, String key) {
        return (key == null ? request : request.header("Authorization", "Bearer " + key)).build();
    }
}
