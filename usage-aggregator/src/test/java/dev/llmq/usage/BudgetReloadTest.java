package dev.llmq.usage;

import static dev.llmq.usage.TestResults.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.router.Budget;
import dev.llmq.router.BudgetPeriod;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TokenUsage;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Budgets changed while the aggregator runs (a config reload): the stored states follow, and readers are told. */
class BudgetReloadTest {

    private static final String ACME = "budget:tenant:acme";
    /** Within the driver's wall-clock day, an hour before it. */
    private static final Instant NOW = UsageDriver.WALL_CLOCK.minus(Duration.ofHours(1));
    private static final Instant DAY = Instant.parse("2026-12-01T00:00:00Z");

    @TempDir
    Path stateDir;

    private final AtomicReference<Map<String, Budget>> budgets = new AtomicReference<>(Map.of());
    private UsageDriver driver;

    private UsageDriver start(Budget... initial) {
        configure(initial);
        driver = new UsageDriver(stateDir, Duration.ofSeconds(60), budgets::get);
        return driver;
    }

    private void configure(Budget... now) {
        budgets.set(UsageTopology.byKey(List.of(now)));
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void aChangedLimitLiftsOrReachesABudgetAtItsRecheckAndARemovedOneIsForgotten() {
        UsageDriver d = start(acme("1.00", "1d", "fail"));
        var control = d.control();
        reach(d, "0.70", "0.50");

        BudgetMessage lifted = recheckWith(d, acme("2.00", "1d", "fail"));
        assertThat(lifted.exceeded()).isFalse();
        assertThat(lifted.maxBudgetUsd()).isEqualByComparingTo("2.00");
        assertThat(lifted.spentUsd()).isEqualByComparingTo("1.20");
        assertThat(lifted.periodStart()).isEqualTo(DAY);

        BudgetMessage reached = recheckWith(d, acme("1.00", "1d", "wait"));
        assertThat(reached.exceeded()).isTrue();
        assertThat(reached.onExceeded()).isEqualTo("wait");
        assertThat(reached.maxBudgetUsd()).isEqualByComparingTo("1.00");

        d.recheck(ACME);
        assertThat(control.isEmpty()).as("a recheck of a state in line with its budget").isTrue();

        Budget batch = new Budget(BudgetMessage.SCOPE_TAG, "batch", new BigDecimal("0.50"), BudgetPeriod.parse("1d"),
                null);
        configure(batch);
        d.recheck(ACME);
        List<TestRecord<String, BudgetMessage>> forgotten = control.readRecordsToList();
        assertThat(forgotten).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(ACME);
            assertThat(r.value()).as("a tombstone").isNull();
        });
        assertThat(d.budgetSpend().get(ACME)).isNull();

        d.send(charged("j3", "acme", List.of("batch"), "0.60"));
        assertThat(control.readRecordsToList()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("budget:tag:batch");
            assertThat(r.value().exceeded()).as("a budget added while running counts from then on").isTrue();
        });
    }

    @Test
    void aChargeAfterAChangeIsCountedAgainstTheBudgetAsItIsNow() {
        UsageDriver d = start(acme("1.00", "1d", "wait"));
        var control = d.control();
        d.send(charged("j1", "acme", List.of(), "0.80"));

        configure(acme("1.50", "1mo", "wait"));
        d.send(charged("j2", "acme", List.of(), "0.80"));

        BudgetMessage reached = control.readRecordsToList().getFirst().value();
        assertThat(reached.exceeded()).isTrue();
        assertThat(reached.spentUsd()).as("today's spend kept in the month that contains it").isEqualByComparingTo(
                "1.60");
        assertThat(reached.budgetDuration()).isEqualTo("1mo");
        assertThat(reached.periodStart()).isEqualTo(DAY);
        assertThat(reached.resetsAt()).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
    }

    @Test
    void aShorterPeriodThatDoesNotContainTheCountedOneStartsAgainAtZero() {
        UsageDriver d = start(acme("1.00", "1mo", "wait"));
        reach(d, "0.60", "0.60");

        BudgetMessage lifted = recheckWith(d, acme("1.00", "1h", "wait"));
        assertThat(lifted.exceeded()).isFalse();
        assertThat(lifted.spentUsd()).isEqualByComparingTo("0");
        assertThat(lifted.budgetDuration()).isEqualTo("1h");
        assertThat(lifted.periodStart()).isEqualTo(UsageDriver.WALL_CLOCK);
    }

    /** Charges acme {@code costs} and checks they reached its budget: one message, saying so. */
    private static void reach(UsageDriver d, String... costs) {
        var control = d.control();
        for (int i = 0; i < costs.length; i++) {
            d.send(charged("reach-" + i, "acme", List.of(), costs[i]));
        }
        assertThat(control.readRecordsToList()).singleElement()
                .satisfies(r -> assertThat(r.value().exceeded()).isTrue());
    }

    /** Configures {@code budget} alone, rechecks acme's, and returns the message that followed. */
    private BudgetMessage recheckWith(UsageDriver d, Budget budget) {
        var control = d.control();
        configure(budget);
        d.recheck(ACME);
        return control.readRecordsToList().getFirst().value();
    }

    private static Budget acme(String max, String period, String onExceeded) {
        return new Budget(BudgetMessage.SCOPE_TENANT, "acme", new BigDecimal(max), BudgetPeriod.parse(period),
                onExceeded);
    }

    private static JobResult charged(String jobId, String tenant, List<String> tags, String cost) {
        return result(jobId, JobStatus.SUCCEEDED, null, "gpt-4o", "d1", "openai", tenant, tags,
                new TokenUsage(1, 1, 2, 0, 0, 0), new BigDecimal(cost), NOW);
    }
}
