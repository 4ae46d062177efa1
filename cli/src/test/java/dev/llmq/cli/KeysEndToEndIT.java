package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.config.ApiKeys;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.Json;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys across the whole of llmq, as a user runs it: ingest, worker and usage aggregator in one process with keys
 * made by {@code llmq keys create} in the config and no {@code internal_key}. Each tenant submits with its key and
 * sees only its own jobs and usage (forwarded by the ingest API to the aggregator of the same process), the client
 * commands carry the key, and a key removed from the config is refused after the reload.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeysEndToEndIT {

    private final HttpClient http = HttpClient.newHttpClient();
    private MockLlmServer mock;
    private Standalone llmq;
    private Path config;
    private String acme;
    private String globex;
    private String admin;
    private final java.util.Map<String, String> entries = new java.util.HashMap<>();

    @BeforeAll
    void start(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        mock = MockLlmServer.builder().port(0).build().start();
        acme = createdKey("--tenant", "acme", "--name", "acme-key");
        globex = createdKey("--tenant", "globex", "--name", "globex-key");
        admin = createdKey("--tenant", "ops", "--name", "ops-admin", "--scopes", "admin");
        config = TestConfigs.write(dir, mock.openAiBaseUrl(), TestConfigs.uniquePrefix());
        Files.writeString(config, Files.readString(config) + "  auth:\n    keys:\n"
                + entry(acme) + entry(globex) + entry(admin));
        llmq = TestConfigs.startLlmq(config, dir, kafka.bootstrapServers());
    }

    @AfterAll
    void stop() throws Exception {
        TestConfigs.closeAll(llmq, mock);
    }

    @Test
    void tenantsSeeOnlyTheirOwnJobsAndUsageAndRevokedKeysAreRefused() throws Exception {
        assertThat(post(null).statusCode()).as("no key").isEqualTo(401);
        assertThat(post("llmq-sk-" + "x".repeat(43)).statusCode()).as("an unknown key").isEqualTo(401);

        String acmeJob = Json.mapper().readTree(post(acme).body()).path("id").asText();
        String globexJob = Json.mapper().readTree(post(globex).body()).path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> status(acmeJob, acme).equals("succeeded")
                && status(globexJob, globex).equals("succeeded"));

        assertThat(get("/v1/jobs/" + acmeJob, globex).statusCode()).as("another tenant's job").isEqualTo(404);
        assertThat(get("/v1/jobs/" + acmeJob, admin).statusCode()).as("an admin sees every tenant").isEqualTo(200);
        assertThat(Json.mapper().readTree(get("/v1/jobs/" + acmeJob, admin).body()).toString()).doesNotContain(acme);

        // usage goes through the ingest API to the aggregator of the same process, scoped to the caller's tenant
        await().atMost(Duration.ofSeconds(30)).until(() -> tenantsInUsage(admin).containsAll(List.of("acme", "globex")));
        assertThat(tenantsInUsage(acme)).containsExactly("acme");
        assertThat(tenantsInUsage(globex)).containsExactly("globex");
        assertThat(get("/v1/usage?window=total&group_by=tenant&tenant=globex", acme).statusCode()).isEqualTo(403);

        // the client commands present the key
        String url = llmq.httpUrl().toString();
        CliIT.Result mine = CliIT.run("status", acmeJob, "--url", url, "--api-key", acme);
        assertThat(mine.exitCode()).as(mine.err()).isZero();
        assertThat(mine.out()).contains("succeeded");
        CliIT.Result theirs = CliIT.run("status", acmeJob, "--url", url, "--api-key", globex);
        assertThat(theirs.exitCode()).isEqualTo(1);
        assertThat(theirs.err()).contains("404").doesNotContain(globex);
        CliIT.Result keyless = CliIT.run("usage", "--url", url, "--group-by", "tenant");
        assertThat(keyless.exitCode()).isEqualTo(1);
        assertThat(keyless.err()).contains("401");

        // revoking a key is an edit of the config
        String yaml = Files.readString(config);
        Files.writeString(config, yaml.replace(entry(globex), ""));
        await().atMost(Duration.ofSeconds(30)).until(() -> post(globex).statusCode() == 401);
        assertThat(get("/v1/usage?window=total&group_by=tenant", globex).statusCode()).isEqualTo(401);
        assertThat(post(acme).statusCode()).isEqualTo(202);
    }

    /**
     * A key made as a user makes one: the command prints the key on a line of its own, then the entry to paste under
     * {@code llmq.auth.keys}, which is kept for {@link #entry}.
     */
    private String createdKey(String... args) {
        List<String> all = new ArrayList<>(List.of("keys", "create"));
        all.addAll(List.of(args));
        CliIT.Result created = CliIT.run(all.toArray(String[]::new));
        assertThat(created.exitCode()).as(created.err()).isZero();
        String key = created.out().lines().map(String::strip).filter(l -> l.startsWith(ApiKeys.KEY_PREFIX))
                .findFirst().orElseThrow(() -> new AssertionError("no key printed: " + created.out()));
        String entry = created.out().substring(created.out().indexOf("      - name:"));
        assertThat(entry).contains(ApiKeys.hash(key)).doesNotContain(key);
        entries.put(key, entry);
        return key;
    }

    /** The config entry of a key, as {@code llmq keys create} printed it. */
    private String entry(String key) {
        return entries.get(key);
    }

    private List<String> tenantsInUsage(String key) throws Exception {
        HttpResponse<String> answer = get("/v1/usage?window=total&group_by=tenant", key);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        List<String> tenants = new ArrayList<>();
        for (JsonNode row : Json.mapper().readTree(answer.body()).path("data")) {
            tenants.add(row.path("key").asText());
        }
        return tenants.stream().distinct().sorted().toList();
    }

    private String status(String jobId, String key) throws Exception {
        return Json.mapper().readTree(get("/v1/jobs/" + jobId, key).body()).path("status").asText();
    }

    private HttpResponse<String> post(String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(llmq.httpUrl().resolve("/v1/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        return http.send(key == null ? request.build() : request.header("Authorization", "Bearer " + key).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(llmq.httpUrl() + path))
                .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
