package dev.llmq.router;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import java.util.random.RandomGenerator;

/**
 * The routing strategies as pure functions over eligible snapshots (already filtered by {@link Filters}).
 * Ties are broken with the injected randomness, so a seeded generator gives the same decision every time.
 */
public final class Strategies {

    private Strategies() {
    }

    public static Selection select(RoutingStrategy strategy, RouteRequest request, List<DeploymentSnapshot> eligible,
                                   RandomGenerator random, double lowestLatencyBuffer) {
        if (eligible.isEmpty()) {
            return new Selection.NoneAvailable(List.of());
        }
        return switch (strategy) {
            case SIMPLE_SHUFFLE -> simpleShuffle(eligible, random);
            case LEAST_BUSY -> lowest(eligible, s -> s.inFlight(), random, "least busy (", " in flight)");
            case LATENCY_BASED -> lowestLatency(request, eligible, random, lowestLatencyBuffer);
            case USAGE_BASED -> lowest(eligible, s -> s.tpmUsed() + s.rpmUsed() / 1e6, random,
                    "lowest usage (", " tpm this minute)");
            case COST_BASED -> lowest(eligible,
                    s -> Double.isNaN(s.costPerToken()) ? Double.POSITIVE_INFINITY : s.costPerToken(), random,
                    "cheapest (", " USD per token)");
        };
    }

    /**
     * Weighted random pick: by {@code weight} when any deployment sets one (a missing weight counts as 1, a weight
     * of 0 is never picked), else by {@code rpm} when every deployment sets it, else by {@code tpm}, else uniform.
     */
    static Selection simpleShuffle(List<DeploymentSnapshot> eligible, RandomGenerator random) {
        String basis;
        ToDoubleFunction<Deployment> weightOf;
        boolean anyWeight = false;
        boolean allRpm = true;
        boolean allTpm = true;
        for (int i = 0, n = eligible.size(); i < n; i++) {
            Deployment d = eligible.get(i).deployment();
            anyWeight |= d.weight() != null;
            allRpm &= d.rpm() != null;
            allTpm &= d.tpm() != null;
        }
        if (anyWeight) {
            basis = "weight";
            weightOf = d -> d.weight() == null ? 1.0 : d.weight();
        } else if (allRpm) {
            basis = "rpm";
            weightOf = d -> d.rpm();
        } else if (allTpm) {
            basis = "tpm";
            weightOf = d -> d.tpm();
        } else {
            DeploymentSnapshot pick = eligible.get(random.nextInt(eligible.size()));
            return new Selection.Selected(pick.deployment(), "shuffle (uniform of " + eligible.size() + ")");
        }
        double total = 0;
        for (DeploymentSnapshot s : eligible) {
            total += weightOf.applyAsDouble(s.deployment());
        }
        if (total <= 0) {
            List<Rejection> zero = eligible.stream()
                    .map(s -> new Rejection(s.id(), Rejection.Cause.ZERO_WEIGHT, null)).toList();
            return new Selection.NoneAvailable(zero);
        }
        double r = random.nextDouble() * total;
        DeploymentSnapshot pick = null;
        for (DeploymentSnapshot s : eligible) {
            double w = weightOf.applyAsDouble(s.deployment());
            if (w <= 0) {
                continue;
            }
            pick = s;
            r -= w;
            if (r < 0) {
                break;
            }
        }
        double w = weightOf.applyAsDouble(pick.deployment());
        return new Selection.Selected(pick.deployment(),
                "weighted shuffle by " + basis + " (" + fmt(w) + " of " + fmt(total) + ")");
    }

    /**
     * Lowest average latency (per output token; time to first token for streams). Deployments without samples
     * count as 0 so they are tried. With a buffer, any deployment within (1 + buffer) × the best is picked at random.
     */
    static Selection lowestLatency(RouteRequest request, List<DeploymentSnapshot> eligible, RandomGenerator random,
                                   double buffer) {
        ToDoubleFunction<DeploymentSnapshot> latency = s -> {
            double l = s.latencyFor(request.stream());
            return Double.isNaN(l) ? 0.0 : l;
        };
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0, n = eligible.size(); i < n; i++) {
            best = Math.min(best, latency.applyAsDouble(eligible.get(i)));
        }
        double limit = best * (1 + buffer);
        List<DeploymentSnapshot> pool = new ArrayList<>();
        for (DeploymentSnapshot s : eligible) {
            if (latency.applyAsDouble(s) <= limit) {
                pool.add(s);
            }
        }
        DeploymentSnapshot pick = pool.get(random.nextInt(pool.size()));
        return new Selection.Selected(pick.deployment(), String.format(Locale.ROOT,
                "lowest latency (%s s%s, %d within buffer)", fmt(latency.applyAsDouble(pick)),
                request.stream() ? " to first token" : " per token", pool.size()));
    }

    /** The deployment with the lowest key, ties broken at random; the reason is {@code before best after}. */
    private static Selection lowest(List<DeploymentSnapshot> eligible, ToDoubleFunction<DeploymentSnapshot> key,
                                    RandomGenerator random, String before, String after) {
        int n = eligible.size();
        double[] keys = new double[n];
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            keys[i] = key.applyAsDouble(eligible.get(i));
            best = Math.min(best, keys[i]);
        }
        List<DeploymentSnapshot> ties = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (keys[i] == best) {
                ties.add(eligible.get(i));
            }
        }
        DeploymentSnapshot pick = ties.get(random.nextInt(ties.size()));
        return new Selection.Selected(pick.deployment(), before + fmt(best) + after);
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && !Double.isInfinite(v)) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.6g", v);
    }
}
