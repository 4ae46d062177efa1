package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BudgetMessageTest {

    @Test
    void describeSaysWhenTheSpendWasCountedWithExactAmountsWithoutTrailingZeros() {
        // The aggregator writes one record when the limit is reached; spend keeps growing after it, so a client
        // comparing the 429 with GET /v1/usage must read the figure as the one counted at that moment.
        BudgetMessage m = new BudgetMessage(1, null, BudgetMessage.SCOPE_TENANT, "acme", new BigDecimal("0.001"),
                new BigDecimal("0.001170"), "1h", Instant.parse("2026-12-06T05:00:00Z"),
                Instant.parse("2026-12-06T06:00:00Z"), true, null, "a1", Instant.parse("2026-12-06T05:16:33Z"));

        assertThat(m.describe()).isEqualTo("the 1h budget of tenant 'acme' (USD 0.001) is exhausted: it was reached"
                + " with USD 0.00117 spent from 2026-12-06T05:00:00Z to 2026-12-06T05:16:33Z;"
                + " it resets at 2026-12-06T06:00:00Z");
    }
}
