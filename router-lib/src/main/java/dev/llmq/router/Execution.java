package dev.llmq.router;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One job's walk through attempts, retries and fallbacks. Not shared between threads. */
final class Execution {

    private static final Logger LOG = LoggerFactory.getLogger(Execution.class);
    static final Duration MAX_RETRY_AFTER = HealthPolicy.MAX_RETRY_AFTER_WAIT;
    static final Duration BACKOFF_BASE = Duration.ofMillis(500);
    static final Duration BACKOFF_CAP = Duration.ofSeconds(8);
    /** A job waiting for capacity re-checks this often when no recovery time is known (breakers, rpm/tpm, parallel). */
    static final Duration QUEUE_POLL = Duration.ofSeconds(1);
    /** ... and at least this often when one is (a cooldown's end), so a reload or a remote recovery is seen. */
    static final Duration QUEUE_STEP_MAX = Duration.ofSeconds(5);
    static final Duration QUEUE_STEP_MIN = Duration.ofMillis(10);

    private enum Chain { GENERIC, CONTEXT_WINDOW, CONTENT_POLICY }

    private final Router router;
    private final RouteRequest request;
    private final AttemptCall call;
    private final WaitHook waitHook;
    private final String originalGroup;
    private final List<AttemptRecord> attempts = new ArrayList<>();
    private final Set<String> visited = new HashSet<>();
    private final Set<String> failedIds = new HashSet<>();
    /** The lists of fallback groups being walked, the innermost first ({@link #switchTo}). */
    private final Deque<Frame> frames = new ArrayDeque<>();
    private String group;
    /** The current group's count, LiteLLM's {@code fallback_depth} ({@link Frame}); 0 for the job's own group. */
    private int groupDepth;
    private int inGroup;
    private int waits;
    private Duration queued = Duration.ZERO;
    private int budget;
    private ProviderError lastError;
    private Deployment lastDeployment;
    /** Why {@link #decide} stopped the job, when not for the last error itself (its deadline). */
    private ProviderError stop;

    Execution(Router router, RouteRequest request, AttemptCall call, WaitHook waits) {
        this.router = router;
        this.request = request;
        this.call = call;
        this.waitHook = waits;
        this.originalGroup = router.view().settings().modelGroupOf(request.modelGroup()); // an alias's group
        this.group = originalGroup;
        visited.add(group);
    }

