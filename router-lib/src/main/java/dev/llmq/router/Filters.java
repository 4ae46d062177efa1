package dev.llmq.router;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks before a strategy runs, as pure functions over snapshots: tags, pre-call context window, health
 * (cooldown, breaker), limits (rpm, tpm, parallel requests), then {@code order} tiers.
 */
public final class Filters {

    private Filters() {
    }

    /** The eligible snapshots and why the others were left out. */
    public record Result(List<DeploymentSnapshot> eligible, List<Rejection> rejections) {
        public Result {
            eligible = List.copyOf(eligible);
            rejections = List.copyOf(rejections);
        }
    }

    public static Result apply(RouteRequest request, List<DeploymentSnapshot> candidates, boolean preCallChecks,
                               Instant now) {
        List<Rejection> rejections = new ArrayList<>();
        List<DeploymentSnapshot> passed = new ArrayList<>();
        List<DeploymentSnapshot> tagged = byTags(request, candidates, rejections);
        for (DeploymentSnapshot s : tagged) {
            Rejection r = check(request, s, preCallChecks, now);
            if (r == null) {
                passed.add(s);
            } else {
                rejections.add(r);
            }
        }
        int tier = passed.stream().mapToInt(s -> s.deployment().tier()).min().orElse(Integer.MAX_VALUE);
        List<DeploymentSnapshot> eligible = new ArrayList<>();
        for (DeploymentSnapshot s : passed) {
            if (s.deployment().tier() == tier) {
                eligible.add(s);
            } else {
                rejections.add(new Rejection(s.id(), Rejection.Cause.LOWER_TIER_AVAILABLE,
                        "order " + s.deployment().order()));
            }
        }
        return new Result(eligible, rejections);
    }

    /**
     * A job with tags goes to deployments sharing one of them, else to those tagged {@code default}. A job without
     * tags goes to {@code default}-tagged deployments when the group has any, else to all.
     */
    static List<DeploymentSnapshot> byTags(RouteRequest request, List<DeploymentSnapshot> candidates,
                                           List<Rejection> rejections) {
        List<DeploymentSnapshot> matching = new ArrayList<>();
        if (!request.tags().isEmpty()) {
            for (DeploymentSnapshot s : candidates) {
                if (s.deployment().tags().stream().anyMatch(request.tags()::contains)) {
                    matching.add(s);
                }
            }
        }
        if (matching.isEmpty()) {
            for (DeploymentSnapshot s : candidates) {
                if (s.deployment().tags().contains(Deployment.DEFAULT_TAG)) {
                    matching.add(s);
                }
            }
        }
        if (matching.isEmpty() && request.tags().isEmpty()) {
            matching.addAll(candidates);
        }
        for (DeploymentSnapshot s : candidates) {
            if (!matching.contains(s)) {
                rejections.add(new Rejection(s.id(), Rejection.Cause.TAG_MISMATCH,
                        "job tags " + request.tags() + ", deployment tags " + s.deployment().tags()));
            }
        }
        return matching;
    }

    private static Rejection check(RouteRequest request, DeploymentSnapshot s, boolean preCallChecks, Instant now) {
        Deployment d = s.deployment();
        if (preCallChecks && d.maxInputTokens() != null && request.estimatedPromptTokens() > d.maxInputTokens()) {
            return new Rejection(s.id(), Rejection.Cause.CONTEXT_WINDOW,
                    request.estimatedPromptTokens() + " prompt tokens > max_input_tokens " + d.maxInputTokens());
        }
        if (s.cooledUntil() != null && now.isBefore(s.cooledUntil())) {
            return new Rejection(s.id(), Rejection.Cause.COOLED_DOWN, "until " + s.cooledUntil());
        }
        if (s.circuitOpen()) {
            return new Rejection(s.id(), Rejection.Cause.CIRCUIT_OPEN, null);
        }
        if (s.rpmLimit() != null && s.rpmUsed() + 1 > s.rpmLimit()) {
            return new Rejection(s.id(), Rejection.Cause.RPM_LIMIT, s.rpmUsed() + "/" + s.rpmLimit() + " rpm");
        }
        if (s.tpmLimit() != null && s.tpmUsed() + request.estimatedPromptTokens() > s.tpmLimit()) {
            return new Rejection(s.id(), Rejection.Cause.TPM_LIMIT, s.tpmUsed() + "/" + s.tpmLimit() + " tpm");
        }
        if (s.parallelLimitReached()) {
            return new Rejection(s.id(), Rejection.Cause.PARALLEL_LIMIT,
                    s.inFlight() + " in flight, max_parallel_requests " + d.maxParallelRequests());
        }
        return null;
    }
}
