package dev.llmq.worker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.Abort;
import dev.llmq.schemas.Attempt;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TraceContext;
import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.worker.ChunkPublisher;
import dev.llmq.worker.JobOutcome;
import dev.llmq.worker.JobRun;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The production handler against a real mock LLM server over HTTP: routing, retries, streams, cost. */
class RoutedJobHandlerTest {

    private MockLlmServer mock;
    private RoutedJobHandler handler;

    /** Records chunks per attempt, as the worker's publisher would number them. */
    static final class RecordingChunks implements ChunkPublisher {
        final List<ObjectNode> chunks = new ArrayList<>();
        int attempt = 1;

        @Override
        public void publish(ObjectNode chunk) {
            chunks.add(chunk);
        }

        @Override
        public void startAttempt(int next) {
            attempt = next;
            chunks.clear();
        }

        @Override
        public int attempt() {
            return attempt;
        }

        String text() {
            StringBuilder text = new StringBuilder();
            chunks.forEach(c -> c.path("choices").forEach(ch -> text.append(ch.path("delta").path("content").asText(""))));
            return text.toString();
        }
    }

    @BeforeEach
    void start() {
        mock = MockLlmServer.builder().port(0).build().start();
        String base = mock.openAiBaseUrl();
        String yaml = """
                model_list:
                  - model_name: mini
                    litellm_params: { model: openai/gpt-4o-mini, api_base: %1$s, api_key: k }
                    model_info: { id: mini-1 }
                  - model_name: flaky
                    litellm_params: { model: openai/broken, api_base: %1$s, api_key: k, weight: 1000 }
                    model_info: { id: flaky-broken }
                  - model_name: flaky
                    litellm_params: { model: openai/gpt-4o, api_base: %1$s, api_key: k, weight: 0.001 }
                    model_info: { id: flaky-ok }
                  - model_name: down
                    litellm_params: { model: openai/down, api_base: %1$s, api_key: k }
                    model_info: { id: down-1 }
                  - model_name: canned
                    litellm_params: { model: openai/gpt-4o, mock_response: "canned answer here" }
                    model_info: { id: canned-1 }
                  - model_name: unlisted
                    litellm_params: { model: openai/unlisted-model, api_base: %1$s, api_key: k }
                    model_info: { id: unlisted-1 }
                  - model_name: cut-once
                    litellm_params: { model: openai/cut-once, api_base: %1$s, api_key: k }
                    model_info: { id: cut-once-1, base_model: gpt-4o-mini }
                  - model_name: cut-always
                    litellm_params: { model: openai/cut-always, api_base: %1$s, api_key: k }
                    model_info: { id: cut-always-1, base_model: gpt-4o-mini }
                  - model_name: claude
                    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: %2$s, api_key: k }
                    model_info: { id: claude-1 }
                  - model_name: gemini-cut
                    litellm_params: { model: gemini/gemini-cut, api_base: %3$s, api_key: k }
                    model_info: { id: gemini-cut-1 }
                router_settings: { num_retries: 2 }
                """.formatted(base, mock.anthropicBaseUrl(), mock.baseUrl());
        mock.behavior("gemini-cut", MockBehavior.defaults().failingFirst(1, new Fault.StreamCut(3)));
        mock.behavior("cut-once", MockBehavior.defaults().failingFirst(1, new Fault.StreamCut(6)));
        mock.behavior("cut-always", MockBehavior.defaults().failingAlways(new Fault.StreamCut(5)));
        mock.behavior("broken", MockBehavior.defaults().failingAlways(Fault.serverError()));
        mock.behavior("down", MockBehavior.defaults().failingAlways(Fault.invalidApiKey()));
        handler = RoutingFixtures.handler(yaml, 7);
    }

    @AfterEach
    void stop() {
        mock.close();
    }


    /** A run of a job whose record carried {@code trace}. */
    private static JobRun tracedRun(TraceContext trace) {
        JobRun detached = JobRun.detached();
        return new JobRun() {
            @Override
            public Abort abort() {
                return detached.abort();
            }

            @Override
            public void attemptStarted(int attempt, String deployment) {
                // nothing to report
            }

            @Override
            public TraceContext trace() {
                return trace;
            }
        };
    }

    @Test
    void everyProviderAttemptCarriesTheJobsTraceIdUnderItsOwnParentId() throws Exception {
        TraceContext job = TraceContext.parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "vendor=abc").orElseThrow();

