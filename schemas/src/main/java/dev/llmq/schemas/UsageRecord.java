package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Usage and spend of one group (a model group, deployment, provider, tenant or tag) in one window, as the usage
 * aggregator keeps it: on the {@code llmq.usage.*.v1} topics and in the answers of {@code GET /v1/usage}. A record is
 * either over all tenants ({@code tenant} absent) or within one tenant ({@code tenant} set: the same breakdowns,
 * counting that tenant's jobs only). {@code tenant} was added within schema version 1 (an optional field; readers
 * that do not know it ignore it, and a record without it is the all-tenants figure it always was).
 *
 * @param window {@code 1m}, {@code 1h}, {@code 1d} (tumbling windows by completion time) or {@code total}
 * @param groupBy {@code model} (the model group), {@code deployment}, {@code provider}, {@code tenant} or {@code tag}
 * @param key the group's value, e.g. {@code gpt-4o}; {@value #NONE} for results without one (a job that failed
 *            before it reached a deployment, a job without tenant)
 * @param tenant null for the figure over all tenants; else the one tenant whose jobs it counts ({@value #NONE} for
 *               jobs without a tenant)
 * @param windowStart the window's first instant (inclusive); null for {@code total}
 * @param windowEnd the window's end (exclusive); null for {@code total}
 * @param requests results counted (each job once)
 * @param failures non-succeeded results by error kind ({@code rate_limited}, {@code cancelled} ...)
 * @param costUsd the sum of the priced results' costs, exact
 * @param unpricedRequests results whose cost is unknown ({@code cost_usd: null}); their tokens are in
 *                         {@code unpricedTokens} and not in {@code costUsd}
 * @param lastCompletedAt the latest completion time counted
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageRecord(
        int schemaVersion,
        String window,
        String groupBy,
        String key,
        String tenant,
        Instant windowStart,
        Instant windowEnd,
        long requests,
        long succeeded,
        long failed,
        long cancelled,
        long expired,
        Map<String, Long> failures,
        long promptTokens,
        long completionTokens,
        long cachedPromptTokens,
        long cacheCreationTokens,
        long reasoningTokens,
        long totalTokens,
        BigDecimal costUsd,
        long unpricedRequests,
        long unpricedTokens,
        Instant lastCompletedAt) {

    public static final int SCHEMA_VERSION = 1;
    public static final String NONE = "(none)";
    public static final Set<String> WINDOWS = Set.of("1m", "1h", "1d", "total");
    public static final Set<String> GROUP_BYS = Set.of("model", "deployment", "provider", "tenant", "tag");

    public UsageRecord {
        if (!WINDOWS.contains(window)) {
            throw new IllegalArgumentException("window must be one of " + new java.util.TreeSet<>(WINDOWS)
                    + ", got " + window);
        }
        if (!GROUP_BYS.contains(groupBy)) {
            throw new IllegalArgumentException("group_by must be one of " + new java.util.TreeSet<>(GROUP_BYS)
                    + ", got " + groupBy);
        }
        JobRequest.requireText(key, "key");
        if (tenant != null) {
            JobRequest.requireText(tenant, "tenant");
        }
        failures = failures == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(failures));
        costUsd = costUsd == null ? BigDecimal.ZERO : costUsd;
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
    }

    /** A figure over all tenants ({@code tenant} null): the record as it was before {@code tenant} existed. */
    public UsageRecord(int schemaVersion, String window, String groupBy, String key, Instant windowStart,
                       Instant windowEnd, long requests, long succeeded, long failed, long cancelled, long expired,
                       Map<String, Long> failures, long promptTokens, long completionTokens, long cachedPromptTokens,
                       long cacheCreationTokens, long reasoningTokens, long totalTokens, BigDecimal costUsd,
                       long unpricedRequests, long unpricedTokens, Instant lastCompletedAt) {
        this(schemaVersion, window, groupBy, key, null, windowStart, windowEnd, requests, succeeded, failed,
                cancelled, expired, failures, promptTokens, completionTokens, cachedPromptTokens, cacheCreationTokens,
                reasoningTokens, totalTokens, costUsd, unpricedRequests, unpricedTokens, lastCompletedAt);
    }
}
