package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ProviderTarget;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StrategiesTest {

    private static final RouteRequest REQ = RouteRequest.of("g");

    static Deployment dep(String id, Double weight, Long rpm, Long tpm) {
        return Deployment.builder(id, "g", ProviderTarget.builder("openai", "m-" + id).build()).weight(weight)
                .rpm(rpm).tpm(tpm).build();
    }

    static DeploymentSnapshot snap(Deployment d, int inFlight, long rpmUsed, long tpmUsed, double latency,
                                   double ttft, double cost) {
        return new DeploymentSnapshot(d, null, false, inFlight, rpmUsed, tpmUsed, d.rpm(), d.tpm(), latency, ttft,
                cost);
    }

    private static Map<String, Integer> pickCounts(RoutingStrategy s, RouteRequest req,
                                                   List<DeploymentSnapshot> snaps, int n) {
        SplittableRandom random = new SplittableRandom(7);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Selection sel = Strategies.select(s, req, snaps, random, 0.0);
            counts.merge(((Selection.Selected) sel).deployment().id(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void shuffleFollowsWeightsThenRpmThenTpm() {
        Map<String, Integer> byWeight = pickCounts(RoutingStrategy.SIMPLE_SHUFFLE, REQ, List.of(
                DeploymentSnapshot.idle(dep("a", 3.0, 1L, null)), DeploymentSnapshot.idle(dep("b", 1.0, 1000L, null))),
                10_000);
        assertThat(byWeight.get("a")).isBetween(7_200, 7_800);

        Map<String, Integer> byRpm = pickCounts(RoutingStrategy.SIMPLE_SHUFFLE, REQ, List.of(
                DeploymentSnapshot.idle(dep("a", null, 100L, 1L)), DeploymentSnapshot.idle(dep("b", null, 300L, 1L))),
                10_000);
        assertThat(byRpm.get("b")).isBetween(7_200, 7_800);

        Map<String, Integer> byTpm = pickCounts(RoutingStrategy.SIMPLE_SHUFFLE, REQ, List.of(
                DeploymentSnapshot.idle(dep("a", null, null, 900L)), DeploymentSnapshot.idle(dep("b", null, 1L, 100L))),
                10_000);
        assertThat(byTpm.get("a")).isBetween(8_700, 9_300);

        Selection sel = Strategies.select(RoutingStrategy.SIMPLE_SHUFFLE, REQ,
                List.of(DeploymentSnapshot.idle(dep("a", 2.0, null, null))), new SplittableRandom(1), 0);
        assertThat(((Selection.Selected) sel).reason()).isEqualTo("weighted shuffle by weight (2 of 2)");
    }

    @Test
    void zeroWeightIsNeverPickedAndAllZeroIsNoneAvailable() {
        Map<String, Integer> counts = pickCounts(RoutingStrategy.SIMPLE_SHUFFLE, REQ, List.of(
                DeploymentSnapshot.idle(dep("a", 0.0, null, null)), DeploymentSnapshot.idle(dep("b", null, null, null))),
                1_000);
        assertThat(counts).containsOnlyKeys("b");
        Selection none = Strategies.select(RoutingStrategy.SIMPLE_SHUFFLE, REQ,
                List.of(DeploymentSnapshot.idle(dep("a", 0.0, null, null))), new SplittableRandom(1), 0);
        assertThat(none).isInstanceOfSatisfying(Selection.NoneAvailable.class, n -> assertThat(n.rejections())
                .extracting(Rejection::cause).containsExactly(Rejection.Cause.ZERO_WEIGHT));
    }

    @Test
    void leastBusyPicksFewestInFlight() {
        Map<String, Integer> counts = pickCounts(RoutingStrategy.LEAST_BUSY, REQ, List.of(
                snap(dep("a", null, null, null), 3, 0, 0, 0, 0, 0),
                snap(dep("b", null, null, null), 1, 0, 0, 0, 0, 0),
                snap(dep("c", null, null, null), 1, 0, 0, 0, 0, 0)), 1_000);
        assertThat(counts).containsOnlyKeys("b", "c");
        assertThat(counts.get("b")).isBetween(400, 600);
    }

    @Test
    void latencyBasedPrefersFastAndTriesUnmeasured() {
        Deployment a = dep("a", null, null, null);
        Deployment b = dep("b", null, null, null);
        Deployment c = dep("c", null, null, null);
        List<DeploymentSnapshot> measured = List.of(snap(a, 0, 0, 0, 0.02, 0.9, 0), snap(b, 0, 0, 0, 0.05, 0.1, 0));
        assertThat(pickCounts(RoutingStrategy.LATENCY_BASED, REQ, measured, 100)).containsOnlyKeys("a");
        RouteRequest stream = new RouteRequest("g", List.of(), 0, true, null);
        assertThat(pickCounts(RoutingStrategy.LATENCY_BASED, stream, measured, 100)).containsOnlyKeys("b");

        List<DeploymentSnapshot> withNew = List.of(snap(a, 0, 0, 0, 0.02, 0.9, 0),
                snap(c, 0, 0, 0, Double.NaN, Double.NaN, 0));
        assertThat(pickCounts(RoutingStrategy.LATENCY_BASED, REQ, withNew, 100)).containsOnlyKeys("c");
    }

    @Test
    void latencyBufferSpreadsAmongNearBest() {
        List<DeploymentSnapshot> snaps = List.of(
                snap(dep("a", null, null, null), 0, 0, 0, 0.100, 0, 0),
                snap(dep("b", null, null, null), 0, 0, 0, 0.140, 0, 0),
                snap(dep("c", null, null, null), 0, 0, 0, 0.200, 0, 0));
        SplittableRandom random = new SplittableRandom(3);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 1_000; i++) {
            Selection s = Strategies.select(RoutingStrategy.LATENCY_BASED, REQ, snaps, random, 0.5);
            counts.merge(((Selection.Selected) s).deployment().id(), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys("a", "b");
        assertThat(counts.get("a")).isBetween(400, 600);
    }

    @Test
    void usageBasedPicksLowestTpmThisMinute() {
        Map<String, Integer> counts = pickCounts(RoutingStrategy.USAGE_BASED, REQ, List.of(
                snap(dep("a", null, 100L, 10_000L), 0, 10, 5_000, 0, 0, 0),
                snap(dep("b", null, 100L, 10_000L), 0, 50, 1_000, 0, 0, 0)), 100);
        assertThat(counts).containsOnlyKeys("b");
    }

    @Test
    void costBasedPicksCheapestAndUnknownPricesLast() {
        Map<String, Integer> counts = pickCounts(RoutingStrategy.COST_BASED, REQ, List.of(
                snap(dep("a", null, null, null), 0, 0, 0, 0, 0, 3e-6),
                snap(dep("b", null, null, null), 0, 0, 0, 0, 0, Double.NaN),
                snap(dep("c", null, null, null), 0, 0, 0, 0, 0, 1e-6)), 100);
        assertThat(counts).containsOnlyKeys("c");
        Map<String, Integer> unknownOnly = pickCounts(RoutingStrategy.COST_BASED, REQ, List.of(
                snap(dep("b", null, null, null), 0, 0, 0, 0, 0, Double.NaN)), 10);
        assertThat(unknownOnly).containsOnlyKeys("b");
    }

    @Test
    void seededRandomGivesTheSameDecisions() {
        List<DeploymentSnapshot> snaps = List.of(DeploymentSnapshot.idle(dep("a", 1.0, null, null)),
                DeploymentSnapshot.idle(dep("b", 1.0, null, null)), DeploymentSnapshot.idle(dep("c", 1.0, null, null)));
        assertThat(pickCounts(RoutingStrategy.SIMPLE_SHUFFLE, REQ, snaps, 500))
                .isEqualTo(pickCounts(RoutingStrategy.SIMPLE_SHUFFLE, REQ, snaps, 500));
    }
}