    RoutedOutcome run() {
        Router.View first = router.view();
        if (!first.groups().containsKey(group)) {
            List<String> leftOut = first.config().leftOut().get(group);
            return failed(ProviderError.builder(ErrorKind.INVALID_REQUEST)
                    .providerCode(leftOut == null ? "model_not_found" : "model_unavailable")
                    .message(leftOut == null ? "model group '" + group + "' is not configured"
                            : "model group '" + group + "' has no deployment this worker can call: "
                                    + String.join("; ", leftOut))
                    .param("model").build());
        }
        budget = 1 + first.settings().numRetries() + fallbackGroups(first.settings()).size();
        while (attempts.size() < budget) {
            Router.View v = router.view();
            RouterSettings settings = v.settings();
            List<Deployment> ds = v.groups().getOrDefault(group, List.of());
            ProviderError halted = halted();
            if (halted != null) {
                return failed(halted);
            }
            Acquired acquired = acquire(v, ds);
            if (acquired.none != null) {
                Instant recovery = router.health().earliestRecovery(ds);
                Duration wait = recovery == null ? null : Duration.between(router.clock().instant(), recovery);
                boolean worthWaiting = lastError == null || lastError.retryable();
                if (worthWaiting && wait != null && wait.compareTo(MAX_RETRY_AFTER) <= 0 && waits < budget
                        && !deadlinePassed(wait)) {
                    waits++;
                    // the reason stays the same while the wait goes on, so that it is told once
                    if (!sleep(wait, acquired.none.message(group) + "; waiting for it to recover")) {
                        return failed(error(ErrorKind.TIMEOUT, "interrupted while waiting for a deployment"));
                    }
                    continue;
                }
                if (switchTo(Chain.GENERIC, settings)) {
                    continue;
                }
                Duration queueWait = queueWait(v, ds, acquired.none);
                if (queueWait != null) {
                    queued = queued.plus(queueWait);
                    if (!sleep(queueWait, acquired.none.message(group) + "; waiting for capacity "
                            + "(llmq.worker.max_queue_wait)")) {
                        return failed(error(ErrorKind.TIMEOUT, "interrupted while waiting for capacity"));
                    }
                    continue;
                }
                return failed(lastError != null ? lastError : acquired.none.toError(group));
            }
            Deployment d = acquired.deployment;
            int number = attempts.size() + 1;
            inGroup++;
            Instant started = router.clock().instant();
            ProviderResponse response;
            try {
                response = call.call(d, number);
            } catch (ProviderException e) {
                Duration latency = Duration.between(started, router.clock().instant());
                ProviderError err = e.error();
                // a call stopped by its own side (the job's abort, or its thread interrupted: a worker stopping
                // interrupts the calls that outlast its shutdown timeout) says nothing about the provider
                if (err.kind().aborted() || Thread.currentThread().isInterrupted()) {
                    return aborted(acquired, d, number, started, latency, err);
                }
                if (err.sent()) {
                    acquired.permit.failure(latency, err, ds.size() > 1);
                } else { // refused before calling: not a request to the deployment, nor against its rpm
                    acquired.permit.abandon();
                }
                attempts.add(failedAttempt(number, d, err, latency, started));
                LOG.debug("attempt {} on {} failed: {}", number, d.id(), err.kind().wire());
                lastError = err;
                lastDeployment = d;
                failedIds.add(d.id());
                Decision next = decide(v, ds, err);
                if (next == Decision.FAIL) {
                    return failed(stop != null ? stop : err);
                }
                continue;
            } catch (RuntimeException e) {
                acquired.permit.abandon();
                throw e;
            }
            Duration latency = response.latency();
            acquired.permit.success(latency, response);
            attempts.add(new AttemptRecord(number, d.id(), d.modelGroup(), d.provider(), d.model(), null, 200,
                    latency, started, null, true));
            return new RoutedOutcome.Succeeded(response, d, attempts);
        }
        return failed(lastError != null ? lastError
                : error(ErrorKind.OVERLOADED, "attempt budget of " + budget + " used up"));
    }

    /**
     * How long to wait for capacity before looking again, or null to stop waiting: a queue waits rather than fails
     * when no deployment can take the job now but one will by itself (a cooldown ends, a breaker half-opens, a
     * minute's rpm/tpm resets, a parallel call finishes, a spend budget's period resets), up to {@code llmq.worker.max_queue_wait} in all and within
     * the job's deadline. Only after the last error was retryable (or there was none): a job that failed for its own
     * reasons does not wait.
     */
    private Duration queueWait(Router.View v, List<Deployment> ds, Selection.NoneAvailable none) {
        if (lastError != null && !lastError.retryable()) {
            return null;
        }
        if (none.rejections().stream().noneMatch(r -> r.cause().clearsByItself())) {
            return null;
        }
        Duration left = v.config().llmq().worker().maxQueueWait().minus(queued);
        if (left.isNegative() || left.isZero()) {
            return null;
        }
        Instant now = router.clock().instant();
        Instant recovery = earliest(router.health().earliestRecovery(ds), router.earliestBudgetReset(ds, now));
        Duration step = recovery == null ? QUEUE_POLL : Duration.between(now, recovery);
        if (step.compareTo(QUEUE_STEP_MIN) < 0) {
            step = QUEUE_STEP_MIN;
        }
        if (step.compareTo(QUEUE_STEP_MAX) > 0) {
            step = QUEUE_STEP_MAX;
        }
        if (step.compareTo(left) > 0) {
            step = left;
        }
        if (deadlinePassed(step)) { // wait until the deadline, then the job expires (see halted)
            step = Duration.between(now, request.deadline()).plusMillis(1);
        }
        return step;
    }

