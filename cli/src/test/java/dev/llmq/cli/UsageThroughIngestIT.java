package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.ingest.IngestServer;
import dev.llmq.router.ConfigScope;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llmq usage} through a running {@code llmq ingest} whose config names the usage aggregator
 * ({@code llmq.ingest.usage_url}), played by a real HTTP server on 127.0.0.1: the role wires the URL into the ingest
 * API, which checks the parameters and forwards the query; the command prints the aggregator's answer as a table.
 */
@ExtendWith(KafkaClusterExtension.class)
class UsageThroughIngestIT {

    private static final String ANSWER = """
            {"object":"list","group_by":"provider","window":"1h","from":"2026-11-30T10:00:00Z",
             "to":"2026-11-30T12:00:00Z","data":[
             {"window":"1h","group_by":"provider","key":"openai","window_start":"2026-11-30T11:00:00Z",
              "window_end":"2026-11-30T12:00:00Z","requests":4,"succeeded":3,"failed":1,"prompt_tokens":400,
              "completion_tokens":120,"cached_prompt_tokens":256,"cost_usd":0.000987654321,"unpriced_requests":0},
             {"window":"1h","group_by":"provider","key":"openai","window_start":"2026-11-30T10:00:00Z",
              "window_end":"2026-11-30T11:00:00Z","requests":1,"succeeded":1,"prompt_tokens":10,
              "completion_tokens":5,"cost_usd":0.00001}]}""";

    @Test
    void usageIsForwardedToTheConfiguredAggregatorAndPrintedAsATable(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        try (FakeUsageServer aggregator = FakeUsageServer.start().reply(200, ANSWER)) {
            usageThroughIngest(kafka, dir, aggregator);
        }
    }

    private static void usageThroughIngest(KafkaCluster kafka, Path dir, FakeUsageServer aggregator)
            throws Exception {
        Path config = TestConfigs.write(dir, "http://127.0.0.1:9/v1", TestConfigs.uniquePrefix());
        Files.writeString(config, Files.readString(config) + "  ingest: { usage_url: \"" + aggregator.url()
                + "\" }\n");
        String bootstrap = kafka.bootstrapServers();
        LoadedConfig.ensureTopics(LoadedConfig.read(config).parse(Map.of(), ConfigScope.NAMES), bootstrap,
                Duration.ofSeconds(30));
        RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config)
                .bootstrapServers(bootstrap).httpPort(0).build();
        try (Assembly ingest = Assembly.start(Role.INGEST, options)) {
            String url = "http://127.0.0.1:" + ingest.get(IngestServer.class).port();

            CliIT.Result table = CliIT.run("usage", "--url", url, "--group-by", "provider", "--window", "1h",
                    "--from", "2026-11-30T10:00:00Z", "--to", "2026-11-30T12:00:00Z");

            assertThat(table.exitCode()).as(table.err()).isZero();
            assertThat(table.out()).isEqualTo("""
                    provider  window start          requests  succeeded  failed  prompt tokens  completion tokens  cached tokens        cost USD  unpriced
                    openai    2026-11-30T10:00:00Z         1          1       0             10                  5              0  0.000010000000         0
                    openai    2026-11-30T11:00:00Z         4          3       1            400                120            256  0.000987654321         0
                    --------------------------------------------------------------------------------------------------------------------------------------
                    total                                  5          4       1            410                125            256  0.000997654321         0
                    """);
            assertThat(aggregator.queries()).containsExactly(
                    "group_by=provider&window=1h&from=2026-11-30T10%3A00%3A00Z&to=2026-11-30T12%3A00%3A00Z");

            CliIT.Result refused = CliIT.run("usage", "--url", url, "--group-by", "user");

            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.err()).isEqualTo("llmq usage: HTTP 400: 'group_by' must be one of deployment, model, "
                    + "provider, tag, tenant, got 'user'\n");
            assertThat(aggregator.queries()).as("a refused query never reaches the aggregator").hasSize(1);
        }
    }
}
