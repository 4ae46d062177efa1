package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.Providers;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.DeploymentHealthEvent;
import dev.llmq.router.Router;
import dev.llmq.router.Sleeper;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.worker.internal.WorkerMetrics;
import dev.llmq.worker.routing.DeploymentPrices;
import dev.llmq.worker.routing.RoutedJobHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A job waiting for capacity (its group's only deployment unavailable, or a Retry-After) gives its in-flight slot
 * back, so jobs of another group on the same partition run meanwhile; it takes a slot again and succeeds once the
 * deployment is back. Real broker, real worker, the mock LLM server.
 */
@ExtendWith(KafkaClusterExtension.class)
class WaitingJobsIT {

    private final KafkaCluster kafka;
    private final Clock clock = Clock.systemUTC();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private MockLlmServer mock;

    WaitingJobsIT(KafkaCluster kafka) {
        this.kafka = kafka;
    }

    @BeforeEach
    void startMock() {
        mock = MockLlmServer.builder().port(0).build().start();
    }

    @AfterEach
    void stopMock() {
        mock.close();
    }

    private Router router() {
        String yaml = """
                router_settings: { num_retries: 2 }
                model_list:
                  - model_name: group-a
                    litellm_params: { model: openai/model-a, api_base: %1$s, api_key: k,
                                      input_cost_per_token: 0.0000001, output_cost_per_token: 0.0000003 }
                    model_info: { id: a-1 }
                  - model_name: group-b
                    litellm_params: { model: openai/model-b, api_base: %1$s, api_key: k }
                    model_info: { id: b-1 }
                """.formatted(mock.openAiBaseUrl());
        return new Router(ConfigLoader.parse(yaml, Map.of()), clock, new SplittableRandom(1), Sleeper.THREAD,
                new DeploymentPrices(PriceTable.bundled()));
    }

    private JobWorker worker(KafkaFixture fx, Router router, int maxInFlight) {
        DeploymentPrices prices = new DeploymentPrices(PriceTable.bundled());
        RoutedJobHandler handler = new RoutedJobHandler(() -> router,
                Providers.client(Providers.defaultHttpClient(), clock), prices, clock);
        return new JobWorker(fx.settingsBuilder("w-wait").maxInFlight(maxInFlight).build(), handler, clock, meters);
    }

    private static JobRequest job(String id, String group) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("model", group);
        body.putArray("messages").addObject().put("role", "user").put("content", "hello");
        return new JobRequest(JobRequest.SCHEMA_VERSION, id, null, null, null, group, body, false, 0, null, null,
                null, Instant.now(), null);
    }

    private static List<JobRequest> jobs(String prefix, String group, int n) {
        List<JobRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(job(prefix + i, group));
        }
        return out;
    }

    private static Map<String, JobResult> results(KafkaFixture fx) throws Exception {
        Map<String, JobResult> out = new HashMap<>();
        fx.readAll(fx.topics.results()).forEach(r -> {
            JobResult result = TestJobs.RESULTS.fromBytes(r.value());
            out.putIfAbsent(result.jobId(), result);
        });
        return out;
    }

    @Test
    void jobsWaitingForAnOpenBreakerLeaveTheirSlotsToAnotherGroup() throws Exception {
        try (KafkaFixture fx = new KafkaFixture(kafka.bootstrapServers(), "wait-open").create(1)) {
            Router router = router();
            // group-a's only deployment: breaker open until the test closes it
            router.health().apply(new DeploymentHealthEvent("a-1", DeploymentHealthEvent.State.OPEN,
                    Instant.now().plus(Duration.ofMinutes(5)), "test"));
            List<JobRequest> a = jobs("a", "group-a", 8);
            List<JobRequest> b = jobs("b", "group-b", 8);
            fx.sendAll(a); // first on the one partition: with held slots, b's jobs could not start
            fx.sendAll(b);
            try (JobWorker worker = worker(fx, router, 2)) {
                worker.start();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(results(fx)).containsKeys(b.stream().map(JobRequest::jobId).toArray(String[]::new)));
                Map<String, JobResult> meanwhile = results(fx);
                assertThat(b).allSatisfy(j -> assertThat(meanwhile.get(j.jobId()).status())
                        .isEqualTo(JobStatus.SUCCEEDED));
                assertThat(a.stream().map(j -> meanwhile.get(j.jobId())).filter(java.util.Objects::nonNull)
                        .map(r -> r.jobId() + " " + r.status().wire() + " " + r.error())).isEmpty();
                assertThat(worker.waiting()).isEqualTo(a.size());
                assertThat(meters.get("llmq.worker.waiting").gauge().value()).as("the gauge operators see")
                        .isEqualTo(a.size());
                assertThat(mock.requests("model-a")).isEmpty(); // waiting makes no provider call
                // and each says why on the status topic, for GET /v1/jobs/{id}
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    List<JobStatusEvent> told = fx.readAll(fx.topics.status()).stream()
                            .map(r -> JsonSerde.jobStatusEvent().fromBytes(r.value()))
                            .filter(e -> e.jobId().equals("a0")).toList();
                    assertThat(told).last().satisfies(e -> assertThat(e.waiting()).contains(
                            "no healthy deployment for model group 'group-a'", "a-1", "waiting for capacity"));
                });

                router.health().apply(new DeploymentHealthEvent("a-1", DeploymentHealthEvent.State.CLOSED, null,
                        "test"));
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(results(fx)).containsKeys(a.stream().map(JobRequest::jobId).toArray(String[]::new)));
                Map<String, JobResult> after = results(fx);
                assertThat(a).allSatisfy(j -> assertThat(after.get(j.jobId()).status()).as(j.jobId())
                        .isEqualTo(JobStatus.SUCCEEDED));
                assertThat(mock.requests("model-a")).hasSize(a.size());
                assertThat(worker.waiting()).isZero();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(fx.committed()).isEqualTo(fx.endOffsets(fx.topics.jobs())));
            }
        }
    }

    @Test
    void aJobWaitingForARetryAfterLeavesItsSlot() throws Exception {
        try (KafkaFixture fx = new KafkaFixture(kafka.bootstrapServers(), "wait-retry-after").create(1)) {
            mock.behavior("model-a", MockBehavior.defaults().failingFirst(1, new Fault.HttpError(429,
                    "rate_limit_error", "rate_limit_exceeded", null, "slow down", Optional.of(Duration.ofSeconds(3)))));
            Router router = router();
            JobRequest a = job("a0", "group-a");
            List<JobRequest> b = jobs("b", "group-b", 3);
            fx.send(a);
            fx.sendAll(b);
            try (JobWorker worker = worker(fx, router, 1)) { // one slot: b's jobs run only if a's wait frees it
                worker.start();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(results(fx)).containsKeys("a0", "b0", "b1", "b2"));
                Map<String, JobResult> results = results(fx);
                JobResult waited = results.get("a0");
                assertThat(waited.status()).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(waited.attempts()).hasSize(2);
                assertThat(waited.attempts().getFirst().httpStatus()).isEqualTo(429);
                // every b job ran while a0 waited out its Retry-After, in the slot a0 gave back
                Instant retried = waited.attempts().get(1).startedAt();
                assertThat(b).allSatisfy(j -> {
                    JobResult r = results.get(j.jobId());
                    assertThat(r.status()).isEqualTo(JobStatus.SUCCEEDED);
                    assertThat(r.completedAt()).isBefore(retried);
                });
                assertCosts(fx, waited, b.stream().map(j -> results.get(j.jobId())).toList());
            }
        }
    }

    /**
     * On the results topic, a0 (model-a, priced by its deployment's overrides of 1e-7 in and 3e-7 out) carries its
     * exact cost as a plain JSON decimal; the b jobs (model-b, in no price table) carry no cost, a reason, and their
     * tokens in the unpriced-tokens meter.
     */
    private void assertCosts(KafkaFixture fx, JobResult priced, List<JobResult> unpriced) throws Exception {
        BigDecimal expected = new BigDecimal("0.0000001").multiply(BigDecimal.valueOf(priced.usage().promptTokens()))
                .add(new BigDecimal("0.0000003").multiply(BigDecimal.valueOf(priced.usage().completionTokens())));
        assertThat(expected).isPositive();
        String json = fx.readAll(fx.topics.results()).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .filter(v -> v.contains("\"job_id\":\"" + priced.jobId() + "\"")).findFirst().orElseThrow();
        assertThat(json).contains("\"cost_usd\":" + expected.stripTrailingZeros().toPlainString() + ",")
                .doesNotContain("cost_reason");
        assertThat(unpriced).allSatisfy(r -> {
            assertThat(r.costUsd()).isNull();
            assertThat(r.costReason()).contains("openai/model-b", "b-1");
        });
        long tokens = unpriced.stream().mapToLong(r -> r.usage().promptTokens() + r.usage().completionTokens()).sum();
        assertThat(tokens).isPositive();
        // counted once the result is acknowledged, which may be just after it is readable
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(meters.find(WorkerMetrics.UNPRICED_TOKENS)
                .tag("deployment", "b-1").tag("model_group", "group-b").counter()).isNotNull()
                .extracting(c -> c.count()).isEqualTo((double) tokens));
    }
}