    private static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }

    private enum Decision { CONTINUE, FAIL }

    private Decision decide(Router.View v, List<Deployment> ds, ProviderError err) {
        RouterSettings settings = v.settings();
        ErrorKind kind = err.kind();
        Map<ErrorKind, Integer> policy = settings.retryPolicyOf(group); // the group the attempt was in
        if (kind == ErrorKind.CONTEXT_WINDOW_EXCEEDED && !policy.containsKey(kind)) {
            return switchTo(Chain.CONTEXT_WINDOW, settings) ? Decision.CONTINUE : Decision.FAIL;
        }
        if (kind == ErrorKind.CONTENT_POLICY && !policy.containsKey(kind)) {
            return switchTo(Chain.CONTENT_POLICY, settings) ? Decision.CONTINUE : Decision.FAIL;
        }
        boolean otherAvailable = hasUntriedEligible(v, ds);
        if ((kind == ErrorKind.RATE_LIMITED || err.httpStatus() == 429) && !otherAvailable
                && !policy.containsKey(kind) && switchTo(Chain.GENERIC, settings)) {
            // as LiteLLM: a rate limit with no other deployment of the group to go to goes to the fallbacks at once,
            // instead of waiting out its Retry-After for retries first (a retry_policy for it is obeyed)
            return Decision.CONTINUE;
        }
        int allowed = settings.retriesFor(group, kind);
        if (!kind.retryable() && (kind.cooldown() || kind == ErrorKind.UNSUPPORTED_PARAMETER)
                && !policy.containsKey(kind) && otherAvailable) {
            // a deployment's own fault (key, quota, model), or a parameter its model does not take: another may work
            allowed = settings.unnamedRetries(group);
        }
        boolean budgetLeftForRetry = budget - attempts.size() > pending(settings);
        if (inGroup <= allowed && budgetLeftForRetry) {
            if (!otherAvailable) {
                Duration delay = delay(err);
                if (deadlinePassed(delay)) {
                    stop = expired("its retry after " + err.kind().wire() + " was due " + delay.toMillis()
                            + " ms later");
                    return Decision.FAIL;
                }
                if (!sleep(delay, "attempt " + attempts.size() + " failed (" + err.kind().wire()
                        + (err.httpStatus() > 0 ? " " + err.httpStatus() : "") + "); the retry is due in "
                        + millis(delay))) {
                    return Decision.FAIL;
                }
            }
            return Decision.CONTINUE;
        }
        if (fallsBack(kind) && switchTo(Chain.GENERIC, settings)) {
            return Decision.CONTINUE;
        }
        return Decision.FAIL;
    }

    /**
     * Whether an error of this kind, once the group is given up, goes on to the generic fallbacks. As in LiteLLM,
     * whose router sends every error but the typed ones (context window, content policy) to them: a parameter one
     * model does not take (LiteLLM's UnsupportedParamsError, a BadRequestError) may be taken by a fallback's model.
     * Unlike LiteLLM, a request a provider found malformed ({@code invalid_request}) is not sent on: every group
     * would refuse it alike.
     */
    private static boolean fallsBack(ErrorKind kind) {
        return kind.retryable() || kind.cooldown() || kind == ErrorKind.UNSUPPORTED_PARAMETER;
    }

    /**
     * Retry-After when the provider sent one over 0 and of at most 60 s, else exponential backoff with jitter, at most
     * 8 s. A Retry-After of 0 (or a date already past) is no hint, as for OpenAI's SDKs and LiteLLM
     * ({@code 0 < retry_after <= 60}): retrying at once would call an overloaded deployment again without a pause.
     */
    private Duration delay(ProviderError err) {
        if (err.retryAfter() != null && err.retryAfter().isPositive()
                && err.retryAfter().compareTo(MAX_RETRY_AFTER) <= 0) {
            return err.retryAfter();
        }
        int exp = Math.min(Math.max(inGroup - 1, 0), 10);
        long base = Math.min(BACKOFF_CAP.toMillis(), BACKOFF_BASE.toMillis() << exp);
        return Duration.ofMillis((long) (base / 2.0 + router.nextRandom() * base / 2.0));
    }

    private record Acquired(Deployment deployment, DeploymentHealth.Permit permit, Selection.NoneAvailable none) {
    }

    /** Picks and takes permissions, preferring deployments this job has not failed on yet. */
    private Acquired acquire(Router.View v, List<Deployment> ds) {
        RouterSettings settings = v.settings();
        Filters.Result fr = Filters.apply(request, router.health().snapshots(ds), settings.enablePreCallChecks(),
                settings.enableTagFiltering(), router.clock().instant(), router.budgets());
        List<DeploymentSnapshot> eligible = new ArrayList<>(fr.eligible());
        List<DeploymentSnapshot> untried = eligible.stream().filter(s -> !failedIds.contains(s.id())).toList();
        if (!untried.isEmpty()) {
            eligible = new ArrayList<>(untried);
        }
        List<Rejection> atAcquire = new ArrayList<>(0);
        while (true) {
            Selection s = router.pick(settings, request, eligible);
            switch (s) {
                case Selection.NoneAvailable none -> {
                    List<Rejection> rejections = new ArrayList<>(fr.rejections()); // built only now: see Filters
                    rejections.addAll(atAcquire);
                    rejections.addAll(none.rejections());
                    if (ds.isEmpty()) {
                        rejections.add(new Rejection(group, Rejection.Cause.UNKNOWN_MODEL_GROUP,
                                "no deployments after reload"));
                    }
                    return new Acquired(null, null, new Selection.NoneAvailable(rejections));
                }
                case Selection.Selected sel -> {
                    Rejection.Cause[] denied = new Rejection.Cause[1];
                    DeploymentHealth.Permit permit = router.health().tryAcquire(sel.deployment(),
                            request.estimatedPromptTokens(), request.stream(), denied);
                    if (permit != null) {
                        LOG.debug("job routed to {}: {}", sel.deployment().id(), sel.reason());
                        return new Acquired(sel.deployment(), permit, null);
                    }
                    atAcquire.add(new Rejection(sel.deployment().id(), denied[0], "at acquire"));
                    eligible.removeIf(e -> e.id().equals(sel.deployment().id()));
                }
            }
        }
    }

    private boolean hasUntriedEligible(Router.View v, List<Deployment> ds) {
        Filters.Result fr = Filters.apply(request, router.health().snapshots(ds),
                v.settings().enablePreCallChecks(), v.settings().enableTagFiltering(), router.clock().instant(),
                router.budgets());
        return fr.eligible().stream().anyMatch(s -> !failedIds.contains(s.id()));
    }

    /**
     * Leaves the current group, which failed with an error of {@code chain}'s kind, for the next fallback group, as
     * LiteLLM's router does (async_function_with_fallbacks, run_async_fallback): the current group's own list for
     * that kind first (its {@code context_window_fallbacks} after a context window error, and so on), each group
     * going on in turn to its own list when it fails, depth-first; once a list is used up, the next group of the
     * list before it. A group is tried once per job (one already tried is skipped without counting), and a group
     * goes on to a list of its own only while its count is under {@code max_fallbacks} ({@link Frame}).
     *
     * @return false when no group is left to fall back to
     */
    private boolean switchTo(Chain chain, RouterSettings settings) {
        if (groupDepth < settings.maxFallbacks()) {
            frames.push(new Frame(list(chain, group, settings), groupDepth));
        }
        while (!frames.isEmpty()) {
            Frame f = frames.peek();
            while (f.next < f.groups.size()) {
                String g = f.groups.get(f.next++);
                if (!visited.contains(g) && router.view().groups().containsKey(g)) {
                    LOG.debug("job falls back from {} to {} ({})", group, g, chain);
                    visited.add(g);
                    group = g;
                    groupDepth = ++f.count;
                    inGroup = 0;
                    failedIds.clear();
                    return true;
                }
            }
            frames.pop();
        }
        return false;
    }

    /**
     * The fallback groups one group's failure opens, in order, and how many of them were tried: LiteLLM's
     * {@code fallback_depth}, by which a group tried counts one more than the one tried before it in the same list
     * (the first, one more than the group whose list it is; the job's own group counts 0), so the later groups of a
     * long list go less far.
     */
    private static final class Frame {
        private final List<String> groups;
        private int next;
        private int count;

        Frame(List<String> groups, int ownerDepth) {
            this.groups = groups;
            this.count = ownerDepth;
        }
    }

    /** The fallbacks of {@code g} after an error of the chain's kind. */
    private static List<String> list(Chain chain, String g, RouterSettings s) {
        return switch (chain) {
            case GENERIC -> s.genericFallbacksOf(g);
            case CONTEXT_WINDOW -> s.contextWindowFallbacksOf(g);
            case CONTENT_POLICY -> s.contentPolicyFallbacksOf(g);
        };
    }

    /**
     * Fallback groups a generic failure from here may still go to: each keeps one attempt of the budget for itself.
     * The current group's generic fallbacks and the rest of the lists it came through, each group with its own,
     * as {@link #switchTo} would take them.
     */
    private int pending(RouterSettings settings) {
        Set<String> seen = new HashSet<>(visited);
        List<String> out = new ArrayList<>();
        expand(settings.genericFallbacksOf(group), settings, groupDepth, groupDepth, seen, out, EnumSet.of(
                Chain.GENERIC));
        for (Frame f : frames) {
            expand(f.groups.subList(f.next, f.groups.size()), settings, 0, f.count, seen, out,
                    EnumSet.of(Chain.GENERIC));
        }
        return (int) out.stream().filter(g -> router.view().groups().containsKey(g)).count();
    }

    /**
     * Adds those of {@code groups} not seen yet, the fallbacks of a group whose count is {@code ownerDepth} (the
     * first counting {@code count + 1}), each followed by its own lists of the {@code chains} while its count is
     * under {@code max_fallbacks}.
     */
    private static void expand(List<String> groups, RouterSettings s, int ownerDepth, int count, Set<String> seen,
                               List<String> out, Set<Chain> chains) {
        if (ownerDepth >= s.maxFallbacks()) {
            return;
        }
        for (String g : groups) {
            if (seen.add(g)) {
                count++;
                out.add(g);
                for (Chain c : chains) {
                    expand(list(c, g, s), s, count, count, seen, out, chains);
                }
            }
        }
    }

    /** Every group a job of the original group may fall back to, whatever the errors: for its attempt budget. */
    private Set<String> fallbackGroups(RouterSettings s) {
        Set<String> seen = new HashSet<>(Set.of(originalGroup));
        List<String> out = new ArrayList<>();
        for (Chain c : Chain.values()) {
            expand(list(c, originalGroup, s), s, 0, 0, seen, out, EnumSet.allOf(Chain.class));
        }
        return new LinkedHashSet<>(out);
    }

    /** Why the job must stop now (aborted, or past its deadline), or null to go on. */
    private ProviderError halted() {
        if (request.abort().aborted()) {
            return request.abort().reason();
        }
        if (deadlinePassed(Duration.ZERO)) {
            return expired("it passed before attempt " + (attempts.size() + 1));
        }
        return null;
    }

    private ProviderError expired(String when) {
        return ProviderError.builder(ErrorKind.EXPIRED).providerCode("deadline_exceeded")
                .message("the job's deadline " + request.deadline() + " passed: " + when
                        + (lastError == null ? "" : " (last error: " + lastError.kind().wire() + ")")).build();
    }

    /**
     * The call was stopped by the job's abort (cancelled, or its deadline): not the deployment's fault, so its permit
     * is given back without an outcome (no cooldown, no breaker), the attempt is recorded, and the job ends.
     */
    private RoutedOutcome aborted(Acquired acquired, Deployment d, int number, Instant started, Duration latency,
                                  ProviderError err) {
        acquired.permit.abandon();
        attempts.add(failedAttempt(number, d, err, latency, started));
        lastDeployment = d;
        return failed(err);
    }

    /**
     * The record of a failed attempt. One llmq refused before calling ({@link ProviderError#sent()} false) has no
     * HTTP status, though its error carries the 400 the job is answered with: the provider answered nothing.
     */
    private static AttemptRecord failedAttempt(int number, Deployment d, ProviderError err, Duration latency,
                                               Instant started) {
        return new AttemptRecord(number, d.id(), d.modelGroup(), d.provider(), d.model(), err.kind(),
                err.sent() ? err.httpStatus() : ProviderError.NO_STATUS, latency, started, err.message(), err.sent());
    }

    private boolean deadlinePassed(Duration after) {
        return request.deadline() != null && router.clock().instant().plus(after).isAfter(request.deadline());
    }

    /** A wait as one reads it: {@code 850 ms}, {@code 2.5 s}. */
    private static String millis(Duration d) {
        long ms = d.toMillis();
        return ms < 1000 ? ms + " ms" : (ms % 1000 == 0 ? ms / 1000 + " s" : ms / 1000.0 + " s");
    }

    /** Waits through the job's wait hook, which is told why ({@code reason}); false when interrupted. */
    private boolean sleep(Duration d, String reason) {
        try {
            waitHook.await(d, duration -> router.sleeper().sleep(duration, request.abort()), reason);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static ProviderError error(ErrorKind kind, String message) {
        return ProviderError.of(kind, message);
    }

    private RoutedOutcome failed(ProviderError err) {
        return new RoutedOutcome.Failed(err, lastDeployment, attempts);
    }
}
