package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.JobResult;
import dev.llmq.usage.internal.UsageMath;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ./llmq bench usage} without a broker: its options and the results it writes. */
class UsageBenchTest {

    @Test
    void theDefaultsMakeAFewDozenGroupsAndTwelveUpdatesPerResult() {
        UsageBench bench = new UsageBench();
        new CommandLine(bench).parseArgs();
        assertThat(bench.backlog).isEqualTo(200_000);
        assertThat(bench.rate).isEqualTo(500);
        assertThat(bench.durationSeconds).isEqualTo(60);
        assertThat(bench.phases).containsExactly("A", "B");
        assertThat(bench.groupUpdates()).isEqualTo(12);

        Set<String> groups = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            groups.addAll(UsageMath.groupKeys(bench.result(i, UsageBench.LIVE_PROVIDER, Instant.EPOCH)));
        }
        // over all tenants: 1 model, 3 deployments, 1 provider, 5 tenants, 7 tags; within each of 5 tenants the same
        // but its own tenant only: (1 + 3 + 1 + 5 + 7) + 5 × (1 + 3 + 1 + 1 + 7)
        assertThat(groups).hasSize(17 + 5 * 13);
    }

    @Test
    void theDimensionsOfAResultAreDrawnApartSoPoolsWithCommonFactorsDoNotMoveTogether() {
        UsageBench bench = new UsageBench();
        new CommandLine(bench).parseArgs("--tenants", "1000", "--models", "20", "--deployments", "60", "--tags",
                "150");
        Set<String> tenantModels = new HashSet<>();
        Set<String> tenants = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            JobResult r = bench.result(i, UsageBench.BACKLOG_PROVIDER, Instant.EPOCH);
            assertThat(r.tags()).hasSize(2).doesNotHaveDuplicates();
            tenants.add(r.tenant());
            tenantModels.add(r.tenant() + "/" + r.modelGroup());
        }
        assertThat(tenants).hasSize(1000);
        // 20,000 pairs possible; 100,000 draws leave about e^-5 of them out: far more than 1,000 (tenant decides model)
        assertThat(tenantModels).hasSizeGreaterThan(19_000);
    }
}
