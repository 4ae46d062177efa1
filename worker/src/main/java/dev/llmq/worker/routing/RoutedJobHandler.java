package dev.llmq.worker.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.Abort;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderClient;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.spi.Usages;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.worker.JobRun;
import java.util.concurrent.atomic.AtomicReference;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.router.AttemptRecord;
import dev.llmq.router.Deployment;
import dev.llmq.router.RouteRequest;
import dev.llmq.router.RoutedOutcome;
import dev.llmq.router.Router;
import dev.llmq.router.Sleeper;
import dev.llmq.router.WaitHook;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.Attempt;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.LogContext;
import dev.llmq.schemas.TraceContext;
import dev.llmq.worker.JobTracing;
import dev.llmq.worker.ChunkPublisher;
import dev.llmq.worker.JobHandler;
import dev.llmq.worker.JobOutcome;
import dev.llmq.worker.JobSlot;
import dev.llmq.worker.budgets.BudgetBoard;
import dev.llmq.worker.internal.AttemptMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The production {@link JobHandler}: the router picks deployments (retries, fallbacks, health) and provider-lib
 * calls them; streaming jobs publish every chunk of every attempt. Before a job is routed, and after each of its
 * waits between attempts, a spend budget of its tenant or one of its tags that is in force ({@link BudgetBoard}) ends
 * it with {@code budget_exceeded} or holds it until the budget resets; an attempt under way finishes.
 */
public final class RoutedJobHandler implements JobHandler {

    /** A job held by a budget looks at the board again at least this often (a lifted or a new budget). */
    static final Duration BUDGET_RECHECK = Duration.ofSeconds(5);

    private final Supplier<Router> router;
    private final ProviderClient client;
    private final CostCalculator cost;
    private final Clock clock;
    private final BudgetBoard budgets;
    private final MockResponder mock;
    private final AttemptMetrics metrics;
    private final JobTracing tracing;

    /**
     * A handler without tenant or tag budgets.
     *
     * @param router the current router (a supplier, so a reloaded config applies to the next job)
     */
    public RoutedJobHandler(Supplier<Router> router, ProviderClient client, CostCalculator cost, Clock clock) {
        this(router, client, cost, clock, new BudgetBoard());
    }

    /**
     * @param router the current router (a supplier, so a reloaded config applies to the next job)
     * @param budgets the budget states the worker reads from the control topic; those of a job's tenant and tags
     *        are checked before it is routed
     */
    public RoutedJobHandler(Supplier<Router> router, ProviderClient client, CostCalculator cost, Clock clock,
                            BudgetBoard budgets) {
        this(router, client, cost, clock, budgets, AttemptMetrics.none(), JobTracing.W3C);
    }

    /** @param meters where each job's provider attempts, retries and fallbacks are counted once its routing ends */
    public RoutedJobHandler(Supplier<Router> router, ProviderClient client, CostCalculator cost, Clock clock,
                            BudgetBoard budgets, MeterRegistry meters) {
        this(router, client, cost, clock, budgets, new AttemptMetrics(meters), JobTracing.W3C);
    }

    /**
     * As above, with the jobs' runs and provider attempts also traced by {@code tracing} (spans when OpenTelemetry
     * is configured); every provider call carries the attempt's {@code traceparent} either way.
     */
    public RoutedJobHandler(Supplier<Router> router, ProviderClient client, CostCalculator cost, Clock clock,
                            BudgetBoard budgets, MeterRegistry meters, JobTracing tracing) {
        this(router, client, cost, clock, budgets, new AttemptMetrics(meters), tracing);
    }

