package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.Providers;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.Router;
import dev.llmq.router.Sleeper;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.runtime.mock.RecordedRequest;
import dev.llmq.schemas.Attempt;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.worker.routing.DeploymentPrices;
import dev.llmq.worker.routing.RoutedJobHandler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cancellation through the control topic, deadlines in flight and per-attempt status events, on the real broker with
 * the mock LLM server: queued jobs are skipped, calls in flight have their connection closed (the mock says so) and
 * end {@code cancelled} or {@code expired} with what they had produced.
 */
class CancellationIT extends WorkerIT {

    private static final JsonSerde<JobControlMessage> CONTROL = JsonSerde.jobControl();
    private static final JsonSerde<JobStatusEvent> STATUS = JsonSerde.jobStatusEvent();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private MockLlmServer mock;
    private KafkaFixture fx;

    CancellationIT(KafkaCluster kafka) {
        super(kafka);
    }

    @BeforeEach
    void setUp() throws Exception {
        mock = MockLlmServer.builder().port(0)
                .behavior("quick", MockBehavior.defaults())
                .behavior("never", MockBehavior.defaults())
                .behavior("slow", MockBehavior.defaults().withLatency(Duration.ofSeconds(60)))
                .behavior("paced", MockBehavior.defaults().withCompletionTokens(2000).withTokensPerSecond(40))
                .behavior("flaky", MockBehavior.defaults().failingAlways(Fault.serverError()))
                .build().start();
        fx = fixture("cancel", 2);
        String base = mock.openAiBaseUrl();
        String yaml = """
                model_list:
                  - { model_name: quick, litellm_params: { model: openai/quick, api_base: %1$s, api_key: k }, model_info: { id: quick-1 } }
                  - { model_name: never, litellm_params: { model: openai/never, api_base: %1$s, api_key: k }, model_info: { id: never-1 } }
                  - { model_name: slow, litellm_params: { model: openai/slow, api_base: %1$s, api_key: k }, model_info: { id: slow-1 } }
                  - { model_name: paced, litellm_params: { model: openai/paced, api_base: %1$s, api_key: k }, model_info: { id: paced-1, base_model: gpt-4o-mini } }
                  - { model_name: flaky, litellm_params: { model: openai/flaky, api_base: %1$s, api_key: k }, model_info: { id: flaky-1 } }
                router_settings: { num_retries: 1, fallbacks: [ { flaky: [quick] } ] }
                """.formatted(base);
        Clock clock = Clock.systemUTC();
        DeploymentPrices prices = new DeploymentPrices(PriceTable.bundled());
        Router router = new Router(ConfigLoader.parse(yaml, Map.of()), clock, new SplittableRandom(7), Sleeper.THREAD,
                prices);
        // every attempt's running event told when it starts, however quick (the default tells only runs that last)
        start(fx.settingsBuilder("w1").maxInFlight(16).runningEventDelay(Duration.ZERO).build(),
                new RoutedJobHandler(() -> router, Providers.client(Providers.defaultHttpClient(), clock), prices,
                        clock), clock);
    }

    @AfterEach
    void stopMock() {
        mock.close();
    }

    private static JobRequest job(String id, String batch, String group, boolean stream, Instant deadline) {
        ObjectNode body = Json.mapper().createObjectNode().put("model", group);
        body.putArray("messages").addObject().put("role", "user").put("content", "tell me about " + id);
        if (stream) {
            body.put("stream", true);
        }
        return new JobRequest(JobRequest.SCHEMA_VERSION, id, batch, null, null, group, body, stream, 0, deadline,
                List.of(), Map.of(), Instant.now(), null);
    }

    private void cancel(JobControlMessage message) throws Exception {
        RecordHeaders headers = new RecordHeaders();
        headers.add(LlmqHeaders.CONTROL_TYPE, KafkaFixture.utf8(message.type()));
        fx.sendRaw(new ProducerRecord<>(fx.topics.control(), null, KafkaFixture.utf8(message.key()),
                CONTROL.toBytes(message), headers));
    }

    private JobResult awaitResult(String jobId) {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(
                () -> TestJobs.resultsById(fx.readAll(fx.topics.results())).get(jobId), r -> r != null)
                .getFirst();
    }

