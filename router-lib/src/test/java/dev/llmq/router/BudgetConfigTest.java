package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Spend budgets in the config ({@code llmq.budgets}, {@code litellm_params.max_budget}) and their UTC periods. */
class BudgetConfigTest {

    private static final String MODELS = """
            model_list:
              - { model_name: g, litellm_params: { model: openai/gpt-4o, max_budget: 2.50, budget_duration: 1d },
                  model_info: { id: d1 } }
              - { model_name: g, litellm_params: { model: openai/gpt-4o }, model_info: { id: d2 } }
            """;

    @Test
    void tenantTagAndDeploymentBudgetsAreRead() {
        LlmqConfig c = ConfigLoader.parse(MODELS + """
                llmq:
                  budgets:
                    - { tenant: acme, max_budget: 0.1, budget_duration: 7d, on_exceeded: fail }
                    - { tag: experiments, max_budget: 5 }
                """, Map.of());

        assertThat(c.unsupportedKeys()).isEmpty();
        assertThat(c.llmq().budgets()).containsExactly(
                new Budget("tenant", "acme", new BigDecimal("0.1"), BudgetPeriod.parse("7d"), "fail"),
                new Budget("tag", "experiments", new BigDecimal("5"), BudgetPeriod.parse("1mo"), "wait"),
                new Budget("deployment", "d1", new BigDecimal("2.5"), BudgetPeriod.parse("1d"), "wait"));
    }

    @Test
    void deploymentBudgetsAreReadWithTheSameIdsWhenOnlyNamesAreRead() {
        String yaml = """
                model_list:
                  - { model_name: g, litellm_params: { model: openai/gpt-4o, api_key: os.environ/MISSING_KEY,
                      max_budget: 1, budget_duration: 1h } }
                  - { model_name: g, litellm_params: { model: openai/gpt-4o-mini, max_budget: 2 },
                      model_info: { id: named } }
                """;
        LlmqConfig routing = ConfigLoader.parse(yaml, Map.of("MISSING_KEY", "sk-x"), ConfigScope.ROUTING);
        LlmqConfig names = ConfigLoader.parse(yaml, Map.of(), ConfigScope.NAMES);

        assertThat(names.deployments()).as("no endpoint or secret is read").isEmpty();
        assertThat(names.llmq().budgets()).isEqualTo(routing.llmq().budgets()).hasSize(2);
        assertThat(names.llmq().budgets()).extracting(Budget::subject)
                .containsExactly(routing.deployments().get(0).id(), "named");
    }

    @Test
    void moneyIsReadExactly() {
        LlmqConfig c = ConfigLoader.parse(MODELS + """
                llmq:
                  budgets: [ { tenant: t, max_budget: 0.3 } ]
                """, Map.of());
        assertThat(c.llmq().budgets().getFirst().maxBudgetUsd()).isEqualByComparingTo("0.3");
        assertThat(c.llmq().budgets().getFirst().maxBudgetUsd().toPlainString()).isEqualTo("0.3");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "[ { max_budget: 1 } ]                              | llmq.budgets[0]: give exactly one of tenant and tag",
        "[ { tenant: a, tag: b, max_budget: 1 } ]           | llmq.budgets[0]: give exactly one of tenant and tag",
        "[ { tenant: a } ]                                  | llmq.budgets[0]: missing max_budget",
        "[ { tenant: a, max_budget: 0 } ]                   | max_budget must be > 0",
        "[ { tenant: a, max_budget: 1, budget_duration: 5x } ] | budget_duration must be a whole number and s, m, h, d, w or mo",
        "[ { tenant: a, max_budget: 1, on_exceeded: stop } ] | on_exceeded must be one of [wait, fail]",
        "[ { tenant: a, max_budget: 1 }, { tenant: a, max_budget: 2 } ] | two budgets for tenant 'a'",
        "{ tenant: a }                                      | budgets: expected a list of budgets"
    })
    void badBudgetsAreRejectedNamingTheEntry(String budgets, String message) {
        assertThatThrownBy(() -> ConfigLoader.parse(MODELS + "llmq:\n  budgets: " + budgets + "\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @ParameterizedTest
    @CsvSource({
        "1d,  2026-11-30T15:42:10Z, 2026-11-30T00:00:00Z, 2026-12-01T00:00:00Z",
        "30s, 2026-11-30T15:42:10Z, 2026-11-30T15:42:00Z, 2026-11-30T15:42:30Z",
        "1h,  2026-11-30T15:42:10Z, 2026-11-30T15:00:00Z, 2026-11-30T16:00:00Z",
        "7d,  2026-11-30T15:42:10Z, 2026-11-26T00:00:00Z, 2026-12-03T00:00:00Z",
        "1w,  2026-11-30T15:42:10Z, 2026-11-30T00:00:00Z, 2026-12-07T00:00:00Z",
        "1w,  2026-12-06T23:59:59Z, 2026-11-30T00:00:00Z, 2026-12-07T00:00:00Z",
        "1mo, 2026-11-30T15:42:10Z, 2026-11-01T00:00:00Z, 2026-12-01T00:00:00Z",
        "1mo, 2026-02-28T23:59:59Z, 2026-02-01T00:00:00Z, 2026-03-01T00:00:00Z",
        "3mo, 2026-11-30T15:42:10Z, 2026-10-01T00:00:00Z, 2027-01-01T00:00:00Z"
    })
    void periodsAreAlignedToUtc(String period, String at, String start, String end) {
        BudgetPeriod p = BudgetPeriod.parse(period);
        Instant s = p.start(Instant.parse(at));
        assertThat(s).isEqualTo(Instant.parse(start));
        assertThat(p.end(s)).isEqualTo(Instant.parse(end));
        assertThat(p.start(p.end(s))).isEqualTo(p.end(s));
    }
}