    private RoutedJobHandler(Supplier<Router> router, ProviderClient client, CostCalculator cost, Clock clock,
                             BudgetBoard budgets, AttemptMetrics metrics, JobTracing tracing) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.tracing = Objects.requireNonNull(tracing, "tracing");
        this.router = Objects.requireNonNull(router, "router");
        this.client = Objects.requireNonNull(client, "client");
        this.cost = Objects.requireNonNull(cost, "cost");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.budgets = Objects.requireNonNull(budgets, "budgets");
        this.mock = new MockResponder(clock);
    }

    @Override
    public JobOutcome handle(JobRequest job, ChunkPublisher chunks) throws InterruptedException {
        return handle(job, chunks, JobRun.detached());
    }

    /**
     * Routes the job; the run's abort stops its calls and waits (the job then ends {@code cancelled} or
     * {@code expired}, with what a stream had produced), each attempt is reported to the run, and the run's slot is
     * given back while the job waits for capacity ({@link #freeingSlot}).
     */
    @Override
    public JobOutcome handle(JobRequest job, ChunkPublisher chunks, JobRun run) throws InterruptedException {
        JobTracing.JobSpan span = tracing.startJob(job, run.trace());
        JobOutcome outcome = null;
        try {
            outcome = route(job, chunks, run, span);
            return outcome;
        } finally {
            span.end(outcome);
        }
    }

    private JobOutcome route(JobRequest job, ChunkPublisher chunks, JobRun run, JobTracing.JobSpan span)
            throws InterruptedException {
        Abort abort = run.abort();
        JobOutcome stoppedByBudget = awaitBudgets(job, run);
        if (stoppedByBudget != null) {
            return stoppedByBudget;
        }
        long promptEstimate = estimatePromptTokens(job.body());
        RouteRequest request = new RouteRequest(job.modelGroup(), job.tags(), promptEstimate, job.stream(),
                job.deadline(), abort);
        AtomicReference<ObjectNode> partial = new AtomicReference<>();
        CutStreams streams = new CutStreams(chunks, promptEstimate);
        RoutedOutcome outcome = router.get().execute(request, (deployment, attempt) -> {
            if (job.stream() && attempt > streams.attempt()) {
                streams.startAttempt(attempt);
            }
            streams.callStarted();
            run.attemptStarted(attempt, deployment.id());
            LogContext.deployment(deployment.id());
            JobTracing.AttemptSpan call = span.startAttempt(attempt, deployment.id(), deployment.provider(),
                    deployment.model());
            try {
                ProviderResponse response;
                if (deployment.mockResponse() != null) {
                    response = mock.respond(deployment, job, streams);
                } else {
                    ProviderTarget target = traced(deployment.target(), call.context());
                    response = job.stream() ? client.stream(target, job.body(), streams::publish, abort)
                            : client.complete(target, job.body(), abort);
                }
                call.succeeded(response);
                return response;
            } catch (ProviderException e) {
                call.failed(e.error().kind().name().toLowerCase(Locale.ROOT));
                ObjectNode soFar = e.partialCompletion().orElse(null);
                if (e.error().kind().aborted()) {
                    partial.set(soFar);
                }
                streams.callCut(deployment, toldUsage(soFar)); // cut, failed or stopped: billed for what it streamed
                throw e;
            } catch (RuntimeException | Error e) {
                call.failed(e.getClass().getName());
                throw e;
            }
        }, routerWaits(job, run));
        metrics.record(job.modelGroup(), outcome.attempts());
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("worker shutting down");
        }
        List<Attempt> attempts = outcome.attempts().stream().map(RoutedJobHandler::attempt).toList();
        JobOutcome result = switch (outcome) {
            case RoutedOutcome.Succeeded ok -> succeeded(ok, attempts);
            case RoutedOutcome.Failed failed -> failed.error().kind().aborted()
                    ? stopped(failed, attempts, partial.get())
                    : failed(failed, attempts);
        };
        return withCutStreams(result, streams);
    }

    /** The usage a stream ended early had reported so far, or null when none. */
    private static TokenUsage toldUsage(ObjectNode partial) {
        TokenUsage usage = partial == null ? null : Usages.fromOpenAi(partial.get("usage"));
        return usage == null || usage.equals(TokenUsage.ZERO) ? null : usage;
    }

    /**
     * The outcome with the estimated usage of its cut streams added ({@link CutStreams}), each priced on the
     * deployment that streamed it, and an adjustment saying so; the outcome as it is when no stream was cut.
     */
    private JobOutcome withCutStreams(JobOutcome outcome, CutStreams streams) {
        if (streams.cuts().isEmpty()) {
            return outcome;
        }
        boolean priced = outcome.costUsd() != null || outcome.costReason() != null;
        Cost total = !priced ? Cost.ZERO : outcome.costUsd() != null ? Cost.priced(outcome.costUsd())
                : Cost.unpriced(outcome.costReason());
        for (CutStreams.Cut cut : streams.cuts()) {
            total = total.plus(cost.cost(cut.deployment(), cut.usage()));
        }
        List<String> adjustments = new ArrayList<>(outcome.adjustments());
        adjustments.add(streams.adjustment());
        return outcome.withUsage(outcome.usage().plus(streams.usage())).withCost(total.usd(), total.reason())
                .withAdjustments(adjustments);
    }

    /** The deployment's target with the attempt's W3C trace context added to the call's headers. */
    static ProviderTarget traced(ProviderTarget target, TraceContext trace) {
        Map<String, String> headers = new HashMap<>(target.extraHeaders());
        headers.put(LlmqHeaders.TRACEPARENT, trace.traceparent());
        if (trace.tracestate() != null) {
            headers.put(LlmqHeaders.TRACESTATE, trace.tracestate());
        }
        return ProviderTarget.from(target).extraHeaders(headers).build();
    }

    /**
     * Holds the job while a budget of its tenant or one of its tags is in force and says {@code wait}: without its
     * slot ({@link #freeingSlot}) until the budget resets, looking again at least every {@link #BUDGET_RECHECK}. A
     * cancellation or the job's deadline ends the hold (the run's abort).
     *
     * @return the budget in force that says {@code fail} (the job must end with {@code budget_exceeded}), or null
     *         when none holds the job any more or the run was aborted
     */
    private BudgetMessage holdWhileExhausted(JobRequest job, JobRun run) throws InterruptedException {
        WaitHook hold = freeingSlot(run.slot());
        Sleeper untilAborted = duration -> run.abort().await(duration);
        while (!run.abort().aborted()) {
            Instant now = clock.instant();
            Optional<BudgetMessage> budget = budgets.stopping(job.tenant(), job.tags(), now);
            if (budget.isEmpty()) {
                return null;
            }
            if (budget.get().failsJobs()) {
                return budget.get();
            }
            Duration untilReset = Duration.between(now, budget.get().resetsAt());
            run.waiting("held until the budget resets: " + budget.get().describe());
            hold.await(untilReset.compareTo(BUDGET_RECHECK) < 0 ? untilReset : BUDGET_RECHECK, untilAborted);
        }
        return null;
    }

    /**
     * Before the job is routed: a budget of its tenant or one of its tags that says {@code fail} ends it at once
     * with {@code budget_exceeded} (no provider call); one that says {@code wait} holds it until the reset.
     *
     * @return the job's outcome when it ends here, null to route it
     */
    private JobOutcome awaitBudgets(JobRequest job, JobRun run) throws InterruptedException {
        BudgetMessage failing = holdWhileExhausted(job, run);
        if (run.abort().aborted()) {
            return stopped(new RoutedOutcome.Failed(run.abort().reason(), null, List.of()), List.of(), null);
        }
        return failing == null ? null : JobOutcome.failed(budgetExceeded(failing).toJobError(null));
    }

    /**
     * The router's waits between attempts: the job's slot is given back ({@link #freeingSlot}), and after each wait,
     * before the job's next routing decision, its tenant's and tags' budgets are looked at again: one exhausted
     * meanwhile holds the job ({@code wait}) or ends it through the run's abort with {@code budget_exceeded}
     * ({@code fail}), which the router returns as the job's error.
     */
    private WaitHook routerWaits(JobRequest job, JobRun run) {
        WaitHook freeing = freeingSlot(run.slot());
        return new WaitHook() {
            @Override
            public void await(Duration duration, Sleeper sleeper) throws InterruptedException {
                freeing.await(duration, sleeper);
                BudgetMessage failing = holdWhileExhausted(job, run);
                if (failing != null) {
                    run.abort().abort(budgetExceeded(failing));
                }
            }

            @Override
            public void await(Duration duration, Sleeper sleeper, String reason) throws InterruptedException {
                run.waiting(reason);
                await(duration, sleeper);
            }
        };
    }

    private static ProviderError budgetExceeded(BudgetMessage budget) {
        return ProviderError.builder(ErrorKind.BUDGET_EXCEEDED).message(budget.describe()).build();
    }

    /**
     * Every wait between attempts (for capacity, a cooldown, a breaker, a Retry-After, a backoff) gives the job's slot
     * back, so jobs of other groups run meanwhile, and takes one again before the next attempt; when the worker's wait
     * buffer is full the job waits in its slot.
     */
    static WaitHook freeingSlot(JobSlot slot) {
        return (duration, sleeper) -> {
            if (!slot.release()) {
                sleeper.sleep(duration);
                return;
            }
            try {
                sleeper.sleep(duration);
            } catch (InterruptedException e) {
                slot.abandon();
                throw e;
            } catch (RuntimeException | Error e) {
                slot.reacquire();
                throw e;
            }
            slot.reacquire();
        };
    }

    private JobOutcome succeeded(RoutedOutcome.Succeeded ok, List<Attempt> attempts) {
        ProviderResponse response = ok.response();
        Deployment deployment = ok.deployment();
        JobOutcome outcome = JobOutcome.succeeded(response.completion(), response.usage())
                .withRoute(deployment.id(), deployment.provider(), deployment.model())
                .withAttempts(attempts)
                .withTimings(response.latency(), response.timeToFirstToken())
                .withAdjustments(response.adjustments());
        return priced(outcome, deployment);
    }

    /** The outcome with the cost of its usage on the deployment that answered. */
    private JobOutcome priced(JobOutcome outcome, Deployment deployment) {
        Cost c = cost.cost(deployment, outcome.usage());
        return outcome.withCost(c.usd(), c.reason());
    }

    /**
     * A failed job: its {@code latency_ms} is its last attempt's, as a succeeded job's is the answering call's (not
     * the whole run with its waits and retries, which {@code started_at} and {@code completed_at} give); with no
     * attempt, how long the run took.
     */
    private static JobOutcome failed(RoutedOutcome.Failed failed, List<Attempt> attempts) {
        Deployment last = failed.lastDeployment();
        JobError error = failed.error().toJobError(last == null ? null : last.provider());
        JobOutcome outcome = JobOutcome.failed(error).withAttempts(attempts);
        if (!attempts.isEmpty()) {
            outcome = outcome.withTimings(Duration.ofMillis(attempts.getLast().latencyMs()), null);
        }
        return last == null ? outcome : outcome.withRoute(last.id(), last.provider(), last.model());
    }

    /**
     * Cancelled or expired: the attempts made, and what a stream had produced before it was stopped; its usage and
     * cost, what the provider had reported else estimated, are added with the other cut streams ({@link CutStreams}).
     */
    private JobOutcome stopped(RoutedOutcome.Failed failed, List<Attempt> attempts, ObjectNode partial) {
        JobOutcome outcome = failed(failed, attempts);
        JobError error = outcome.error();
        JobOutcome stopped = failed.error().kind() == ErrorKind.EXPIRED ? JobOutcome.expired(error)
                : JobOutcome.cancelled(error);
        stopped = stopped.withAttempts(attempts).withRoute(outcome.deployment(), outcome.provider(), outcome.model())
                .withTimings(outcome.latency(), null);
        return partial == null ? stopped : stopped.withResponse(partial);
    }

    private static Attempt attempt(AttemptRecord record) {
        return new Attempt(record.number(), record.deploymentId(), record.provider(), record.model(),
                record.outcome(), record.httpStatus() == 0 ? null : record.httpStatus(), record.latency().toMillis(),
                record.startedAt(), record.message(), record.sent() ? null : Boolean.FALSE);
    }

    /** A rough prompt size (4 characters a token) for the context-window pre-check and tpm accounting. */
    static long estimatePromptTokens(JsonNode body) {
        long chars = 0;
        for (JsonNode message : body.path("messages")) {
            JsonNode content = message.path("content");
            if (content.isTextual()) {
                chars += content.asText().length();
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    chars += part.path("text").asText("").length();
                }
            }
            chars += 16;
        }
        return (chars + 3) / 4;
    }
}