        JobOutcome outcome = handler.handle(RoutingFixtures.job("flaky", false), new RecordingChunks(),
                tracedRun(job));

        assertThat(outcome.attempts()).hasSizeGreaterThan(1);
        List<TraceContext> sent = mock.requests().stream()
                .map(r -> TraceContext.parse(r.headers().get("traceparent"), r.headers().get("tracestate"))
                        .orElseThrow())
                .toList();
        assertThat(sent).hasSize(outcome.attempts().size());
        assertThat(sent).extracting(TraceContext::traceId).containsOnly(job.traceId());
        assertThat(sent).extracting(TraceContext::tracestate).containsOnly("vendor=abc");
        assertThat(sent).extracting(TraceContext::spanId).doesNotHaveDuplicates().doesNotContain(job.spanId());
    }

    @Test
    void aJobWithoutATraceStillSendsAValidTraceparent() throws Exception {
        handler.handle(RoutingFixtures.job("mini", false), new RecordingChunks());

        assertThat(mock.requests()).singleElement().satisfies(r ->
                assertThat(TraceContext.isValid(r.headers().get("traceparent"))).isTrue());
    }

    @Test
    void aPlainJobSucceedsWithRouteUsageAndCost() throws Exception {
        JobOutcome outcome = handler.handle(RoutingFixtures.job("mini", false), new RecordingChunks());
        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(outcome.deployment()).isEqualTo("mini-1");
        assertThat(outcome.provider()).isEqualTo("openai");
        assertThat(outcome.usage().totalTokens()).isEqualTo(outcome.response().path("usage").path("total_tokens").asLong());
        assertThat(outcome.attempts()).extracting(Attempt::outcome).containsExactly("success");
        // gpt-4o-mini in the bundled table: input_cost_per_token 1.5e-07, output_cost_per_token 6e-07
        assertThat(outcome.usage().promptTokens()).isPositive();
        assertThat(outcome.costUsd()).isEqualByComparingTo(new BigDecimal("0.00000015")
                .multiply(BigDecimal.valueOf(outcome.usage().promptTokens()))
                .add(new BigDecimal("0.0000006").multiply(BigDecimal.valueOf(outcome.usage().completionTokens()))));
        assertThat(outcome.costReason()).isNull();
    }

    /**
     * A job submitted in a batch is called on the provider's real-time endpoint like any other, and billed at its
     * real-time prices: the providers' batch prices are for their own batch APIs, which llmq does not call.
     */
    @Test
    void aBatchJobIsPricedAtTheRealTimeRatesItsCallIsBilledAt() throws Exception {
        JobOutcome outcome = handler.handle(RoutingFixtures.job("mini", false, "batch_1"), new RecordingChunks());
        // gpt-4o-mini: input_cost_per_token 1.5e-07, output_cost_per_token 6e-07 (its _batches prices are half)
        assertThat(outcome.costUsd()).isEqualByComparingTo(miniCost(outcome.usage().promptTokens(),
                outcome.usage().completionTokens()));
        assertThat(mock.requests()).singleElement().satisfies(r -> assertThat(r.path()).endsWith("/chat/completions"));
    }

    @Test
    void aModelWithoutAPriceHasNoCostButAReason() throws Exception {
        JobOutcome outcome = handler.handle(RoutingFixtures.job("unlisted", false), new RecordingChunks());
        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(outcome.usage().totalTokens()).isPositive();
        assertThat(outcome.costUsd()).isNull();
        assertThat(outcome.costReason()).contains("openai/unlisted-model", "unlisted-1", "llmq.pricing.table");
    }

    @Test
    void aStreamingJobPublishesChunksThatReassembleToTheAnswer() throws Exception {
        RecordingChunks chunks = new RecordingChunks();
        JobOutcome outcome = handler.handle(RoutingFixtures.job("mini", true), chunks);
        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(chunks.chunks).isNotEmpty();
        assertThat(chunks.text()).isEqualTo(
                outcome.response().path("choices").path(0).path("message").path("content").asText());
        assertThat(outcome.timeToFirstToken()).isNotNull();
    }

    @Test
    void aFailingDeploymentIsRetriedOnAnotherAndEveryAttemptIsRecorded() throws Exception {
        JobOutcome outcome = handler.handle(RoutingFixtures.job("flaky", false), new RecordingChunks());
        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(outcome.deployment()).isEqualTo("flaky-ok");
        assertThat(outcome.attempts()).extracting(Attempt::deployment).containsExactly("flaky-broken", "flaky-ok");
        assertThat(outcome.attempts().get(0).outcome()).isEqualTo("server_error");
        assertThat(outcome.attempts().get(0).httpStatus()).isEqualTo(500);
    }

    @Test
    void aNonRetryableFailureFailsTheJobWithOpenAisErrorFields() throws Exception {
        JobOutcome outcome = handler.handle(RoutingFixtures.job("down", false), new RecordingChunks());
        assertThat(outcome.status()).isEqualTo(JobStatus.FAILED);
        assertThat(outcome.error().kind()).isEqualTo("authentication");
        assertThat(outcome.error().type()).isEqualTo("authentication_error");
        assertThat(outcome.error().httpStatus()).isEqualTo(401);
        assertThat(outcome.deployment()).isEqualTo("down-1");
        assertThat(outcome.latency()).as("the last attempt's, as a succeeded job's is its answering call's")
                .isEqualTo(java.time.Duration.ofMillis(outcome.attempts().getLast().latencyMs()));
    }

    @Test
    void aMockResponseDeploymentAnswersWithoutCallingAProvider() throws Exception {
        RecordingChunks chunks = new RecordingChunks();
        JobOutcome outcome = handler.handle(RoutingFixtures.job("canned", true), chunks);
        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(outcome.response().path("choices").path(0).path("message").path("content").asText())
                .isEqualTo("canned answer here");
        assertThat(chunks.text()).isEqualTo("canned answer here");
        assertThat(outcome.response().path("object").asText()).isEqualTo("chat.completion");
        assertThat(outcome.response().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(outcome.response().at("/usage/completion_tokens").asLong()).as("one token per word").isEqualTo(3);
        assertThat(outcome.usage().totalTokens()).isEqualTo(outcome.response().at("/usage/total_tokens").asLong());
        assertThat(chunks.chunks).extracting(c -> c.path("object").asText()).containsOnly("chat.completion.chunk");
        assertThat(chunks.chunks.getLast().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(outcome.adjustments()).contains("mock_response");
        assertThat(mock.requests()).isEmpty();
    }

    /** Counts the output deltas each attempt streamed. */
    static final class CountingChunks implements ChunkPublisher {
        final List<Integer> deltas = new ArrayList<>(List.of(0));

        @Override
        public void publish(ObjectNode chunk) {
            deltas.set(deltas.size() - 1, deltas.getLast() + ChunkPublisher.deltas(chunk));
        }

        @Override
        public void startAttempt(int next) {
            deltas.add(0);
        }

        @Override
        public int attempt() {
            return deltas.size();
        }
    }

    /** gpt-4o-mini's price in the bundled table: 1.5e-07 a prompt token, 6e-07 an output token. */
    private static BigDecimal miniCost(long prompt, long completion) {
        return new BigDecimal("0.00000015").multiply(BigDecimal.valueOf(prompt))
                .add(new BigDecimal("0.0000006").multiply(BigDecimal.valueOf(completion)));
    }

    /**
     * A stream cut part-way and tried again was billed by its provider for the prompt and what it streamed: the
     * job's usage and cost count it (estimated, and said so) on top of the answering attempt's.
     */
    @Test
    void aStreamCutAndTriedAgainCountsWhatTheCutAttemptStreamed() throws Exception {
        CountingChunks chunks = new CountingChunks();
        JobOutcome outcome = handler.handle(RoutingFixtures.job("cut-once", true), chunks);

        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(outcome.attempts()).extracting(Attempt::outcome).containsExactly("stream_truncated", "success");
        long cutDeltas = chunks.deltas.getFirst();
        assertThat(cutDeltas).isPositive();
        long prompt = RoutedJobHandler.estimatePromptTokens(RoutingFixtures.job("cut-once", true).body());
        long answerPrompt = outcome.response().at("/usage/prompt_tokens").asLong();
        long answerCompletion = outcome.response().at("/usage/completion_tokens").asLong();
        assertThat(outcome.usage().promptTokens()).isEqualTo(answerPrompt + prompt);
        assertThat(outcome.usage().completionTokens()).isEqualTo(answerCompletion + cutDeltas);
        assertThat(outcome.usage().totalTokens()).isEqualTo(answerPrompt + answerCompletion + prompt + cutDeltas);
        assertThat(outcome.costUsd()).isEqualByComparingTo(miniCost(answerPrompt, answerCompletion)
                .add(miniCost(prompt, cutDeltas)));
        assertThat(outcome.adjustments()).contains(CutStreams.ADJUSTMENT + "1,prompt_tokens=" + prompt
                + ",completion_tokens=" + cutDeltas);
        assertThat(outcome.response().at("/usage/completion_tokens").asLong()).as("the answer's own usage stays")
                .isEqualTo(answerCompletion);
    }

    /**
     * Gemini reports the usage so far on every stream event (the mock as Gemini does): a cut Gemini stream counts the
     * prompt the provider reported, not the four-characters-a-token estimate.
     */
    @Test
    void aCutGeminiStreamCountsThePromptGeminiHadReported() throws Exception {
        JobOutcome outcome = handler.handle(RoutingFixtures.job("gemini-cut", true), new CountingChunks());

        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(outcome.attempts()).extracting(Attempt::outcome).containsExactly("stream_truncated", "success");
        long reported = outcome.response().at("/usage/prompt_tokens").asLong();
        long estimate = RoutedJobHandler.estimatePromptTokens(RoutingFixtures.job("gemini-cut", true).body());
        assertThat(reported).as("the mock counts the prompt otherwise than the estimate").isNotEqualTo(estimate);
        assertThat(outcome.usage().promptTokens()).isEqualTo(2 * reported);
        assertThat(outcome.adjustments()).anySatisfy(a -> assertThat(a)
                .startsWith(CutStreams.ADJUSTMENT + "1,prompt_tokens=" + reported + ","));
    }

    @Test
    void aStreamCutOnEveryAttemptFailsWithTheUsageOfEveryCut() throws Exception {
        CountingChunks chunks = new CountingChunks();
        JobOutcome outcome = handler.handle(RoutingFixtures.job("cut-always", true), chunks);

        assertThat(outcome.status()).isEqualTo(JobStatus.FAILED);
        assertThat(outcome.attempts()).hasSize(3);
        long streamed = chunks.deltas.stream().mapToLong(Integer::longValue).sum();
        long prompt = RoutedJobHandler.estimatePromptTokens(RoutingFixtures.job("cut-always", true).body());
        assertThat(chunks.deltas).hasSize(3).allSatisfy(d -> assertThat(d).isPositive());
        assertThat(outcome.usage().promptTokens()).isEqualTo(3 * prompt);
        assertThat(outcome.usage().completionTokens()).isEqualTo(streamed);
        assertThat(outcome.costUsd()).isEqualByComparingTo(miniCost(3 * prompt, streamed));
        assertThat(outcome.adjustments()).singleElement().asString().startsWith(CutStreams.ADJUSTMENT + "3,");
    }

    @Test
    void aCallThatFailsBeforeStreamingAnythingAddsNoUsage() throws Exception {
        JobOutcome outcome = handler.handle(RoutingFixtures.job("down", true), new CountingChunks());
        assertThat(outcome.status()).isEqualTo(JobStatus.FAILED);
        assertThat(outcome.usage()).isEqualTo(dev.llmq.schemas.TokenUsage.ZERO);
        assertThat(outcome.adjustments()).isEmpty();
    }

    /**
     * A job llmq refuses before calling (Anthropic's temperature with top_p, without drop_params) fails with the 400
     * it is answered with, but its attempt says it was not sent: no {@code http_status}, {@code sent: false}.
     */
    @Test
    void anAttemptRefusedBeforeCallingIsNotRecordedAsAProviderAnswer() throws Exception {
        JobRequest job = RoutingFixtures.job("claude", false);
        job.body().put("temperature", 0.5).put("top_p", 0.9);

        JobOutcome outcome = handler.handle(job, new RecordingChunks());

        assertThat(outcome.status()).isEqualTo(JobStatus.FAILED);
        assertThat(outcome.error().kind()).isEqualTo("unsupported_parameter");
        assertThat(outcome.error().httpStatus()).isEqualTo(400);
        assertThat(outcome.attempts()).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo("unsupported_parameter");
            assertThat(a.httpStatus()).isNull();
            assertThat(a.sent()).isFalse();
            assertThat(a.deployment()).isEqualTo("claude-1");
        });
        assertThat(Json.mapper().writeValueAsString(outcome.attempts().getFirst()))
                .contains("\"sent\":false").doesNotContain("http_status");
        assertThat(mock.requests()).isEmpty();
    }

    @Test
    void promptTokensAreEstimatedFromTheMessages() {
        ObjectNode body = Json.mapper().createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", "x".repeat(400));
        assertThat(RoutedJobHandler.estimatePromptTokens(body)).isEqualTo(104);
    }
}
