package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.provider.ProviderTarget;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rejections {@link Filters} builds on first read: every cause's text, in check order, as an immutable list. */
class FiltersRejectionsTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:30Z");

    private static Deployment dep(String id, Integer order, List<String> tags, Integer maxInput, Integer parallel) {
        return Deployment.builder(id, "g", ProviderTarget.builder("openai", "m").build()).order(order).tags(tags)
                .maxParallelRequests(parallel).maxInputTokens(maxInput).build();
    }

    private static DeploymentSnapshot snap(Deployment d, Instant cooledUntil, boolean open, int inFlight,
                                           long rpmUsed, long tpmUsed, Long rpm, Long tpm, ProviderUsage provider) {
        return new DeploymentSnapshot(d, cooledUntil, open, inFlight, rpmUsed, tpmUsed, rpm, tpm, 0, 0, 0, provider);
    }

    @Test
    void everyCauseSaysWhyInCheckOrder() {
        List<DeploymentSnapshot> snaps = List.of(
                snap(dep("ok", 1, List.of("eu"), null, null), null, false, 0, 0, 0, null, null, null),
                snap(dep("us", 1, List.of("us"), null, null), null, false, 0, 0, 0, null, null, null),
                snap(dep("small", 1, List.of("eu"), 100, null), null, false, 0, 0, 0, null, null, null),
                snap(dep("cool", 1, List.of("eu"), null, null), NOW.plusSeconds(5), false, 0, 0, 0, null, null, null),
                snap(dep("open", 1, List.of("eu"), null, null), null, true, 0, 0, 0, null, null, null),
                snap(dep("rpm", 1, List.of("eu"), null, null), null, false, 0, 10, 0, 10L, null, null),
                snap(dep("tpm", 1, List.of("eu"), null, null), null, false, 0, 0, 950, null, 1000L, null),
                snap(dep("busy", 1, List.of("eu"), null, 2), null, false, 2, 0, 0, null, null, null),
                snap(dep("prov", 1, List.of("eu"), null, null), null, false, 0, 0, 0, null, null,
                        new ProviderUsage("openai", 0, null, 5, 5L, 0, null)),
                snap(dep("backup", 2, List.of("eu"), null, null), null, false, 0, 0, 0, null, null, null));

        Filters.Result r = Filters.apply(new RouteRequest("g", List.of("eu"), 200, false, null), snaps, true, NOW);

        assertThat(r.eligible()).extracting(DeploymentSnapshot::id).containsExactly("ok");
        assertThat(r.rejections()).extracting(Rejection::toString).containsExactly(
                "us: tag_mismatch (job tags [eu], deployment tags [us])",
                "small: context_window (200 prompt tokens > max_input_tokens 100)",
                "cool: cooled_down (until 2026-01-01T00:00:35Z)",
                "open: circuit_open",
                "rpm: rpm_limit (10/10 rpm)",
                "tpm: tpm_limit (950/1000 tpm)",
                "busy: parallel_limit (2 in flight, max_parallel_requests 2)",
                "prov: provider_limit (openai: 5/5 rpm)",
                "backup: lower_tier_available (order 2)");
    }

    @Test
    void theLazyListIsAnImmutableListEqualToItsCopy() {
        List<DeploymentSnapshot> snaps = List.of(
                DeploymentSnapshot.idle(dep("a", 1, List.of(), null, null)),
                DeploymentSnapshot.idle(dep("b", 2, List.of(), null, null)));
        Filters.Result r = Filters.apply(RouteRequest.of("g"), snaps, false, NOW);
        List<Rejection> copy = List.copyOf(r.rejections());

        assertThat(r.rejections()).isEqualTo(copy).hasSameHashCodeAs(copy).hasSize(1);
        assertThat(r).isEqualTo(new Filters.Result(r.eligible(), copy));
        assertThat(r.rejections().get(0)).isSameAs(r.rejections().get(0));
        assertThatThrownBy(() -> r.rejections().add(copy.get(0))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> r.rejections().get(1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
