package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budgets end to end, as a user runs them: llmq (ingest, worker and usage aggregator in one process) on the test's
 * broker and mock LLM, with priced deployments and 20-second budgets. Spend is computed by the aggregator from the
 * results, the budget event is read from the control topic with a plain consumer, and the effects are seen from
 * outside: ingest's 429, the provider calls the mock receives, the deployments on the results, and the resumption at
 * the period boundary without anything being sent.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BudgetsEndToEndIT {

    /** Both budgets' period: short, so that a test sees a reset. */
    private static final Duration PERIOD = Duration.ofSeconds(20);
    /** Every call costs (prompt + 20 completion tokens) × 0.001 USD: a few cents, so two calls exceed 0.05. */
    private static final String BUDGET = "0.05";

    private final HttpClient http = HttpClient.newHttpClient();
    private MockLlmServer mock;
    private Standalone llmq;
    private TopicNames topics;
    private String bootstrap;
    private Path config;
    private String configText;

    @BeforeAll
    void start(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        mock = MockLlmServer.builder().port(0).defaultBehavior(MockBehavior.defaults().withCompletionTokens(20))
                .build().start();
        String prefix = TestConfigs.uniquePrefix();
        topics = new TopicNames(prefix);
        bootstrap = kafka.bootstrapServers();
        String prices = "input_cost_per_token: 0.001, output_cost_per_token: 0.001";
        config = dir.resolve("budgets.yaml");
        configText = """
                model_list:
                  - model_name: tenant-group
                    litellm_params: { model: openai/gpt-4o, api_base: %1$s, api_key: k, %2$s }
                    model_info: { id: solo }
                  - model_name: shared-group
                    litellm_params: { model: openai/gpt-4o-mini, api_base: %1$s, api_key: k, weight: 10, %2$s,
                                      max_budget: %3$s, budget_duration: 20s }
                    model_info: { id: capped }
                  - model_name: shared-group
                    litellm_params: { model: openai/gpt-4o-mini, api_base: %1$s, api_key: k, weight: 1, %2$s }
                    model_info: { id: spare }
                llmq:
                  topics: { prefix: %4$s, partitions: 2 }
                  budgets:
                    - { tenant: acme, max_budget: %3$s, budget_duration: 20s }
                """.formatted(mock.openAiBaseUrl(), prices, BUDGET, prefix);
        Files.writeString(config, configText);
        llmq = TestConfigs.startLlmq(config, dir, bootstrap);
    }

    @AfterAll
    void stop() throws Exception {
        TestConfigs.closeAll(llmq, mock);
    }

    @Test
    void aTenantsSpendStopsAtItsBudgetAndResumesAtTheNextPeriod() throws Exception {
        awaitFreshPeriod();
        int callsBefore = mock.requests("gpt-4o").size();
        String other = submit("tenant-group", "other").body().path("id").asText();

        // acme spends until its budget is reached: every accepted job runs (no budget is in force yet)
        List<String> spent = new ArrayList<>();
        while (budgetEvent("tenant", "acme").isEmpty()) {
            assertThat(spent).as("the budget of %s USD is reached within a few jobs", BUDGET).hasSizeLessThan(5);
            Answer accepted = submit("tenant-group", "acme");
            assertThat(accepted.statusCode()).isEqualTo(202);
            String id = accepted.body().path("id").asText();
            spent.add(id);
            await().atMost(Duration.ofSeconds(30)).until(() -> status(id).equals("succeeded"));
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> budgetEvent("tenant", "acme").isPresent() || spentUsd(spent).compareTo(
                            new BigDecimal(BUDGET)) < 0);
        }
        BudgetMessage exceeded = budgetEvent("tenant", "acme").orElseThrow();
        assertThat(exceeded.exceeded()).isTrue();
        assertThat(exceeded.spentUsd()).isGreaterThanOrEqualTo(new BigDecimal(BUDGET))
                .isEqualByComparingTo(spentUsd(spent));
        assertThat(Duration.between(exceeded.periodStart(), exceeded.resetsAt())).isEqualTo(PERIOD);

        // ingest refuses acme's new jobs, naming the budget and its reset; another tenant is not affected
        await().atMost(Duration.ofSeconds(10)).until(() -> submitStatus("acme") == 429);
        Answer refused = submit("tenant-group", "acme");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body().path("error").path("code").asText()).isEqualTo("budget_exceeded");
        assertThat(refused.body().path("error").path("message").asText()).contains("tenant 'acme'")
                .contains(exceeded.resetsAt().toString());
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, PERIOD.toSeconds());
        assertThat(status(other)).isEqualTo("succeeded");

        // a job of acme already queued (written to the jobs topic as ingest does) does not spend: it waits
        String queued = "job_queued_" + UUID.randomUUID().toString().replace("-", "");
        int callsAtLimit = mock.requests("gpt-4o").size();
        enqueueDirectly(queued, "acme", "tenant-group");
        Duration left = Duration.between(Instant.now(), exceeded.resetsAt()).minusMillis(500);
        assertThat(left).as("time left in the period to watch the queued job").isGreaterThan(Duration.ofSeconds(1));
        Duration watch = left.compareTo(Duration.ofSeconds(2)) < 0 ? left : Duration.ofSeconds(2);
        await().during(watch).atMost(watch.plusSeconds(2))
                .until(() -> mock.requests("gpt-4o").size() == callsAtLimit);

        // at the period boundary everything resumes by itself
        await().atMost(PERIOD.plusSeconds(15)).until(() -> submitStatus("acme") == 202);
        assertThat(Instant.now()).isAfterOrEqualTo(exceeded.resetsAt());
        JobResult queuedResult = await().atMost(Duration.ofSeconds(30)).until(() -> result(queued), Optional::isPresent)
                .orElseThrow();
        assertThat(queuedResult.status().wire()).isEqualTo("succeeded");
        assertThat(queuedResult.attempts()).singleElement().satisfies(a -> assertThat(a.startedAt())
                .as("its provider call only after the reset").isAfterOrEqualTo(exceeded.resetsAt()));
        assertThat(mock.requests("gpt-4o").size()).isGreaterThan(callsBefore + spent.size());
    }

    @Test
    void theRouterSkipsADeploymentWhoseBudgetIsReachedUntilItResets() throws Exception {
        awaitFreshPeriod();
        List<String> ids = new ArrayList<>();
        while (budgetEvent("deployment", "capped").isEmpty()) {
            assertThat(ids).as("the capped deployment reaches its budget").hasSizeLessThan(40);
            String id = submit("shared-group", "team-" + ids.size()).body().path("id").asText();
            ids.add(id);
            await().atMost(Duration.ofSeconds(30)).until(() -> status(id).equals("succeeded"));
        }
        BudgetMessage exceeded = budgetEvent("deployment", "capped").orElseThrow();
        assertThat(exceeded.resetsAt()).isAfter(Instant.now());

        // until the reset, every job goes to the spare deployment, although capped has ten times its weight
        List<String> during = new ArrayList<>();
        for (int i = 0; i < 8 && Instant.now().isBefore(exceeded.resetsAt().minusSeconds(3)); i++) {
            String id = submit("shared-group", "team-x").body().path("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> status(id).equals("succeeded"));
            JobResult r = result(id).orElseThrow();
            if (r.startedAt().isBefore(exceeded.resetsAt())) {
                during.add(r.deployment());
            }
        }
        assertThat(during).isNotEmpty().containsOnly("spare");

        // after it, capped is picked again
        await().atMost(PERIOD.plusSeconds(5)).until(() -> Instant.now().isAfter(exceeded.resetsAt()));
        List<String> after = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = submit("shared-group", "team-y").body().path("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> status(id).equals("succeeded"));
            after.add(result(id).orElseThrow().deployment());
        }
        assertThat(after).contains("capped");
    }

    @Test
    void aBudgetAddedByEditingTheConfigStopsItsTenantAndARaisedLimitLetsItInAgainAtOnce() throws Exception {
        String globex = "    - { tenant: globex, max_budget: %s, budget_duration: 1d }\n";
        Files.writeString(config, configText + globex.formatted(BUDGET));
        List<String> spent = new ArrayList<>();
        while (budgetEvent("tenant", "globex").isEmpty()) {
            // the first jobs may complete before the reload (within a second), and so before the budget counts
            assertThat(spent).as("the added budget is reached within a few jobs").hasSizeLessThan(10);
            String id = submit("tenant-group", "globex").body().path("id").asText();
            spent.add(id);
            await().atMost(Duration.ofSeconds(30)).until(() -> status(id).equals("succeeded"));
            try {
                await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                        .until(() -> budgetEvent("tenant", "globex").isPresent());
            } catch (org.awaitility.core.ConditionTimeoutException notYet) {
                // not reached by this job: the next one
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> submitStatus("globex") == 429);

        // a higher limit: the reached budget is lifted without waiting for its period (a day) to end
        Files.writeString(config, configText + globex.formatted("100"));
        await().atMost(Duration.ofSeconds(15)).until(() -> budgetEvent("tenant", "globex").isEmpty()
                && submitStatus("globex") == 202);
        Files.writeString(config, configText);
    }

    /** Waits for a budget period with at least 16 s left, so that a test's spend and its refusals share one. */
    private void awaitFreshPeriod() {
        await().atMost(PERIOD.plusSeconds(2)).pollInterval(Duration.ofMillis(100))
                .until(() -> Instant.now().getEpochSecond() % PERIOD.toSeconds() < 4);
    }

    /** An answer of the ingest API. */
    private record Answer(int statusCode, JsonNode body, HttpHeaders headers) {
    }

    private Answer submit(String group, String tenant) throws Exception {
        String body = "{\"model\":\"" + group + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(llmq.httpUrl() + "/v1/jobs"))
                .header("Content-Type", "application/json").header("X-Llmq-Tenant", tenant)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), Json.mapper().readTree(r.body()), r.headers());
    }

    private int submitStatus(String tenant) throws Exception {
        return submit("tenant-group", tenant).statusCode();
    }

    private String status(String jobId) throws Exception {
        return new IngestClient(llmq.httpUrl()).job(jobId).path("status").asText();
    }

    private Optional<JobResult> result(String jobId) {
        return TopicReader.readAll(bootstrap, topics.results(), JsonSerde.jobResult()::fromBytes, 0).stream()
                .filter(r -> r.jobId().equals(jobId)).findFirst();
    }

    private BigDecimal spentUsd(List<String> jobIds) {
        return TopicReader.readAll(bootstrap, topics.results(), JsonSerde.jobResult()::fromBytes, 0).stream()
                .filter(r -> jobIds.contains(r.jobId())).map(JobResult::costUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** The budget's latest state on the control topic, if it was exceeded in the current period. */
    private Optional<BudgetMessage> budgetEvent(String scope, String subject) {
        String key = BudgetMessage.key(scope, subject);
        BudgetMessage latest = null;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"), new StringDeserializer(), new org.apache.kafka.common.serialization
                .ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.control()).stream()
                    .map(p -> new TopicPartition(topics.control(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (key.equals(r.key()) && r.value() != null) {
                        latest = JsonSerde.budget().fromBytes(r.value());
                    }
                }
            }
        }
        return Optional.ofNullable(latest).filter(m -> m.inForce(Instant.now()));
    }

    private void enqueueDirectly(String jobId, String tenant, String group) throws Exception {
        ObjectNode body = Json.mapper().createObjectNode().put("model", group);
        body.putArray("messages").addObject().put("role", "user").put("content", "queued before the budget");
        JobRequest job = new JobRequest(1, jobId, null, null, tenant, group, body, false, 0, null, List.of(),
                Map.of(), Instant.now(), null);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.jobs(), jobId, JsonSerde.jobRequest().toBytes(job))).get();
        }
    }
}
