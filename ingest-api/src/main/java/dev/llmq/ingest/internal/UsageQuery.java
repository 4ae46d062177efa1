package dev.llmq.ingest.internal;

import dev.llmq.schemas.UsageParameters;
import dev.llmq.schemas.UsageRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parameters of {@code GET /v1/usage} ({@code group_by} and {@code window} default to {@link UsageParameters}'s),
 * checked at ingest before the usage aggregator is asked, so that a typo gets
 * a 400 naming the parameter and its allowed values even when no aggregator is reachable. The query string itself is
 * forwarded unchanged: this record only decides whether it is worth forwarding.
 *
 * @param groupBy one of {@link UsageRecord#GROUP_BYS}
 * @param window one of {@link UsageRecord#WINDOWS}
 * @param from the first instant asked for (inclusive), or null for the aggregator's default
 * @param to the end (exclusive), or null for the aggregator's default
 * @param tenant only the jobs of this tenant, or null for every tenant (fixed by ingest for a caller bound to one)
 */
record UsageQuery(String groupBy, String window, Instant from, Instant to, String tenant) {

    static final String GROUP_BY = "group_by";
    static final String WINDOW = "window";
    static final String FROM = "from";
    static final String TO = "to";
    static final String TENANT = "tenant";

    UsageQuery {
        if (groupBy == null || !UsageRecord.GROUP_BYS.contains(groupBy)) {
            throw oneOf(GROUP_BY, groupBy, UsageRecord.GROUP_BYS);
        }
        if (window == null || !UsageRecord.WINDOWS.contains(window)) {
            throw oneOf(WINDOW, window, UsageRecord.WINDOWS);
        }
        try {
            UsageParameters.checkTenant(tenant);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("invalid_value", TENANT, e.getMessage());
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw ApiException.invalid("invalid_value", FROM, "'from' (" + from + ") must be before 'to' (" + to
                    + ")");
        }
    }

    /** Checks the decoded query parameters (as Javalin gives them: every value of every name). */
    static UsageQuery parse(Map<String, List<String>> params) {
        QueryParameters.onlyKnown(params, UsageParameters.NAMES, "GET /v1/usage");
        return new UsageQuery(
                Objects.requireNonNullElse(QueryParameters.single(params, GROUP_BY), UsageParameters.DEFAULT_GROUP_BY),
                Objects.requireNonNullElse(QueryParameters.single(params, WINDOW), UsageParameters.DEFAULT_WINDOW),
                instant(params, FROM), instant(params, TO), QueryParameters.single(params, TENANT));
    }

    private static Instant instant(Map<String, List<String>> params, String name) {
        String value = QueryParameters.single(params, name);
        if (value == null) {
            return null;
        }
        try {
            return UsageParameters.time(name, value);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("invalid_value", name, e.getMessage());
        }
    }

    private static ApiException oneOf(String name, String value, Set<String> allowed) {
        return ApiException.invalid("invalid_value", name, "'" + name + "' must be one of "
                + String.join(", ", new TreeSet<>(allowed)) + ", got '" + value + "'");
    }
}
