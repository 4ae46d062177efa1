package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.ingest.IngestServer;
import dev.llmq.router.ConfigScope;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.usage.UsageAggregator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest, worker and usage aggregator roles in one JVM on the embedded broker and the mock LLM run three jobs (one
 * plain, one streamed, one the provider fails); then each role's {@code /metrics}, fetched over HTTP, has the series
 * of the metrics contract with their tags, moved, tagged with the role and its instance id, and no job or batch id.
 */
@ExtendWith(KafkaClusterExtension.class)
class MetricsScrapeIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void everyRoleExposesTheContractsSeriesWithBoundedTags(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        try (MockLlmServer mock = MockLlmServer.builder().port(0).build().start()) {
            mock.behavior("broken", MockBehavior.defaults().failingAlways(Fault.serverError()));
            mock.behavior("rescued", MockBehavior.defaults().failingAlways(Fault.serverError()));
            run(kafka, dir, mock);
        }
    }

    private static void run(KafkaCluster kafka, Path dir, MockLlmServer mock) throws Exception {
        String prefix = TestConfigs.uniquePrefix();
        Path config = dir.resolve("llmq.yaml");
        Files.writeString(config, """
                model_list:
                  - model_name: gpt-4o-mini
                    litellm_params: { model: openai/gpt-4o-mini, api_base: %1$s, api_key: test-key, rpm: 1000 }
                    model_info: { id: mini-a }
                  - model_name: broken
                    litellm_params: { model: openai/broken, api_base: %1$s, api_key: test-key }
                    model_info: { id: broken-1 }
                  - model_name: rescued
                    litellm_params: { model: openai/rescued, api_base: %1$s, api_key: test-key }
                    model_info: { id: rescued-1 }
                router_settings: { num_retries: 1, fallbacks: [ { rescued: [ gpt-4o-mini ] } ] }
                llmq:
                  topics: { prefix: %2$s, partitions: 1 }
                """.formatted(mock.openAiBaseUrl(), prefix));
        String bootstrap = kafka.bootstrapServers();
        LoadedConfig.ensureTopics(LoadedConfig.read(config).parse(Map.of(), ConfigScope.NAMES), bootstrap,
                Duration.ofSeconds(30));
        RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config).dataDir(dir)
                .bootstrapServers(bootstrap).httpPort(0).workerId("w-metrics").ingestId("i-metrics")
                .usageId("u-metrics").build();
        try (Roles roles = Roles.start(options, Role.WORKER, Role.USAGE_AGGREGATOR, Role.INGEST)) {
            Assembly worker = roles.get(Role.WORKER);
            Assembly usage = roles.get(Role.USAGE_AGGREGATOR);
            Assembly ingest = roles.get(Role.INGEST);
            URI ingestUrl = URI.create("http://127.0.0.1:" + ingest.get(IngestServer.class).port());
            URI workerUrl = URI.create("http://127.0.0.1:" + worker.get(HealthServer.class).port());
            URI usageUrl = usage.get(UsageAggregator.class).url();
            await().atMost(WAIT).until(() -> worker.ready() && ingest.get(IngestServer.class).ready()
                    && usage.ready());

            IngestClient client = new IngestClient(ingestUrl);
            long firstMinute = clockMinute();
            List<String> ids = new ArrayList<>(client.submitNdjson(List.of(
                    line("gpt-4o-mini", false), line("gpt-4o-mini", true), line("broken", false),
                    line("rescued", false))).jobIds());
            await().atMost(WAIT).ignoreExceptions().until(() -> allTerminal(client, ids));
            assertThat(client.job(ids.get(2)).path("status").asText()).isEqualTo("failed");
            assertThat(client.job(ids.get(3)).path("status").asText()).as("by its fallback").isEqualTo("succeeded");
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(ingestUrl.resolve("/v1/jobs"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"model\":5}"))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode()).as("a rejected job").isEqualTo(400);
            assertThat(status(ingestUrl.resolve("/no/such/route"))).as("counted as NOT_FOUND, not by path")
                    .isEqualTo(404);
            assertThat(status(workerUrl.resolve("/health/live"))).isEqualTo(200);
            assertThat(status(usageUrl.resolve("/health/live"))).isEqualTo(200);

            // jvm_gc_pause_seconds appears at a role's first collection after it started; the roles share this
            // JVM, whose large heap may not have collected yet: collect once, so every role has the series
            System.gc();
            Scrape workerScrape = await().atMost(WAIT).until(() -> Scrape.get(workerUrl.resolve("/metrics")),
                    s -> s.sum("llmq_jobs_completed_total", Map.of()) >= 4 && collected(s));
            assertWorker(workerScrape, firstMinute == clockMinute());
            Scrape ingestScrape = await().atMost(WAIT).until(() -> Scrape.get(ingestUrl.resolve("/metrics")),
                    MetricsScrapeIT::collected);
            assertIngest(ingestScrape);
            Scrape usageScrape = await().atMost(WAIT).until(() -> Scrape.get(usageUrl.resolve("/metrics")),
                    s -> s.sum("llmq_usage_results_total", Map.of()) >= 4 && collected(s));
            assertCommon(usageScrape, "usage-aggregator", "u-metrics");

            // the dashboard and deploy/metrics.txt name only series a live llmq exports
            Set<String> exported = new HashSet<>();
            for (Scrape scrape : List.of(workerScrape, ingestScrape, usageScrape)) {
                for (String name : scrape.names()) {
                    exported.add(name.replaceFirst("_(bucket|count|sum|max)$", ""));
                    exported.add(name);
                }
            }
            assertThat(DeploymentFiles.contractMetrics()).as("deploy/metrics.txt against the roles' scrapes")
                    .allSatisfy(name -> assertThat(exported).contains(name));

            for (Scrape scrape : List.of(workerScrape, ingestScrape, usageScrape)) {
                for (String id : ids) {
                    assertThat(scrape.text()).as("no job id in a series").doesNotContain(id);
                }
                assertThat(scrape.names()).allSatisfy(name -> scrape.samples(name).forEach(sample ->
                        assertThat(sample.labels().values()).as(name + " labels").noneMatch(v -> v.contains("job_")
                                || v.contains("batch_"))));
            }
        }
    }

    /** The clock minute the router's rpm counts are kept by (UTC, {@code epochSecond / 60}). */
    private static long clockMinute() {
        return Math.floorDiv(Instant.now().getEpochSecond(), 60);
    }

    /** {@code oneMinute}: the jobs' calls and the scrape fell in one clock minute, so its rpm count holds them all. */
    private static void assertWorker(Scrape s, boolean oneMinute) {
        assertCommon(s, "worker", "w-metrics");
        assertThat(s.sum("llmq_jobs_started_total", Map.of("model_group", "gpt-4o-mini"))).isEqualTo(2);
        assertThat(s.sum("llmq_jobs_started_total", Map.of("model_group", "broken"))).isEqualTo(1);
        assertThat(s.sum("llmq_jobs_started_total", Map.of("model_group", "rescued"))).isEqualTo(1);
        assertThat(s.sum("llmq_jobs_completed_total", Map.of("status", "succeeded"))).isEqualTo(3);
        assertThat(s.sum("llmq_jobs_completed_total", Map.of("status", "failed"))).isEqualTo(1);
        assertThat(s.sum("llmq_jobs_duration_seconds_count", Map.of("status", "succeeded"))).isEqualTo(3);
        assertThat(s.samples("llmq_jobs_duration_seconds_bucket")).as("a histogram").isNotEmpty();
        // the results went in committed transactions, each job's after its wait for one
        assertThat(s.sum("llmq_results_transactions_seconds_count", Map.of("outcome", "committed"))).isPositive();
        assertThat(s.sum("llmq_results_transaction_records_sum", Map.of())).isGreaterThanOrEqualTo(4);
        assertThat(s.sum("llmq_results_wait_seconds_count", Map.of())).isGreaterThanOrEqualTo(4);
        assertThat(s.sum("llmq_provider_calls_total", Map.of("provider", "openai", "deployment", "mini-a",
                "model_group", "gpt-4o-mini", "outcome", "success", "error_kind", "none")))
                .as("two jobs of its own and the fallback's").isEqualTo(3);
        assertThat(s.sum("llmq_provider_calls_total", Map.of("provider", "openai", "deployment", "broken-1",
                "model_group", "broken", "outcome", "error", "error_kind", "server_error")))
                .as("the call and its retry").isEqualTo(2);
        assertThat(s.sum("llmq_retries_total", Map.of("model_group", "broken"))).isEqualTo(1);
        assertThat(s.sum("llmq_retries_total", Map.of("model_group", "rescued"))).isEqualTo(1);
        assertThat(s.sum("llmq_fallbacks_total", Map.of("model_group", "rescued", "fallback_group", "gpt-4o-mini")))
                .isEqualTo(1);
        assertThat(s.sum("gen_ai_client_operation_duration_seconds_count", Map.of("gen_ai_operation_name", "chat",
                "gen_ai_provider_name", "openai", "gen_ai_request_model", "gpt-4o-mini"))).isEqualTo(3);
        assertThat(s.sum("gen_ai_client_operation_duration_seconds_count", Map.of("gen_ai_request_model", "broken",
                "error_type", "server_error"))).isEqualTo(2);
        assertThat(s.sum("gen_ai_client_token_usage_tokens_count", Map.of("gen_ai_token_type", "input",
                "gen_ai_request_model", "gpt-4o-mini"))).isEqualTo(3);
        assertThat(s.sum("gen_ai_client_token_usage_tokens_sum", Map.of("gen_ai_token_type", "output")))
                .isPositive();
        assertThat(s.sum("llmq_tokens_total", Map.of("deployment", "mini-a", "type", "input"))).isPositive();
        assertThat(s.sum("llmq_time_to_first_token_seconds_count", Map.of("model_group", "gpt-4o-mini",
                "deployment", "mini-a"))).as("the streamed job").isGreaterThanOrEqualTo(1);
        assertThat(s.sum("llmq_cost_usd_total", Map.of("model_group", "gpt-4o-mini", "deployment", "mini-a",
                "provider", "openai"))).isPositive();
        assertThat(s.sum("llmq_deployment_health", Map.of("deployment", "mini-a", "model_group", "gpt-4o-mini",
                "state", "healthy"))).isEqualTo(1);
        assertThat(s.samples("llmq_deployment_health", Map.of("deployment", "broken-1"))).hasSize(3);
        double remaining = s.sum("llmq_deployment_remaining", Map.of("deployment", "mini-a", "limit", "rpm"));
        if (oneMinute) {
            assertThat(remaining).as("rpm 1000 less the three calls").isEqualTo(997.0);
        } else {
            // a new minute began between the calls and the scrape: it holds some of them or none
            assertThat(remaining).as("rpm 1000 less the calls of this minute").isBetween(997.0, 1000.0);
        }
        assertThat(s.samples("llmq_consumer_lag")).isNotEmpty()
                .allSatisfy(sample -> assertThat(sample.labels()).containsKeys("topic", "partition"));
        assertThat(s.samples("llmq_consumer_lag_seconds")).isNotEmpty();
        assertThat(s.samples("llmq_worker_in_flight")).isNotEmpty();
        assertThat(clientIds(s, "kafka_producer_")).as("the output, the two results and the health producers")
                .anyMatch(id -> id.endsWith("-health-out")).anyMatch(id -> id.endsWith("-results-0"))
                .anyMatch(id -> id.endsWith("-results-1")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(clientIds(s, "kafka_consumer_")).as("the job, control and health consumers")
                .contains("w-metrics-control").anyMatch(id -> id.endsWith("-health-in"))
                .hasSizeGreaterThanOrEqualTo(3);
        assertThat(s.namesStartingWith("kafka_stream_")).as("a worker runs no Kafka Streams application").isEmpty();
        assertThat(s.sum("http_server_requests_seconds_count", Map.of("uri", "/health/live", "method", "GET",
                "status", "200", "outcome", "SUCCESS"))).as("the health server's requests").isEqualTo(1);
    }

    private static void assertIngest(Scrape s) {
        assertCommon(s, "ingest", "i-metrics");
        assertThat(s.sum("llmq_jobs_submitted_total", Map.of())).isEqualTo(4);
        assertThat(s.sum("llmq_ingest_rejected_total", Map.of())).isEqualTo(1);
        assertThat(s.sum("llmq_ingest_submission_duration_seconds_count", Map.of())).isEqualTo(1);
        assertThat(s.sum("http_server_requests_seconds_count", Map.of("uri", "/v1/jobs", "method", "POST",
                "outcome", "SUCCESS"))).isEqualTo(1);
        assertThat(s.sum("http_server_requests_seconds_count", Map.of("uri", "/v1/jobs/{id}", "method", "GET")))
                .as("status polls, by route template").isGreaterThanOrEqualTo(3);
        assertThat(s.sum("http_server_requests_seconds_count", Map.of("uri", "NOT_FOUND", "status", "404",
                "outcome", "CLIENT_ERROR"))).isEqualTo(1);
        assertThat(s.namesStartingWith("kafka_producer_")).isNotEmpty();
        assertThat(s.namesStartingWith("kafka_consumer_")).isNotEmpty();
    }

    /** The JVM's series, and every series tagged with the role and its instance id. */
    private static void assertCommon(Scrape s, String role, String instanceId) {
        assertThat(s.names()).contains("jvm_memory_used_bytes", "jvm_threads_live_threads", "process_cpu_usage",
                "system_cpu_usage", "process_uptime_seconds", "jvm_classes_loaded_classes",
                "http_server_requests_seconds_count");
        for (String name : s.names()) {
            assertThat(s.samples(name)).as(name).allSatisfy(sample -> assertThat(sample.labels())
                    .containsEntry("role", role).containsEntry("instance_id", instanceId));
        }
    }

    /** Roles started side by side (quicker than one after the other), closed together. */
    private record Roles(Map<Role, Assembly> started) implements AutoCloseable {

        static Roles start(RoleOptions options, Role... roles) {
            Map<Role, CompletableFuture<Assembly>> starts = new EnumMap<>(Role.class);
            for (Role role : roles) {
                starts.put(role, CompletableFuture.supplyAsync(() -> {
                    try {
                        return Assembly.start(role, options);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }));
            }
            Map<Role, Assembly> started = new EnumMap<>(Role.class);
            RuntimeException failed = null;
            for (Map.Entry<Role, CompletableFuture<Assembly>> e : starts.entrySet()) {
                try {
                    started.put(e.getKey(), e.getValue().join());
                } catch (RuntimeException ex) {
                    failed = ex;
                }
            }
            Roles all = new Roles(started);
            if (failed != null) {
                all.close();
                throw failed;
            }
            return all;
        }

        Assembly get(Role role) {
            return started.get(role);
        }

        @Override
        public void close() {
            started.values().forEach(Assembly::close);
        }
    }

    /** The {@code client_id} labels of the series whose names start with {@code prefix}. */
    private static Set<String> clientIds(Scrape s, String prefix) {
        Set<String> ids = new java.util.TreeSet<>();
        s.namesStartingWith(prefix).forEach(name -> s.samples(name).forEach(sample -> {
            String id = sample.labels().get("client_id");
            if (id != null) {
                ids.add(id);
            }
        }));
        return ids;
    }

    /** True once the scrape has the JVM's garbage-collection pause timer (its first collection was seen). */
    private static boolean collected(Scrape scrape) {
        return scrape.names().contains("jvm_gc_pause_seconds_count");
    }

    private static int status(URI url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        }
    }

    private static boolean allTerminal(IngestClient client, List<String> ids) throws Exception {
        for (String id : ids) {
            if (!Set.of("succeeded", "failed").contains(client.job(id).path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    private static String line(String model, boolean stream) {
        return """
                {"method":"POST","url":"/v1/chat/completions","body":{"model":"%s","stream":%s,\
                "messages":[{"role":"user","content":"hello"}]}}""".formatted(model, stream);
    }
}
