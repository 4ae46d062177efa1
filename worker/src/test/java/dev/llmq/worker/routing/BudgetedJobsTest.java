package dev.llmq.worker.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.Abort;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.Providers;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.DeploymentHealthEvent;
import dev.llmq.router.Router;
import dev.llmq.router.Sleeper;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.worker.JobOutcome;
import dev.llmq.worker.JobRun;
import dev.llmq.worker.JobSlot;
import dev.llmq.worker.budgets.BudgetBoard;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Tenant and tag budgets in the production handler: fail at once, or wait without the slot until the reset. */
class BudgetedJobsTest {

    private final Clock clock = Clock.systemUTC();
    private final BudgetBoard board = new BudgetBoard();
    private final List<String> slotEvents = new CopyOnWriteArrayList<>();
    private final Abort abort = new Abort();
    private final List<String> attempts = new CopyOnWriteArrayList<>();
    private final List<String> waits = new CopyOnWriteArrayList<>();

    private Router router;

    private RoutedJobHandler handler() {
        DeploymentPrices prices = new DeploymentPrices(PriceTable.bundled());
        router = new Router(ConfigLoader.parse("""
                model_list:
                  - model_name: canned
                    litellm_params: { model: openai/gpt-4o, mock_response: "canned answer" }
                    model_info: { id: canned-1 }
                """, Map.of()), clock, new SplittableRandom(1), Sleeper.THREAD, prices);
        return new RoutedJobHandler(() -> router, Providers.client(Providers.defaultHttpClient(), clock), prices,
                clock, board);
    }

    private final JobRun run = new JobRun() {
        @Override
        public Abort abort() {
            return abort;
        }

        @Override
        public void attemptStarted(int attempt, String deployment) {
            attempts.add(deployment);
        }

        @Override
        public void waiting(String reason) {
            waits.add(reason);
        }

        @Override
        public JobSlot slot() {
            return new JobSlot() {
                @Override
                public boolean release() {
                    slotEvents.add("release");
                    return true;
                }

                @Override
                public void reacquire() {
                    slotEvents.add("reacquire");
                }

                @Override
                public void abandon() {
                    slotEvents.add("abandon");
                }
            };
        }
    };

    private static JobRequest job(String tenant, List<String> tags) {
        ObjectNode body = Json.mapper().createObjectNode().put("model", "canned");
        body.putArray("messages").addObject().put("role", "user").put("content", "hello");
        return new JobRequest(1, "job-1", null, null, tenant, "canned", body, false, 0, null, tags, null,
                Instant.now(), null);
    }

    private void exceed(String scope, String subject, String onExceeded, Instant resetsAt) {
        board.apply(new BudgetMessage(1, BudgetMessage.TYPE, scope, subject, new BigDecimal("2.50"),
                new BigDecimal("2.75"), "7d", resetsAt.minus(Duration.ofDays(7)), resetsAt, true, onExceeded, "agg",
                Instant.now()));
    }

    @Test
    void aFailBudgetOfATagEndsTheJobAtOnceWithBudgetExceeded() throws Exception {
        exceed("tag", "eval", "fail", Instant.now().plus(Duration.ofHours(1)));

        JobOutcome out = handler().handle(job("acme", List.of("eval")), new RoutedJobHandlerTest.RecordingChunks(), run);

        assertThat(out.status()).isEqualTo(JobStatus.FAILED);
        assertThat(out.error().kind()).isEqualTo("budget_exceeded");
        assertThat(out.error().type()).isEqualTo("budget_exceeded");
        assertThat(out.error().code()).isEqualTo("budget_exceeded");
        assertThat(out.error().message()).isEqualTo(board.inForce("tag", "eval", Instant.now()).orElseThrow()
                .describe());
        assertThat(attempts).isEmpty();
        assertThat(slotEvents).isEmpty();
    }

    @Test
    void aWaitBudgetOfTheTenantHoldsTheJobWithoutItsSlotUntilTheResetThenItRuns() throws Exception {
        RoutedJobHandler handler = handler(); // first: the price table takes a moment to load
        Instant resetsAt = Instant.now().plus(Duration.ofMillis(700));
        exceed("tenant", "acme", "wait", resetsAt);

        JobOutcome out = handler.handle(job("acme", List.of()), new RoutedJobHandlerTest.RecordingChunks(), run);

        assertThat(out.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(out.attempts()).singleElement().satisfies(a ->
                assertThat(a.startedAt()).isAfterOrEqualTo(resetsAt));
        assertThat(slotEvents).startsWith("release", "reacquire").containsOnly("release", "reacquire");
        assertThat(waits).as("the hold is told, with the budget").isNotEmpty().allSatisfy(w -> assertThat(w)
                .startsWith("held until the budget resets: the 7d budget of tenant 'acme'"));
    }

    @Test
    void aJobOfAnotherTenantIsNotHeld() throws Exception {
        exceed("tenant", "acme", "wait", Instant.now().plus(Duration.ofHours(1)));

        JobOutcome out = handler().handle(job("globex", List.of()),
                new RoutedJobHandlerTest.RecordingChunks(), run);

        assertThat(out.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(slotEvents).isEmpty();
    }

    @Test
    void aHeldJobEndsWhenItsRunIsAbortedItsDeadlineOrACancellation() throws Exception {
        exceed("tenant", "acme", "wait", Instant.now().plus(Duration.ofHours(1)));
        Thread.ofVirtual().start(() -> abort.abort(ProviderError.builder(ErrorKind.EXPIRED)
                .providerCode("deadline_exceeded").message("the job's deadline passed").build()));

        JobOutcome out = handler().handle(job("acme", List.of()), new RoutedJobHandlerTest.RecordingChunks(), run);

        assertThat(out.status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(out.error().kind()).isEqualTo("expired");
        assertThat(attempts).isEmpty();
    }

    @Test
    void aFailBudgetExhaustedWhileTheJobWaitsBetweenAttemptsEndsItBeforeItsNextRoutingDecision() throws Exception {
        RoutedJobHandler handler = handler();
        router.health().apply(new DeploymentHealthEvent("canned-1", DeploymentHealthEvent.State.COOLED,
                Instant.now().plus(Duration.ofSeconds(2)), "test"));
        CompletableFuture<JobOutcome> out = CompletableFuture.supplyAsync(() -> {
            try {
                return handler.handle(job("acme", List.of()), new RoutedJobHandlerTest.RecordingChunks(), run);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> slotEvents.contains("release"));
        exceed("tenant", "acme", "fail", Instant.now().plus(Duration.ofHours(1)));

        JobOutcome outcome = out.get(30, TimeUnit.SECONDS);

        assertThat(outcome.status()).isEqualTo(JobStatus.FAILED);
        assertThat(outcome.error().kind()).isEqualTo("budget_exceeded");
        assertThat(outcome.error().message()).contains("tenant 'acme'");
        assertThat(attempts).as("no provider call after the budget was exhausted").isEmpty();
    }
}
