package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * The state of one spend budget on {@code llmq.control.v1}, written by the usage aggregator when the budget's spend in
 * its current period reaches its limit (and when a new period starts). Keyed by {@link #key(String, String)}, one key
 * per budget, so compaction keeps its latest state. Header {@code llmq.control.type} carries {@link #TYPE}.
 * Readers treat a budget as exhausted only while {@link #inForce(Instant)}: at {@code resetsAt} it lifts by itself,
 * whether or not a new record arrives.
 *
 * @param scope {@code tenant}, {@code tag} or {@code deployment}
 * @param subject the tenant, tag or deployment id the budget is for
 * @param maxBudgetUsd the limit per period
 * @param spentUsd the spend counted in the period when this was written
 * @param budgetDuration the period as configured ({@code 1d}, {@code 7d}, {@code 1mo} ...)
 * @param periodStart the current period's first instant
 * @param resetsAt when the current period ends and the budget lifts
 * @param exceeded whether the spend reached the limit
 * @param onExceeded {@code wait} (queued jobs wait for the reset, within their deadline) or {@code fail} (they end
 *                   at once with {@code budget_exceeded}); deployments are skipped by the router either way
 * @param source the aggregator instance that wrote it
 * @param at when it was written
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BudgetMessage(int schemaVersion, String type, String scope, String subject, BigDecimal maxBudgetUsd,
                            BigDecimal spentUsd, String budgetDuration, Instant periodStart, Instant resetsAt,
                            boolean exceeded, String onExceeded, String source, Instant at) {

    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "budget_state";
    public static final String KEY_PREFIX = "budget:";
    public static final String SCOPE_TENANT = "tenant";
    public static final String SCOPE_TAG = "tag";
    public static final String SCOPE_DEPLOYMENT = "deployment";
    public static final Set<String> SCOPES = Set.of(SCOPE_TENANT, SCOPE_TAG, SCOPE_DEPLOYMENT);
    public static final String ON_EXCEEDED_WAIT = "wait";
    public static final String ON_EXCEEDED_FAIL = "fail";

    public BudgetMessage {
        if (type == null) {
            type = TYPE;
        }
        if (!SCOPES.contains(scope)) {
            throw new IllegalArgumentException("scope must be tenant, tag or deployment, got " + scope);
        }
        JobRequest.requireText(subject, "subject");
        Objects.requireNonNull(maxBudgetUsd, "max_budget_usd");
        Objects.requireNonNull(spentUsd, "spent_usd");
        Objects.requireNonNull(periodStart, "period_start");
        Objects.requireNonNull(resetsAt, "resets_at");
        Objects.requireNonNull(at, "at");
        if (!resetsAt.isAfter(periodStart)) {
            throw new IllegalArgumentException("resets_at must be after period_start");
        }
        if (onExceeded == null) {
            onExceeded = ON_EXCEEDED_WAIT;
        }
        if (!ON_EXCEEDED_WAIT.equals(onExceeded) && !ON_EXCEEDED_FAIL.equals(onExceeded)) {
            throw new IllegalArgumentException("on_exceeded must be wait or fail, got " + onExceeded);
        }
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
    }

    /** The compaction key of one budget. */
    public static String key(String scope, String subject) {
        return KEY_PREFIX + scope + ":" + subject;
    }

    @JsonIgnore
    public String key() {
        return key(scope, subject);
    }

    /** Whether the budget stops spending at {@code now}: exceeded, and its period not over yet. */
    public boolean inForce(Instant now) {
        return exceeded && now.isBefore(resetsAt);
    }

    /** Whether queued jobs under this budget end with {@code budget_exceeded} instead of waiting for the reset. */
    public boolean failsJobs() {
        return ON_EXCEEDED_FAIL.equals(onExceeded);
    }

    /**
     * One sentence for clients: which budget, how much, and when it resets. The spend is the one counted when the
     * limit was reached ({@link #at()}): the aggregator announces a budget once per period, and calls in flight at
     * that moment or results of jobs still running add to it afterwards, so the sentence says when it was counted.
     * Amounts are exact, without trailing zeros (a sum of prices carries the zeros of the longest one: 0.002620).
     */
    public String describe() {
        return "the " + budgetDuration + " budget of " + scope + " '" + subject + "' (USD "
                + usd(maxBudgetUsd) + ") is exhausted: it was reached with USD " + usd(spentUsd)
                + " spent from " + periodStart + " to " + at + "; it resets at " + resetsAt;
    }

    private static String usd(BigDecimal amount) {
        return amount.signum() == 0 ? "0" : amount.stripTrailingZeros().toPlainString();
    }
}
