package dev.llmq.worker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.Providers;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.Router;
import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.JobStatus;
import dev.llmq.worker.JobOutcome;
import dev.llmq.worker.budgets.BudgetBoard;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attempt meters ({@code llmq.provider.calls}, {@code gen_ai.client.operation.duration}, {@code llmq.retries},
 * {@code llmq.fallbacks}) and the deployment gauges, from a real router calling the mock LLM server over HTTP.
 */
class RoutedJobMetricsTest {

    private MockLlmServer mock;
    private MeterRegistry meters;
    private Router router;
    private RoutedJobHandler handler;

    @BeforeEach
    void start() {
        mock = MockLlmServer.builder().port(0).build().start();
        mock.behavior("once-broken", MockBehavior.defaults().failingFirst(1, Fault.serverError()));
        mock.behavior("keyless", MockBehavior.defaults().failingAlways(Fault.invalidApiKey()));
        String yaml = """
                model_list:
                  - model_name: mini
                    litellm_params: { model: openai/gpt-4o-mini, api_base: %1$s, api_key: k, rpm: 100 }
                    model_info: { id: mini-1 }
                  - model_name: shaky
                    litellm_params: { model: openai/once-broken, api_base: %1$s, api_key: k }
                    model_info: { id: shaky-1 }
                  - model_name: locked
                    litellm_params: { model: openai/keyless, api_base: %1$s, api_key: k }
                    model_info: { id: locked-1 }
                  - model_name: claude
                    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: %2$s, api_key: k }
                    model_info: { id: claude-1 }
                router_settings: { num_retries: 1, fallbacks: [{ locked: [mini] }] }
                """.formatted(mock.openAiBaseUrl(), mock.anthropicBaseUrl());
        Clock clock = Clock.systemUTC();
        DeploymentPrices prices = new DeploymentPrices(PriceTable.bundled());
        router = new Router(ConfigLoader.parse(yaml, Map.of()), clock, new SplittableRandom(7), duration -> { },
                prices);
        meters = new SimpleMeterRegistry();
        handler = new RoutedJobHandler(() -> router, Providers.client(Providers.defaultHttpClient(), clock), prices,
                clock, new BudgetBoard(), meters);
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    @Test
    void aSuccessCountsOneCallAndItsDuration() throws Exception {
        JobOutcome outcome = handler.handle(RoutingFixtures.job("mini", false), new RoutedJobHandlerTest.RecordingChunks());
        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);

        assertThat(calls("mini-1", "success", "none")).isEqualTo(1);
        assertThat(meters.get("llmq.provider.calls").tag("provider", "openai").tag("model_group", "mini")
                .tag("deployment", "mini-1").counter().count()).isEqualTo(1);
        assertThat(meters.get("gen_ai.client.operation.duration").tag("gen_ai.operation.name", "chat")
                .tag("gen_ai.provider.name", "openai").tag("gen_ai.request.model", "gpt-4o-mini")
                .tag("error.type", "").timer().count()).isEqualTo(1);
        assertThat(Search.in(meters).name("llmq.retries").counters()).isEmpty();
        assertThat(Search.in(meters).name("llmq.fallbacks").counters()).isEmpty();
    }

    @Test
    void aProviderErrorThenARetryCountsBothCallsAndTheRetry() throws Exception {
        JobOutcome outcome = handler.handle(RoutingFixtures.job("shaky", false), new RoutedJobHandlerTest.RecordingChunks());
        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(outcome.attempts()).hasSize(2);

        assertThat(calls("shaky-1", "error", "server_error")).isEqualTo(1);
        assertThat(calls("shaky-1", "success", "none")).isEqualTo(1);
        assertThat(meters.get("gen_ai.client.operation.duration").tag("gen_ai.request.model", "once-broken")
                .tag("error.type", "server_error").timer().count()).isEqualTo(1);
        assertThat(meters.get("gen_ai.client.operation.duration").tag("gen_ai.request.model", "once-broken")
                .tag("error.type", "").timer().count()).isEqualTo(1);
        assertThat(meters.get("llmq.retries").tag("model_group", "shaky").counter().count()).isEqualTo(1);
        assertThat(Search.in(meters).name("llmq.fallbacks").counters()).isEmpty();
    }

