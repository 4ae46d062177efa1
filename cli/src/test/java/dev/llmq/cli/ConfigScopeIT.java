package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.ingest.IngestServer;
import dev.llmq.router.ConfigScope;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each role reads only what it needs: the ingest API starts without a provider's secret (and without the mock LLM
 * the config enables), and accepts jobs for that provider's group; a worker with the same config and environment
 * refuses to start, naming the variable.
 */
@ExtendWith(KafkaClusterExtension.class)
class ConfigScopeIT {

    /** A variable no environment sets: a fresh name per run, so the test needs no assumption about the shell. */
    private static final String UNSET = "LLMQ_IT_UNSET_API_KEY_"
            + java.util.UUID.randomUUID().toString().replace("-", "").toUpperCase(java.util.Locale.ROOT);

    @Test
    void ingestRunsWithoutAProviderSecretWhileAWorkerRefusesNamingIt(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        Path config = Files.writeString(dir.resolve("llmq.yaml"),
                AssemblyTest.MOCK_AND_SECRET.formatted(UNSET, TestConfigs.uniquePrefix()));
        String bootstrap = kafka.bootstrapServers();
        LoadedConfig.ensureTopics(LoadedConfig.read(config).parse(Map.of(), ConfigScope.NAMES), bootstrap,
                Duration.ofSeconds(30));

        RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config)
                .bootstrapServers(bootstrap).build();
        try (Assembly ingest = Assembly.start(Role.INGEST, options)) {
            assertThat(ingest.find(MockLlmServer.class)).as("the mock LLM in a role that calls no provider").isEmpty();
            IngestServer server = ingest.get(IngestServer.class);
            await().atMost(Duration.ofSeconds(60)).until(server::ready);
            IngestClient client = new IngestClient(URI.create("http://127.0.0.1:" + server.port()));

            String jobId = client.submitNdjson(List.of(JobLines.line("needs-the-secret", "secret-group")))
                    .jobIds().getFirst();
            JsonNode job = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> client.job(jobId), j -> j.path("status").asText().equals("queued"));
            assertThat(job.path("model").asText()).as(job.toString()).isEqualTo("secret-group");
            assertThatThrownBy(() -> client.submitNdjson(List.of(JobLines.line("unknown", "no-such-group"))))
                    .isInstanceOf(IngestClient.ApiException.class).hasMessageContaining("400");
        }

        CliIT.Result worker = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliIT.run("worker",
                "--config", config.toString(), "--bootstrap-servers", bootstrap, "--http-port", "0"));
        assertThat(worker.exitCode()).as(worker.err()).isEqualTo(1);
        assertThat(worker.err()).startsWith("llmq worker: " + config)
                .contains("environment variable " + UNSET + " is not set");
    }
}
