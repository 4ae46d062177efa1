package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.llmq.schemas.BudgetMessage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BudgetGateTest {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    private final Map<String, BudgetMessage> states = new HashMap<>();
    private final BudgetGate gate = new BudgetGate(key -> Optional.ofNullable(states.get(key)));

    private BudgetMessage exceed(String scope, String subject, Instant resetsAt) {
        BudgetMessage m = new BudgetMessage(1, BudgetMessage.TYPE, scope, subject, new BigDecimal("3"),
                new BigDecimal("3.5"), "1d", resetsAt.minus(Duration.ofDays(1)), resetsAt, true, "wait", "agg", NOW);
        states.put(m.key(), m);
        return m;
    }

    private static ParsedJob job(String customId, String... tags) {
        return new ParsedJob(customId, "g", JsonNodeFactory.instance.objectNode(), false, 0, null, List.of(tags),
                null);
    }

    @Test
    void anExhaustedTenantIsRefusedWith429NamingTheBudgetAndRetryAfterUntilTheReset() {
        BudgetMessage m = exceed("tenant", "acme", NOW.plusMillis(90_500));

        ApiException e = catchThrowableOfType(ApiException.class,
                () -> gate.check("acme", new ParsedSubmission(false, List.of(job(null))), NOW));

        assertThat(e.status()).isEqualTo(429);
        assertThat(e.type()).isEqualTo("budget_exceeded");
        assertThat(e.code()).isEqualTo("budget_exceeded");
        assertThat(e.getMessage()).isEqualTo(m.describe());
        assertThat(e.retryAfterSeconds()).as("rounded up").isEqualTo(91);
        assertThat(e.reason()).isEqualTo("budget_exceeded");
        assertThat(e.retryFutile()).as("an SDK would sleep until the reset inside the call").isTrue();
    }

    @Test
    void theBudgetLiftsAtItsResetAndOtherTenantsPass() {
        exceed("tenant", "acme", NOW.plusSeconds(5));
        ParsedSubmission one = new ParsedSubmission(false, List.of(job(null)));

        assertThatCode(() -> gate.check("globex", one, NOW)).doesNotThrowAnyException();
        assertThatCode(() -> gate.check(null, one, NOW)).doesNotThrowAnyException();
        assertThatCode(() -> gate.check("acme", one, NOW.plusSeconds(5))).doesNotThrowAnyException();
    }

    @Test
    void aMultiJobSubmissionIsRefusedWholeNamingTheFirstJobWithAnExhaustedTag() {
        BudgetMessage m = exceed("tag", "eval", NOW.plusSeconds(30));
        exceed("tag", "later", NOW.plusSeconds(30));
        ParsedSubmission batch = new ParsedSubmission(true,
                List.of(job("a", "ok"), job("b", "x", "eval"), job("c", "later")));

        ApiException e = catchThrowableOfType(ApiException.class, () -> gate.check("acme", batch, NOW));

        assertThat(e.status()).isEqualTo(429);
        assertThat(e.getMessage()).isEqualTo("job at index 1 (custom_id 'b'): " + m.describe());
        assertThat(e.param()).isEqualTo("[1]");
        assertThat(e.retryAfterSeconds()).isEqualTo(30);
        assertThat(e.retryFutile()).as("kept when placed in the submission").isTrue();
    }

    @Test
    void aBudgetNotExceededLetsJobsThrough() {
        BudgetMessage within = new BudgetMessage(1, BudgetMessage.TYPE, "tenant", "acme", new BigDecimal("3"),
                new BigDecimal("1"), "1d", NOW.minusSeconds(60), NOW.plusSeconds(60), false, "wait", "agg", NOW);
        states.put(within.key(), within);

        assertThatCode(() -> gate.check("acme", new ParsedSubmission(false, List.of(job(null))), NOW))
                .doesNotThrowAnyException();
    }
}