    private List<JobStatusEvent> statusEvents(String jobId) throws Exception {
        return fx.readAll(fx.topics.status()).stream().map(r -> STATUS.fromBytes(r.value()))
                .filter(e -> e.jobId().equals(jobId)).toList();
    }

    private RecordedRequest onlyRequest(String model) {
        assertThat(mock.requests(model)).hasSize(1);
        return mock.requests(model).getFirst();
    }

    @Test
    void aJobCancelledBeforeItStartsIsSkippedWithACancelledResult() throws Exception {
        cancel(JobControlMessage.cancelJob("skip-me", "not needed any more", "test", Instant.now()));
        fx.send(job("skip-me", null, "never", false, null));
        fx.send(job("keep-me", null, "quick", false, null));

        JobResult skipped = awaitResult("skip-me");
        assertThat(skipped.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(skipped.error().kind()).isEqualTo("cancelled");
        assertThat(skipped.error().code()).isEqualTo("cancelled");
        assertThat(skipped.error().message()).contains("not needed any more");
        assertThat(skipped.attempts()).isEmpty();
        assertThat(awaitResult("keep-me").status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(mock.requests("never")).as("no provider call for the cancelled job").isEmpty();
    }

    @Test
    void aCallInFlightIsAbortedItsConnectionClosedAndTheJobCancelled() throws Exception {
        fx.send(job("slow-1", null, "slow", false, null));
        await().atMost(WAIT).until(() -> mock.requests("slow").size() == 1);

        cancel(JobControlMessage.cancelJob("slow-1", "changed my mind", "test", Instant.now()));

        JobResult result = awaitResult("slow-1");
        assertThat(result.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(result.error().message()).contains("changed my mind");
        assertThat(result.deployment()).isEqualTo("slow-1");
        assertThat(result.attempts()).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo("cancelled");
            assertThat(a.deployment()).isEqualTo("slow-1");
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> onlyRequest("slow").clientClosed());
        // the abort is no failure of the deployment: it still takes jobs
        fx.send(job("slow-after", null, "quick", false, null));
        assertThat(awaitResult("slow-after").status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void aStreamCancelledMidWayEndsCancelledWithTheTokensSoFar() throws Exception {
        fx.send(job("stream-1", null, "paced", true, null));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> statusEvents("stream-1").stream()
                .anyMatch(e -> e.tokensSoFar() != null && e.tokensSoFar() >= 20));

        cancel(JobControlMessage.cancelJob("stream-1", null, "test", Instant.now()));

        JobResult result = awaitResult("stream-1");
        assertThat(result.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(result.usage().completionTokens()).isGreaterThanOrEqualTo(20).isLessThan(2000);
        // the provider billed the prompt and what it streamed: estimated, priced, and said so
        assertThat(result.usage().promptTokens()).isPositive();
        assertThat(result.costUsd()).isPositive();
        assertThat(result.adjustments()).anySatisfy(a -> assertThat(a).startsWith("usage_estimated:cut_streams=1,")
                .endsWith(",completion_tokens=" + result.usage().completionTokens()));
        String streamed = TestJobs.reassemble(TestJobs.chunksById(fx.readAll(fx.topics.chunks())).get("stream-1"));
        assertThat(result.response()).as("the partial completion").isNotNull();
        assertThat(streamed).startsWith(result.response().at("/choices/0/message/content").asText().substring(0, 20));
        await().atMost(Duration.ofSeconds(10)).until(() -> onlyRequest("paced").clientClosed());

        // status: a running event for the attempt (deployment, the chunks' run id) and progress at most once a second
        List<JobStatusEvent> events = statusEvents("stream-1");
        String runId = TestJobs.chunksById(fx.readAll(fx.topics.chunks())).get("stream-1").getFirst().runId();
        assertThat(events).anySatisfy(e -> {
            assertThat(e.deployment()).isEqualTo("paced-1");
            assertThat(e.runId()).isEqualTo(runId);
            assertThat(e.attempt()).isEqualTo(1);
        });
        List<JobStatusEvent> progress = events.stream().filter(e -> e.tokensSoFar() != null && e.tokensSoFar() > 0)
                .toList();
        assertThat(progress).isNotEmpty().allSatisfy(e -> assertThat(e.runId()).isEqualTo(runId));
        for (int i = 1; i < progress.size(); i++) {
            assertThat(Duration.between(progress.get(i - 1).at(), progress.get(i).at()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(990));
            assertThat(progress.get(i).tokensSoFar()).isGreaterThan(progress.get(i - 1).tokensSoFar());
        }
    }

    @Test
    void cancellingABatchStopsItsJobsAndNoOther() throws Exception {
        fx.send(job("b-1", "batch-x", "slow", false, null));
        fx.send(job("b-2", "batch-x", "slow", false, null));
        fx.send(job("other", "batch-y", "slow", false, null));
        await().atMost(WAIT).until(() -> mock.requests("slow").size() == 3);

        cancel(JobControlMessage.cancelBatch("batch-x", "batch abandoned", "test", Instant.now()));

        assertThat(awaitResult("b-1").status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(awaitResult("b-2").status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(awaitResult("b-2").error().message()).contains("batch-x").contains("batch abandoned");
        // the two calls of the batch closed, the other one still open; on failure the message lists every request
        // of the mock (when each came and closed), which says which side did not close
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<RecordedRequest> slow = mock.requests("slow");
            assertThat(slow.stream().filter(RecordedRequest::clientClosed).count())
                    .as("requests closed by their client, of %s", slow).isEqualTo(2);
        });
        assertThat(TestJobs.resultsById(fx.readAll(fx.topics.results()))).doesNotContainKey("other");

        // a job of the batch submitted after the cancellation is skipped too
        fx.send(job("b-3", "batch-x", "never", false, null));
        assertThat(awaitResult("b-3").status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(mock.requests("never")).isEmpty();
    }

    @Test
    void aDeadlinePassingInFlightAbortsTheCallAndTheJobExpires() throws Exception {
        fx.send(job("late-1", null, "slow", false, Instant.now().plusSeconds(4)));

        JobResult result = awaitResult("late-1");

        assertThat(result.status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(result.error().kind()).isEqualTo("expired");
        assertThat(result.error().code()).isEqualTo("deadline_exceeded");
        assertThat(result.attempts()).singleElement()
                .satisfies(a -> assertThat(a.outcome()).isEqualTo("expired"));
        await().atMost(Duration.ofSeconds(10)).until(() -> onlyRequest("slow").clientClosed());
    }

    @Test
    void everyAttemptHasItsRunningEventAndTheResultCarriesEveryAttempt() throws Exception {
        fx.send(job("retried", null, "flaky", false, null));

        JobResult result = awaitResult("retried");

        assertThat(result.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(result.attempts()).extracting(Attempt::number, Attempt::deployment, Attempt::outcome)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "flaky-1", "server_error"),
                        org.assertj.core.groups.Tuple.tuple(2, "flaky-1", "server_error"),
                        org.assertj.core.groups.Tuple.tuple(3, "quick-1", "success"));
        List<JobStatusEvent> events = statusEvents("retried");
        assertThat(events).as("the wait before the retry says why").anySatisfy(e -> assertThat(e.waiting())
                .startsWith("attempt 1 failed (server_error 500); the retry is due in"));
        List<JobStatusEvent> attempts = events.stream().filter(e -> e.deployment() != null && e.waiting() == null)
                .toList();
        assertThat(attempts).extracting(JobStatusEvent::attempt, JobStatusEvent::deployment)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "flaky-1"),
                        org.assertj.core.groups.Tuple.tuple(2, "flaky-1"),
                        org.assertj.core.groups.Tuple.tuple(3, "quick-1"));
        assertThat(attempts).allSatisfy(e -> {
            assertThat(e.status()).isEqualTo(JobStatus.RUNNING);
            assertThat(e.workerId()).isEqualTo("w1");
            assertThat(e.runId()).isNotBlank();
        });
        assertThat(attempts.stream().map(JobStatusEvent::runId).collect(Collectors.toSet()))
                .as("a run id per attempt").hasSize(3);
        List<ConsumerRecord<byte[], byte[]>> status = fx.readAll(fx.topics.status());
        assertThat(status.stream().map(r -> KafkaFixture.header(r, "ce_id")).filter(id -> id.startsWith("retried:"))
                .distinct().count()).as("distinct ce_id per event").isEqualTo(
                        status.stream().filter(r -> STATUS.fromBytes(r.value()).jobId().equals("retried")).count());
    }
}
