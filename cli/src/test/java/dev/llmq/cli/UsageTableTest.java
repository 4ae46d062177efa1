package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link UsageTable}: exact costs with every decimal they have, the {@code (none)} group, windows, the total row. */
class UsageTableTest {

    static UsageRecord record(String window, String groupBy, String key, Instant start, long requests,
                              long succeeded, long failed, long prompt, long completion, long cached, String cost,
                              long unpriced) {
        return new UsageRecord(1, window, groupBy, key, start, start == null ? null : start.plusSeconds(3600),
                requests, succeeded, failed, 0, 0, failed == 0 ? Map.of() : Map.of("rate_limited", failed), prompt,
                completion, cached, 0, 0, prompt + completion, cost == null ? null : new BigDecimal(cost), unpriced,
                0, null);
    }

    @Test
    void costsKeepEveryDecimalLinedUpAndTheTotalRowSumsThemExactly() {
        UsageTable table = new UsageTable("model", "total", List.of(
                record("total", "model", "gpt-4o-mini", null, 2, 2, 0, 40, 12, 0, "0.00042150", 0),
                record("total", "model", "gpt-4o", null, 1, 1, 0, 1200, 300, 1024, "0.0123", 0),
                record("total", "model", UsageRecord.NONE, null, 1, 0, 1, 0, 0, 0, "0", 0)));

        assertThat(table.render()).isEqualTo("""
                model        requests  succeeded  failed  prompt tokens  completion tokens  cached tokens    cost USD  unpriced
                (none)              1          0       1              0                  0              0  0.00000000         0
                gpt-4o              1          1       0           1200                300           1024  0.01230000         0
                gpt-4o-mini         2          2       0             40                 12              0  0.00042150         0
                ---------------------------------------------------------------------------------------------------------------
                total               4          3       1           1240                312           1024  0.01272150         0
                """);
        assertThat(table.requests()).isEqualTo(4);
    }

    @Test
    void cancelledAndExpiredRequestsGetColumnsSoThatARowAddsUp() {
        UsageRecord stopped = new UsageRecord(1, "total", "model", "gpt-4o-mini", null, null, 6, 2, 1, 2, 1,
                Map.of("rate_limited", 1L), 40, 12, 0, 0, 0, 52, new BigDecimal("0.0001"), 0, 0, null);
        UsageRecord plain = record("total", "model", "gpt-4o", null, 1, 1, 0, 10, 5, 0, "0.00002", 0);

        assertThat(new UsageTable("model", "total", List.of(stopped, plain)).render()).isEqualTo("""
                model        requests  succeeded  failed  cancelled  expired  prompt tokens  completion tokens  cached tokens  cost USD  unpriced
                gpt-4o              1          1       0          0        0             10                  5              0   0.00002         0
                gpt-4o-mini         6          2       1          2        1             40                 12              0   0.00010         0
                ---------------------------------------------------------------------------------------------------------------------------------
                total               7          3       1          2        1             50                 17              0   0.00012         0
                """);
        assertThat(new UsageTable("model", "total", List.of(plain)).render()).as("none stopped: no such columns")
                .doesNotContain("cancelled").doesNotContain("expired");
    }

    @Test
    void tagRowsHaveNoTotalSinceAJobCountsUnderEachOfItsTags() {
        // ten jobs tagged [exp-a, team-N] and one without tags: the rows hold 21 requests between them
        UsageTable table = new UsageTable("tag", "total", List.of(
                record("total", "tag", "exp-a", null, 10, 10, 0, 70, 160, 0, "0.00010650", 0),
                record("total", "tag", "team-1", null, 10, 10, 0, 70, 160, 0, "0.00010650", 0),
                record("total", "tag", UsageRecord.NONE, null, 1, 1, 0, 7, 16, 0, "0.00001065", 0)));

        assertThat(table.render()).isEqualTo("""
                tag     requests  succeeded  failed  prompt tokens  completion tokens  cached tokens    cost USD  unpriced
                (none)         1          1       0              7                 16              0  0.00001065         0
                exp-a         10         10       0             70                160              0  0.00010650         0
                team-1        10         10       0             70                160              0  0.00010650         0
                no total: a job with several tags counts under each of them
                """);
    }

    @Test
    void windowsGetAWindowStartColumnInOrder() {
        Instant ten = Instant.parse("2026-11-30T10:00:00Z");
        Instant eleven = Instant.parse("2026-11-30T11:00:00Z");
        UsageTable table = new UsageTable("tenant", "1h", List.of(
                record("1h", "tenant", "acme", eleven, 3, 3, 0, 30, 9, 0, "0.000000000001", 0),
                record("1h", "tenant", "acme", ten, 1, 1, 0, 10, 3, 0, "0.5", 0)));

        assertThat(table.render()).isEqualTo("""
                tenant  window start          requests  succeeded  failed  prompt tokens  completion tokens  cached tokens        cost USD  unpriced
                acme    2026-11-30T10:00:00Z         1          1       0             10                  3              0  0.500000000000         0
                acme    2026-11-30T11:00:00Z         3          3       0             30                  9              0  0.000000000001         0
                ------------------------------------------------------------------------------------------------------------------------------------
                total                                4          4       0             40                 12              0  0.500000000001         0
                """);
    }

    @Test
    void unpricedRequestsAreCountedAndExplained() {
        UsageTable table = new UsageTable("deployment", "total", List.of(
                record("total", "deployment", "local-llama", null, 5, 5, 0, 50, 50, 0, null, 5)));

        String text = table.render();

        assertThat(text.lines().toList().getLast())
                .isEqualTo("5 requests have no known price: their tokens are counted, their cost is not in cost USD");
        assertThat(text).contains("local-llama         5          5       0             50                 50"
                + "              0         0         5");
    }

    @Test
    void noUsageIsOneLine() {
        assertThat(new UsageTable("tag", "1d", List.of()).render())
                .isEqualTo("no usage recorded (group_by tag, window 1d)\n");
    }

    @Test
    void anAnswerIsReadWithItsDecimalsIntact() throws Exception {
        UsageTable table = UsageTable.parse("""
                {"object":"list","group_by":"provider","window":"total","from":null,"to":null,"data":[
                 {"schema_version":1,"window":"total","group_by":"provider","key":"openai","requests":7,
                  "succeeded":7,"cost_usd":0.00042150,"some_future_field":true}]}""");

        assertThat(table.groupBy()).isEqualTo("provider");
        assertThat(table.window()).isEqualTo("total");
        assertThat(table.records()).singleElement()
                .satisfies(r -> assertThat(r.costUsd().toPlainString()).isEqualTo("0.00042150"));
        assertThat(table.requests()).isEqualTo(7);
    }
}
