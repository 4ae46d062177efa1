package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ProviderTarget;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FiltersTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:30Z");

    static Deployment dep(String id, Integer order, List<String> tags, Integer maxInput) {
        return Deployment.builder(id, "g", ProviderTarget.builder("openai", "m").build()).order(order).tags(tags)
                .maxInputTokens(maxInput).build();
    }

    private static List<String> eligible(Filters.Result r) {
        return r.eligible().stream().map(DeploymentSnapshot::id).toList();
    }

    private static RouteRequest req(List<String> tags, long tokens) {
        return new RouteRequest("g", tags, tokens, false, null);
    }

    @Test
    void tagsMatchElseDefaultElseNothing() {
        List<DeploymentSnapshot> snaps = List.of(
                DeploymentSnapshot.idle(dep("eu", null, List.of("eu"), null)),
                DeploymentSnapshot.idle(dep("us", null, List.of("us", "default"), null)),
                DeploymentSnapshot.idle(dep("plain", null, List.of(), null)));
        assertThat(eligible(Filters.apply(req(List.of("eu"), 0), snaps, false, NOW))).containsExactly("eu");
        assertThat(eligible(Filters.apply(req(List.of("asia"), 0), snaps, false, NOW))).containsExactly("us");
        assertThat(eligible(Filters.apply(req(List.of(), 0), snaps, false, NOW))).containsExactly("us");

        List<DeploymentSnapshot> noDefault = List.of(snaps.get(0), snaps.get(2));
        assertThat(eligible(Filters.apply(req(List.of(), 0), noDefault, false, NOW))).containsExactly("eu", "plain");
        Filters.Result none = Filters.apply(req(List.of("asia"), 0), noDefault, false, NOW);
        assertThat(none.eligible()).isEmpty();
        assertThat(none.rejections()).extracting(Rejection::cause).containsOnly(Rejection.Cause.TAG_MISMATCH);
    }

    @Test
    void lowerOrderTierFirstThenNextWhenItHasNoHealthyDeployment() {
        Deployment one = dep("one", 1, List.of(), null);
        Deployment two = dep("two", 2, List.of(), null);
        Deployment none = dep("none", null, List.of(), null);
        List<DeploymentSnapshot> healthy = List.of(DeploymentSnapshot.idle(one), DeploymentSnapshot.idle(two),
                DeploymentSnapshot.idle(none));
        assertThat(eligible(Filters.apply(req(List.of(), 0), healthy, false, NOW))).containsExactly("one");

        DeploymentSnapshot oneCooled = new DeploymentSnapshot(one, NOW.plusSeconds(5), false, 0, 0, 0, null, null,
                Double.NaN, Double.NaN, Double.NaN);
        Filters.Result r = Filters.apply(req(List.of(), 0),
                List.of(oneCooled, DeploymentSnapshot.idle(two), DeploymentSnapshot.idle(none)), false, NOW);
        assertThat(eligible(r)).containsExactly("two");
        assertThat(r.rejections()).extracting(Rejection::cause)
                .containsExactly(Rejection.Cause.COOLED_DOWN, Rejection.Cause.LOWER_TIER_AVAILABLE);
    }

    @Test
    void contextWindowCheckOnlyWithPreCallChecks() {
        List<DeploymentSnapshot> snaps = List.of(DeploymentSnapshot.idle(dep("small", null, List.of(), 8_000)),
                DeploymentSnapshot.idle(dep("big", null, List.of(), 128_000)));
        assertThat(eligible(Filters.apply(req(List.of(), 10_000), snaps, true, NOW))).containsExactly("big");
        assertThat(eligible(Filters.apply(req(List.of(), 10_000), snaps, false, NOW))).containsExactly("small", "big");
        Filters.Result tooBig = Filters.apply(req(List.of(), 200_000), snaps, true, NOW);
        assertThat(new Selection.NoneAvailable(tooBig.rejections()).toError("g").kind())
                .isEqualTo(dev.llmq.provider.ErrorKind.CONTEXT_WINDOW_EXCEEDED);
    }

    @Test
    void cooldownEndsAtItsInstantAndOpenBreakersAndLimitsExclude() {
        Deployment d = dep("a", null, List.of(), null);
        DeploymentSnapshot cooledUntilNow = new DeploymentSnapshot(d, NOW, false, 0, 0, 0, null, null, 0, 0, 0);
        assertThat(eligible(Filters.apply(req(List.of(), 0), List.of(cooledUntilNow), false, NOW)))
                .containsExactly("a");
        DeploymentSnapshot open = new DeploymentSnapshot(d, null, true, 0, 0, 0, null, null, 0, 0, 0);
        DeploymentSnapshot rpmFull = new DeploymentSnapshot(d, null, false, 0, 10, 0, 10L, null, 0, 0, 0);
        DeploymentSnapshot tpmFull = new DeploymentSnapshot(d, null, false, 0, 0, 990, null, 1000L, 0, 0, 0);
        assertThat(Filters.apply(req(List.of(), 0), List.of(open), false, NOW).rejections())
                .extracting(Rejection::cause).containsExactly(Rejection.Cause.CIRCUIT_OPEN);
        assertThat(Filters.apply(req(List.of(), 0), List.of(rpmFull), false, NOW).rejections())
                .extracting(Rejection::cause).containsExactly(Rejection.Cause.RPM_LIMIT);
        assertThat(Filters.apply(req(List.of(), 20), List.of(tpmFull), false, NOW).rejections())
                .extracting(Rejection::cause).containsExactly(Rejection.Cause.TPM_LIMIT);
        assertThat(eligible(Filters.apply(req(List.of(), 10), List.of(tpmFull), false, NOW))).containsExactly("a");
    }
}
