package dev.llmq.usage.internal;

import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.UsageRecord;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The arithmetic of usage: one result as a {@link UsageRecord} of its own (a delta, one per group it belongs to), and
 * the exact sum of two records of the same group. Longs and {@link java.math.BigDecimal}, never a binary float.
 */
public final class UsageMath {

    /** The failure kind counted for a non-succeeded result whose error names none. */
    public static final String UNKNOWN_KIND = "unknown";

    private UsageMath() {
    }

    /**
     * The group keys a result counts under: {@code <group_by>:<key>} for each of the five dimensions and each tag over
     * all tenants, and the same within the result's tenant ({@code <group_by>@<tenant>:<key>}, {@link UsageRecord#NONE}
     * for a job without one). Each job is counted once per key.
     */
    public static List<String> groupKeys(JobResult r) {
        List<String> tags = r.tags().stream().filter(t -> t != null && !t.isBlank()).distinct().toList();
        List<String> keys = new ArrayList<>(2 * (4 + Math.max(1, tags.size())));
        String tenant = r.tenant() == null || r.tenant().isBlank() ? UsageRecord.NONE : r.tenant();
        for (String within : Arrays.asList(null, tenant)) {
            keys.add(groupKey("model", within, r.modelGroup()));
            keys.add(groupKey("deployment", within, r.deployment()));
            keys.add(groupKey("provider", within, r.provider()));
            keys.add(groupKey("tenant", within, r.tenant()));
            if (tags.isEmpty()) {
                keys.add(groupKey("tag", within, null));
            } else {
                tags.forEach(t -> keys.add(groupKey("tag", within, t)));
            }
        }
        return keys;
    }

    /**
     * {@code <group_by>:<key>}, or within one tenant {@code <group_by>@<tenant>:<key>}; the key {@link UsageRecord#NONE}
     * when the value is missing.
     *
     * @param tenant null for the figure over all tenants
     */
    public static String groupKey(String groupBy, String tenant, String value) {
        return prefix(groupBy, tenant) + (value == null || value.isBlank() ? UsageRecord.NONE : value);
    }

    /**
     * What every group key of one {@code group_by} (within one tenant, or over all tenants when null) starts with, and
     * no other key does: the tenant is URL-encoded, so it holds no colon, and {@code @} sorts after {@code ;} (the
     * all-tenants range {@code [<group_by>:, <group_by>;]} holds no tenant's key).
     */
    public static String prefix(String groupBy, String tenant) {
        return tenant == null ? groupBy + ":" : groupBy + "@" + URLEncoder.encode(tenant, StandardCharsets.UTF_8) + ":";
    }

    /** The {@code group_by} part of a group key. */
    public static String groupByOf(String groupKey) {
        String head = groupKey.substring(0, groupKey.indexOf(':'));
        int at = head.indexOf('@');
        return at < 0 ? head : head.substring(0, at);
    }

    /** The tenant part of a group key, or null for a figure over all tenants. */
    public static String tenantOf(String groupKey) {
        String head = groupKey.substring(0, groupKey.indexOf(':'));
        int at = head.indexOf('@');
        return at < 0 ? null : URLDecoder.decode(head.substring(at + 1), StandardCharsets.UTF_8);
    }

    /** The key part of a group key (after the first colon: keys may contain colons, encoded tenants none). */
    public static String keyOf(String groupKey) {
        return groupKey.substring(groupKey.indexOf(':') + 1);
    }

    /** One result's figures as a running-total record of one group. */
    public static UsageRecord delta(String groupKey, JobResult r) {
        JobStatus s = r.status();
        Map<String, Long> failures = Map.of();
        if (s != JobStatus.SUCCEEDED) {
            String kind = r.error() == null || r.error().kind() == null || r.error().kind().isBlank() ? UNKNOWN_KIND
                    : r.error().kind();
            failures = Map.of(kind, 1L);
        }
        TokenUsage u = r.usage();
        boolean priced = r.costUsd() != null;
        return new UsageRecord(UsageRecord.SCHEMA_VERSION, "total", groupByOf(groupKey), keyOf(groupKey),
                tenantOf(groupKey), null, null,
                1, s == JobStatus.SUCCEEDED ? 1 : 0, s == JobStatus.FAILED ? 1 : 0, s == JobStatus.CANCELLED ? 1 : 0,
                s == JobStatus.EXPIRED ? 1 : 0, failures, u.promptTokens(), u.completionTokens(),
                u.cachedPromptTokens(), u.cacheCreationTokens(), u.reasoningTokens(), u.totalTokens(),
                priced ? r.costUsd() : null, priced ? 0 : 1, priced ? 0 : u.totalTokens(), r.completedAt());
    }

    /** The exact sum of two records of one group (window and key of {@code a}). */
    public static UsageRecord plus(UsageRecord a, UsageRecord b) {
        Map<String, Long> failures = new TreeMap<>(a.failures());
        b.failures().forEach((kind, n) -> failures.merge(kind, n, Long::sum));
        return new UsageRecord(a.schemaVersion(), a.window(), a.groupBy(), a.key(), a.tenant(), a.windowStart(),
                a.windowEnd(), a.requests() + b.requests(), a.succeeded() + b.succeeded(), a.failed() + b.failed(),
                a.cancelled() + b.cancelled(), a.expired() + b.expired(), failures,
                a.promptTokens() + b.promptTokens(), a.completionTokens() + b.completionTokens(),
                a.cachedPromptTokens() + b.cachedPromptTokens(), a.cacheCreationTokens() + b.cacheCreationTokens(),
                a.reasoningTokens() + b.reasoningTokens(), a.totalTokens() + b.totalTokens(),
                a.costUsd().add(b.costUsd()), a.unpricedRequests() + b.unpricedRequests(),
                a.unpricedTokens() + b.unpricedTokens(), latest(a.lastCompletedAt(), b.lastCompletedAt()));
    }

    /** The record as one window's figure: its window name and bounds set. */
    public static UsageRecord inWindow(UsageRecord r, String window, Instant start, Instant end) {
        return new UsageRecord(r.schemaVersion(), window, r.groupBy(), r.key(), r.tenant(), start, end,
                r.requests(), r.succeeded(), r.failed(), r.cancelled(), r.expired(), r.failures(), r.promptTokens(),
                r.completionTokens(), r.cachedPromptTokens(), r.cacheCreationTokens(), r.reasoningTokens(),
                r.totalTokens(), r.costUsd(), r.unpricedRequests(), r.unpricedTokens(), r.lastCompletedAt());
    }

    private static Instant latest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }
}
