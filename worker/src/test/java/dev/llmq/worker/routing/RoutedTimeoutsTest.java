package dev.llmq.worker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.Attempt;
import dev.llmq.schemas.JobStatus;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.worker.JobOutcome;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-deployment timeouts (issue 4, point 6) end a slow call as a {@code timeout} attempt that is retried at once on
 * another deployment, without waiting for the slow provider.
 */
class RoutedTimeoutsTest {

    private MockLlmServer mock;
    private RoutedJobHandler handler;

    @BeforeEach
    void start() {
        mock = MockLlmServer.builder().port(0)
                .behavior("slow", MockBehavior.defaults().withLatency(Duration.ofSeconds(5)))
                .behavior("stalling", MockBehavior.defaults().withCompletionTokens(40).withTokensPerSecond(0.4))
                .build().start();
        String base = mock.openAiBaseUrl();
        String yaml = """
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/slow, api_base: %1$s, api_key: k, weight: 1000, timeout: 0.4 }
                    model_info: { id: slow-1 }
                  - model_name: g
                    litellm_params: { model: openai/fast, api_base: %1$s, api_key: k, weight: 0.001 }
                    model_info: { id: fast-1 }
                  - model_name: s
                    litellm_params: { model: openai/stalling, api_base: %1$s, api_key: k, weight: 1000,
                                      timeout: 30, stream_timeout: 0.4 }
                    model_info: { id: stalling-1 }
                  - model_name: s
                    litellm_params: { model: openai/fast, api_base: %1$s, api_key: k, weight: 0.001 }
                    model_info: { id: fast-2 }
                router_settings: { num_retries: 2 }
                """.formatted(base);
        handler = RoutingFixtures.handler(yaml, 11);
    }

    @AfterEach
    void stop() {
        mock.close();
    }


    @Test
    void aRequestTimeoutEndsTheSlowCallAndTheJobSucceedsOnAnotherDeployment() throws Exception {
        long start = System.nanoTime();
        JobOutcome outcome = handler.handle(RoutingFixtures.job("g", false), new RoutedJobHandlerTest.RecordingChunks());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(outcome.deployment()).isEqualTo("fast-1");
        assertThat(outcome.attempts()).extracting(Attempt::deployment).containsExactly("slow-1", "fast-1");
        Attempt timedOut = outcome.attempts().getFirst();
        assertThat(timedOut.outcome()).isEqualTo("timeout");
        assertThat(timedOut.latencyMs()).as("cancelled at the 0.4 s timeout").isBetween(350L, 1500L);
        assertThat(took).as("the job did not wait for the 5 s answer").isLessThan(Duration.ofSeconds(3));
        assertThat(mock.requests("slow")).hasSize(1);
    }

    @Test
    void aStreamIdleTimeoutEndsTheStalledStreamAndTheJobSucceedsOnAnotherDeployment() throws Exception {
        RoutedJobHandlerTest.RecordingChunks chunks = new RoutedJobHandlerTest.RecordingChunks();
        long start = System.nanoTime();
        JobOutcome outcome = handler.handle(RoutingFixtures.job("s", true), chunks);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(outcome.attempts()).extracting(Attempt::deployment).containsExactly("stalling-1", "fast-2");
        Attempt stalled = outcome.attempts().getFirst();
        assertThat(stalled.outcome()).isEqualTo("timeout");
        assertThat(stalled.message()).contains("no stream data");
        assertThat(chunks.attempt()).as("chunks restart with the second attempt").isEqualTo(2);
        assertThat(chunks.text()).isEqualTo(
                outcome.response().path("choices").path(0).path("message").path("content").asText());
        assertThat(took).as("a 40-token stream at 0.4 tokens/s would take 100 s").isLessThan(Duration.ofSeconds(5));
    }
}
