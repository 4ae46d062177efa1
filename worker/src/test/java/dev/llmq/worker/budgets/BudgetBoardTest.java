package dev.llmq.worker.budgets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.router.DeploymentBudgets;
import dev.llmq.schemas.BudgetMessage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetBoardTest {

    static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    static BudgetMessage budget(String scope, String subject, boolean exceeded, String onExceeded, Instant resetsAt) {
        return new BudgetMessage(BudgetMessage.SCHEMA_VERSION, BudgetMessage.TYPE, scope, subject,
                new BigDecimal("5.00"), new BigDecimal("5.10"), "1d", resetsAt.minus(Duration.ofDays(1)), resetsAt,
                exceeded, onExceeded, "test", NOW);
    }

    private final BudgetBoard board = new BudgetBoard();

    @Test
    void aBudgetStopsOnlyWhileExceededAndBeforeItsReset() {
        Instant reset = NOW.plusSeconds(30);
        board.apply(budget("tenant", "acme", true, "wait", reset));

        assertThat(board.inForce("tenant", "acme", NOW)).isPresent();
        assertThat(board.inForce("tenant", "acme", reset.minusMillis(1))).isPresent();
        assertThat(board.inForce("tenant", "acme", reset)).as("lifts by itself at resets_at").isEmpty();
        assertThat(board.inForce("tenant", "globex", NOW)).isEmpty();
        assertThat(board.inForce("tag", "acme", NOW)).as("scopes are apart").isEmpty();
    }

    @Test
    void theLatestStateOfAKeyWinsAndATombstoneForgetsIt() {
        board.apply(budget("tenant", "acme", true, "wait", NOW.plusSeconds(30)));
        board.apply(budget("tenant", "acme", false, "wait", NOW.plusSeconds(30)));
        assertThat(board.inForce("tenant", "acme", NOW)).as("a new period or a raised limit").isEmpty();

        board.apply(budget("tenant", "acme", true, "wait", NOW.plusSeconds(30)));
        board.remove(BudgetMessage.key("tenant", "acme"));
        assertThat(board.inForce("tenant", "acme", NOW)).isEmpty();
        assertThat(board.size()).isZero();
    }

    @Test
    void aJobIsStoppedByItsTenantOrAnyOfItsTagsAFailingBudgetFirstElseTheLastReset() {
        board.apply(budget("tenant", "acme", true, "wait", NOW.plusSeconds(30)));
        board.apply(budget("tag", "batch", true, "wait", NOW.plusSeconds(90)));
        board.apply(budget("tag", "eval", true, "fail", NOW.plusSeconds(10)));

        assertThat(board.stopping("acme", List.of(), NOW)).map(BudgetMessage::subject).contains("acme");
        assertThat(board.stopping("acme", List.of("batch"), NOW)).map(BudgetMessage::subject).contains("batch");
        assertThat(board.stopping("acme", List.of("batch", "eval"), NOW)).map(BudgetMessage::subject)
                .contains("eval");
        assertThat(board.stopping("globex", List.of("other"), NOW)).isEmpty();
        assertThat(board.stopping(null, List.of(), NOW)).as("a job without tenant").isEmpty();
    }

    @Test
    void deploymentBudgetsAnswerTheRouterWithTheResetAndTheDescription() {
        Instant reset = NOW.plusSeconds(30);
        BudgetMessage m = budget("deployment", "d-1", true, "wait", reset);
        board.apply(m);
        board.apply(budget("tenant", "d-2", true, "wait", reset));

        assertThat(board.exhausted("d-1", NOW)).isEqualTo(new DeploymentBudgets.Exhausted(reset, m.describe()));
        assertThat(board.exhausted("d-2", NOW)).as("a tenant's budget is not a deployment's").isNull();
        assertThat(board.exhausted("d-1", reset)).isNull();
    }
}
