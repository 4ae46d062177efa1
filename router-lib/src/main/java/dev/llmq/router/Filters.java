package dev.llmq.router;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks before a strategy runs, as pure functions over snapshots: tags, pre-call context window, health
 * (cooldown, breaker), limits (rpm, tpm, parallel requests, then the provider's shared limits), spend budgets
 * ({@link DeploymentBudgets}), then {@code order} tiers.
 *
 * <p>Runs on every routing decision, so it allocates little: the rejections' texts are only built when someone
 * reads {@link Result#rejections()} (a {@link Selection.NoneAvailable} being returned or logged).
 */
public final class Filters {

    private Filters() {
    }

    /**
     * The eligible snapshots and why the others were left out.
     *
     * @param rejections in the order the checks left deployments out; a list from {@link #apply} builds its
     *                   elements on first read
     */
    public record Result(List<DeploymentSnapshot> eligible, List<Rejection> rejections) {
        public Result {
            eligible = List.copyOf(eligible);
            rejections = rejections instanceof LazyRejections ? rejections : List.copyOf(rejections);
        }
    }

    /** The eligible snapshots, routed by tags ({@code enable_tag_filtering} on) and without budgets. */
    public static Result apply(RouteRequest request, List<DeploymentSnapshot> candidates, boolean preCallChecks,
                               Instant now) {
        return apply(request, candidates, preCallChecks, true, now, DeploymentBudgets.NONE);
    }

    /**
     * As {@link #apply(RouteRequest, List, boolean, Instant)}, leaving out deployments a budget stops at {@code now}.
     */
    public static Result apply(RouteRequest request, List<DeploymentSnapshot> candidates, boolean preCallChecks,
                               Instant now, DeploymentBudgets budgets) {
        return apply(request, candidates, preCallChecks, true, now, budgets);
    }

    /**
     * The eligible snapshots; with {@code tagFiltering} ({@code router_settings.enable_tag_filtering}) the job's tags
     * choose among the deployments ({@link #byTags}), without it they do not count here.
     */
    public static Result apply(RouteRequest request, List<DeploymentSnapshot> candidates, boolean preCallChecks,
                               boolean tagFiltering, Instant now, DeploymentBudgets budgets) {
        LazyRejections.Builder rejections = new LazyRejections.Builder(request, candidates.size());
        List<DeploymentSnapshot> tagged = tagFiltering ? byTags(request, candidates, rejections) : candidates;
        List<DeploymentSnapshot> passed = new ArrayList<>(tagged.size());
        int tier = Integer.MAX_VALUE;
        for (int i = 0, n = tagged.size(); i < n; i++) {
            DeploymentSnapshot s = tagged.get(i);
            Rejection.Cause cause = check(request, s, preCallChecks, now);
            DeploymentBudgets.Exhausted budget = cause == null ? budgets.exhausted(s.id(), now) : null;
            if (budget != null) {
                rejections.add(s, Rejection.Cause.BUDGET_EXHAUSTED, budget.description());
            } else if (cause == null) {
                passed.add(s);
                tier = Math.min(tier, s.deployment().tier());
            } else {
                rejections.add(s, cause);
            }
        }
        List<DeploymentSnapshot> eligible = new ArrayList<>(passed.size());
        for (int i = 0, n = passed.size(); i < n; i++) {
            DeploymentSnapshot s = passed.get(i);
            if (s.deployment().tier() == tier) {
                eligible.add(s);
            } else {
                rejections.add(s, Rejection.Cause.LOWER_TIER_AVAILABLE);
            }
        }
        return new Result(eligible, rejections.build());
    }

    /**
     * A job with tags goes to deployments sharing one of them, else to those tagged {@code default}. A job without
     * tags goes to {@code default}-tagged deployments when the group has any, else to all. Keeps the candidates'
     * order.
     */
    static List<DeploymentSnapshot> byTags(RouteRequest request, List<DeploymentSnapshot> candidates,
                                           LazyRejections.Builder rejections) {
        int n = candidates.size();
        List<String> jobTags = request.tags();
        boolean[] matched = new boolean[n];
        int matches = 0;
        if (!jobTags.isEmpty()) {
            for (int i = 0; i < n; i++) {
                if (sharesATag(candidates.get(i).deployment().tags(), jobTags)) {
                    matched[i] = true;
                    matches++;
                }
            }
        }
        if (matches == 0) {
            for (int i = 0; i < n; i++) {
                if (candidates.get(i).deployment().tags().contains(Deployment.DEFAULT_TAG)) {
                    matched[i] = true;
                    matches++;
                }
            }
        }
        if (matches == 0 && jobTags.isEmpty()) {
            return candidates;
        }
        List<DeploymentSnapshot> matching = new ArrayList<>(matches);
        for (int i = 0; i < n; i++) {
            DeploymentSnapshot s = candidates.get(i);
            if (matched[i]) {
                matching.add(s);
            } else {
                rejections.add(s, Rejection.Cause.TAG_MISMATCH);
            }
        }
        return matching;
    }

    private static boolean sharesATag(List<String> deploymentTags, List<String> jobTags) {
        for (int i = 0, n = deploymentTags.size(); i < n; i++) {
            if (jobTags.contains(deploymentTags.get(i))) {
                return true;
            }
        }
        return false;
    }

    /** Why the snapshot is not eligible, or null; {@link LazyRejections#detail} says it in words. */
    private static Rejection.Cause check(RouteRequest request, DeploymentSnapshot s, boolean preCallChecks,
                                         Instant now) {
        Deployment d = s.deployment();
        if (preCallChecks && s.contextWindow() != null && request.estimatedPromptTokens() > s.contextWindow()) {
            return Rejection.Cause.CONTEXT_WINDOW;
        }
        if (s.cooledUntil() != null && now.isBefore(s.cooledUntil())) {
            return Rejection.Cause.COOLED_DOWN;
        }
        if (s.circuitOpen()) {
            return Rejection.Cause.CIRCUIT_OPEN;
        }
        if (s.rpmLimit() != null && s.rpmUsed() + 1 > s.rpmLimit()) {
            return Rejection.Cause.RPM_LIMIT;
        }
        if (s.tpmLimit() != null && s.tpmUsed() + request.estimatedPromptTokens() > s.tpmLimit()) {
            return Rejection.Cause.TPM_LIMIT;
        }
        if (s.parallelLimitReached()) {
            return Rejection.Cause.PARALLEL_LIMIT;
        }
        if (s.provider() != null && s.provider().blocks(request.estimatedPromptTokens())) {
            return Rejection.Cause.PROVIDER_LIMIT;
        }
        return null;
    }
}
