package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.Providers;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.Router;
import dev.llmq.router.Sleeper;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.worker.budgets.BudgetBoard;
import dev.llmq.worker.routing.DeploymentPrices;
import dev.llmq.worker.routing.RoutedJobHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Budgets stop spending and spending resumes (issue 9, point 4): budget states published on the control topic, read
 * by a real worker before it takes jobs; jobs answered by the mock LLM, whose recorded requests show which calls were
 * made. A deployment's budget sends jobs to the other deployment; a tenant's {@code wait} budget holds its job until
 * the reset, then it runs; a tenant's {@code fail} budget ends its job with {@code budget_exceeded} and no call.
 */
class BudgetsIT extends WorkerIT {

    private static final JsonSerde<BudgetMessage> BUDGETS = JsonSerde.budget();

    private final Clock clock = Clock.systemUTC();
    private MockLlmServer mock;

    BudgetsIT(KafkaCluster kafka) {
        super(kafka);
    }

    @BeforeEach
    void startMock() {
        mock = MockLlmServer.builder().port(0).build().start();
    }

    @AfterEach
    void stopMock() {
        mock.close();
    }

    /** A started worker whose router and handler act on the budget board the worker fills. */
    private JobWorker worker(KafkaFixture fx) {
        String yaml = """
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/model-1, api_base: %1$s, api_key: k }
                    model_info: { id: d-1 }
                  - model_name: g
                    litellm_params: { model: openai/model-2, api_base: %1$s, api_key: k }
                    model_info: { id: d-2 }
                """.formatted(mock.openAiBaseUrl());
        BudgetBoard budgets = new BudgetBoard();
        DeploymentPrices prices = new DeploymentPrices(PriceTable.bundled());
        Router router = new Router(ConfigLoader.parse(yaml, Map.of()), clock, new SplittableRandom(1), Sleeper.THREAD,
                prices, budgets);
        RoutedJobHandler handler = new RoutedJobHandler(() -> router,
                Providers.client(Providers.defaultHttpClient(), clock), prices, clock, budgets);
        JobWorker worker = new JobWorker(fx.settings("w-budget"), handler, clock, new SimpleMeterRegistry(), budgets);
        worker.start();
        return worker;
    }

    private static void publish(KafkaFixture fx, String scope, String subject, String onExceeded, Instant resetsAt)
            throws Exception {
        Instant now = Instant.now();
        BudgetMessage m = new BudgetMessage(BudgetMessage.SCHEMA_VERSION, BudgetMessage.TYPE, scope, subject,
                new BigDecimal("1.00"), new BigDecimal("1.02"), "1d", now.minus(Duration.ofHours(1)), resetsAt, true,
                onExceeded, "it", now);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(fx.topics.control(), KafkaFixture.utf8(m.key()),
                BUDGETS.toBytes(m));
        record.headers().add(LlmqHeaders.CONTROL_TYPE, KafkaFixture.utf8(BudgetMessage.TYPE));
        fx.sendRaw(record);
    }

    private static JobRequest job(String id, String tenant) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("model", "g");
        body.putArray("messages").addObject().put("role", "user").put("content", "hello");
        return new JobRequest(JobRequest.SCHEMA_VERSION, id, null, null, tenant, "g", body, false, 0, null, null,
                null, Instant.now(), null);
    }

    private static Map<String, JobResult> results(KafkaFixture fx) throws Exception {
        Map<String, JobResult> out = new HashMap<>();
        fx.readAll(fx.topics.results()).forEach(r -> {
            JobResult result = TestJobs.RESULTS.fromBytes(r.value());
            out.putIfAbsent(result.jobId(), result);
        });
        return out;
    }

    private int calls() {
        return mock.requests("model-1").size() + mock.requests("model-2").size();
    }

    @Test
    void anExhaustedDeploymentIsSkippedForTheOther() throws Exception {
        KafkaFixture fx = fixture("budget-deployment", 1);
        publish(fx, BudgetMessage.SCOPE_DEPLOYMENT, "d-1", BudgetMessage.ON_EXCEEDED_WAIT,
                Instant.now().plus(Duration.ofHours(1)));
        List<String> ids = List.of("j0", "j1", "j2", "j3", "j4", "j5");
        for (String id : ids) {
            fx.send(job(id, "acme"));
        }
        try (JobWorker ignored = worker(fx)) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(results(fx)).containsKeys(ids.toArray(String[]::new)));
            assertThat(results(fx).values()).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(r.deployment()).isEqualTo("d-2");
            });
            assertThat(mock.requests("model-1")).isEmpty();
            assertThat(mock.requests("model-2")).hasSize(ids.size());
        }
    }

    @Test
    void aTenantsWaitBudgetHoldsItsJobUntilTheResetThenItRuns() throws Exception {
        KafkaFixture fx = fixture("budget-wait", 1);
        Instant resetsAt = Instant.now().plus(Duration.ofSeconds(10));
        publish(fx, BudgetMessage.SCOPE_TENANT, "acme", BudgetMessage.ON_EXCEEDED_WAIT, resetsAt);
        fx.send(job("held", "acme"));
        fx.send(job("free", "globex"));
        try (JobWorker worker = worker(fx)) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(results(fx)).containsKey("free"));
            assertThat(Instant.now()).as("the test checks the hold before the reset").isBefore(resetsAt);
            assertThat(results(fx)).doesNotContainKey("held");
            assertThat(calls()).as("only the other tenant's job called the provider").isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(worker.waiting()).as("the held job waits without a slot").isEqualTo(1));

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(results(fx)).containsKey("held"));
            JobResult held = results(fx).get("held");
            assertThat(held.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(held.attempts().getFirst().startedAt()).isAfterOrEqualTo(resetsAt);
            assertThat(calls()).isEqualTo(2);
        }
    }

    @Test
    void aTenantsFailBudgetEndsItsJobWithBudgetExceededAndNoCall() throws Exception {
        KafkaFixture fx = fixture("budget-fail", 1);
        publish(fx, BudgetMessage.SCOPE_TENANT, "acme", BudgetMessage.ON_EXCEEDED_FAIL,
                Instant.now().plus(Duration.ofHours(1)));
        fx.send(job("stopped", "acme"));
        fx.send(job("free", "globex"));
        try (JobWorker ignored = worker(fx)) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(results(fx)).containsKeys("stopped", "free"));
            JobResult stopped = results(fx).get("stopped");
            assertThat(stopped.status()).isEqualTo(JobStatus.FAILED);
            assertThat(stopped.error().kind()).isEqualTo("budget_exceeded");
            assertThat(stopped.error().type()).isEqualTo("budget_exceeded");
            assertThat(stopped.error().code()).isEqualTo("budget_exceeded");
            assertThat(stopped.error().message()).contains("tenant 'acme'").contains("resets at");
            assertThat(stopped.attempts()).isEmpty();
            assertThat(results(fx).get("free").status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(calls()).as("only the other tenant's job called the provider").isEqualTo(1);
        }
    }
}