    @Test
    void aFallbackCountsTheFailedGroupsCallsAndTheMove() throws Exception {
        JobOutcome outcome = handler.handle(RoutingFixtures.job("locked", false), new RoutedJobHandlerTest.RecordingChunks());
        assertThat(outcome.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(outcome.deployment()).isEqualTo("mini-1");

        assertThat(calls("locked-1", "error", "authentication")).isPositive();
        assertThat(calls("mini-1", "success", "none")).isEqualTo(1);
        assertThat(meters.get("llmq.fallbacks").tag("model_group", "locked").tag("fallback_group", "mini")
                .counter().count()).isEqualTo(1);
    }

    /**
     * An attempt llmq refused before calling (Anthropic's temperature with top_p, without drop_params) is no provider
     * call: it counts in {@code llmq.attempts.refused}, not in {@code llmq.provider.calls} nor the call durations.
     */
    @Test
    void anAttemptRefusedBeforeCallingCountsAsRefusedNotAsAProviderCall() throws Exception {
        var job = RoutingFixtures.job("claude", false);
        job.body().put("temperature", 0.5).put("top_p", 0.9);

        JobOutcome outcome = handler.handle(job, new RoutedJobHandlerTest.RecordingChunks());

        assertThat(outcome.attempts()).singleElement().satisfies(a -> assertThat(a.sent()).isFalse());
        assertThat(mock.requests()).isEmpty();
        assertThat(meters.get("llmq.attempts.refused").tag("provider", "anthropic").tag("deployment", "claude-1")
                .tag("model_group", "claude").tag("error_kind", "unsupported_parameter").counter().count())
                .isEqualTo(1);
        assertThat(Search.in(meters).name("llmq.provider.calls").counters()).isEmpty();
        assertThat(Search.in(meters).name("gen_ai.client.operation.duration").timers()).isEmpty();

        handler.handle(RoutingFixtures.job("mini", false), new RoutedJobHandlerTest.RecordingChunks());
        assertThat(calls("mini-1", "success", "none")).isEqualTo(1);
        assertThat(Search.in(meters).name("llmq.attempts.refused").counter().count()).as("a call is no refusal")
                .isEqualTo(1);
    }

    @Test
    void deploymentGaugesReadHealthAndRemainingLimits() throws Exception {
        DeploymentGauges.bind(meters, router);
        assertThat(health("mini-1", "healthy")).isEqualTo(1);
        assertThat(health("mini-1", "cooled")).isZero();
        assertThat(health("mini-1", "open")).isZero();
        assertThat(remaining("mini-1", "rpm")).isEqualTo(100);
        assertThat(remaining("mini-1", "tpm")).as("no tpm limit").isNaN();

        handler.handle(RoutingFixtures.job("mini", false), new RoutedJobHandlerTest.RecordingChunks());
        assertThat(remaining("mini-1", "rpm")).isEqualTo(99);

        handler.handle(RoutingFixtures.job("locked", false), new RoutedJobHandlerTest.RecordingChunks());
        assertThat(health("locked-1", "healthy")).as("a bad key cools the deployment down").isZero();
        assertThat(health("locked-1", "cooled") + health("locked-1", "open")).isEqualTo(1);
    }

    @Test
    void aReloadRegistersTheGaugesOfNewDeploymentsOnly() {
        DeploymentGauges gauges = DeploymentGauges.bind(meters, router);
        assertThat(gauges.sync()).as("nothing changed: Micrometer warns at a gauge registered again").isZero();

        router.reload(ConfigLoader.parse("""
                model_list:
                  - model_name: mini
                    litellm_params: { model: openai/gpt-4o-mini, api_base: %1$s, api_key: k, rpm: 100 }
                    model_info: { id: mini-1 }
                  - model_name: mini
                    litellm_params: { model: openai/gpt-4o-mini, api_base: %1$s, api_key: k }
                    model_info: { id: mini-2 }
                  - model_name: steady
                    litellm_params: { model: openai/once-broken, api_base: %1$s, api_key: k }
                    model_info: { id: shaky-1 }
                """.formatted(mock.openAiBaseUrl()), Map.of()));

        assertThat(gauges.sync()).as("mini-2: three health and two limit gauges; shaky-1 in a new group: three")
                .isEqualTo(8);
        assertThat(health("mini-2", "healthy")).isEqualTo(1);
        assertThat(meters.get("llmq.deployment.health").tag("deployment", "shaky-1").tag("model_group", "steady")
                .tag("state", "healthy").gauge().value()).isEqualTo(1);
        assertThat(meters.get("llmq.deployment.health").tag("deployment", "shaky-1").tag("model_group", "shaky")
                .tag("state", "healthy").gauge().value()).as("its former group").isNaN();
        assertThat(health("locked-1", "healthy")).as("removed").isNaN();
        assertThat(gauges.sync()).isZero();
    }

    private double calls(String deployment, String outcome, String errorKind) {
        var counter = Search.in(meters).name("llmq.provider.calls").tag("deployment", deployment)
                .tag("outcome", outcome).tag("error_kind", errorKind).counter();
        return counter == null ? 0 : counter.count();
    }

    private double health(String deployment, String state) {
        return meters.get("llmq.deployment.health").tag("deployment", deployment).tag("state", state).gauge().value();
    }

    private double remaining(String deployment, String limit) {
        return meters.get("llmq.deployment.remaining").tag("deployment", deployment).tag("limit", limit).gauge()
                .value();
    }
}
