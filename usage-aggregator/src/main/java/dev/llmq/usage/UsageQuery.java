package dev.llmq.usage;

import dev.llmq.schemas.UsageParameters;
import dev.llmq.schemas.UsageRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One usage question: {@code group_by}, {@code window}, and for a windowed answer the window starts asked for,
 * {@code [from, to)}. Defaults: {@code to} = now, {@code from} = {@code to} minus {@value #DEFAULT_WINDOWS} windows.
 * An answer spans at most {@value #MAX_WINDOWS} windows per group (about a week of minutes, a year of hours), so that
 * answers stay bounded: a longer span is refused (400), never cut silently.
 *
 * With {@code tenant}, only that tenant's figures (its jobs' usage by model, deployment, ...; {@code group_by=tenant}
 * then gives its one row); without, the figures over all tenants.
 *
 * @param from null for {@code total}
 * @param to null for {@code total}
 * @param tenant the one tenant asked about, or null for all tenants
 */
public record UsageQuery(String groupBy, UsageWindow window, Instant from, Instant to, String tenant) {

    public static final int DEFAULT_WINDOWS = 60;
    public static final int MAX_WINDOWS = 10_000;

    public UsageQuery {
        if (!UsageRecord.GROUP_BYS.contains(groupBy)) {
            throw new IllegalArgumentException("group_by must be one of " + new TreeSet<>(UsageRecord.GROUP_BYS));
        }
        Objects.requireNonNull(window, "window");
        if (window.windowed()) {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }
        UsageParameters.checkTenant(tenant);
    }

    /** The same question about one tenant only (null: all tenants). */
    public UsageQuery withTenant(String value) {
        return new UsageQuery(groupBy, window, from, to, value);
    }

    /**
     * The question in a request's parameters ({@code group_by} and {@code window}, {@link UsageParameters}'s
     * defaults when absent; {@code from}, {@code to}; times as ISO-8601 instants or epoch seconds; {@code tenant},
     * optional), as another instance asks it: no parameter checked against what the stores keep.
     *
     * @throws UsageApiException 400 naming the parameter and what it accepts
     */
    public static UsageQuery parse(Function<String, String> params, Instant now) {
        return parse(params, now, null);
    }

    /**
     * The question of a {@code GET /v1/usage} request, as the ingest reads it too: every parameter known
     * ({@link UsageParameters#NAMES}) and given once. A windowed question is also refused when its {@code from} is older than
     * the oldest window the store keeps ({@link UsageWindow#retention}: an answer would lack the windows the store has
     * dropped); left out, {@code from} is never older than that.
     *
     * @param params every value of every parameter, decoded
     * @param grace how late a result still counts in its windows ({@code llmq.usage.grace}), which the store's
     *        retention depends on
     * @throws UsageApiException 400 naming the parameter and what it accepts
     */
    public static UsageQuery parse(Map<String, List<String>> params, Instant now, Duration grace) {
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            if (!UsageParameters.NAMES.contains(p.getKey())) {
                throw new UsageApiException(400, "invalid_request_error", "unknown_parameter", p.getKey(),
                        "unknown query parameter '" + p.getKey() + "'; GET /v1/usage takes "
                                + new TreeSet<>(UsageParameters.NAMES));
            }
            if (p.getValue().size() > 1) {
                throw UsageApiException.invalid(p.getKey(), "'" + p.getKey() + "' is given " + p.getValue().size()
                        + " times; give it once");
            }
        }
        return parse(name -> params.getOrDefault(name, List.of()).stream().findFirst().orElse(null), now,
                Objects.requireNonNull(grace, "grace"));
    }

    /** @param grace null: no check against what the stores keep */
    private static UsageQuery parse(Function<String, String> params, Instant now, Duration grace) {
        String groupBy = Objects.requireNonNullElse(params.apply("group_by"), UsageParameters.DEFAULT_GROUP_BY);
        if (!UsageRecord.GROUP_BYS.contains(groupBy)) {
            throw UsageApiException.invalid("group_by", "'group_by' must be one of "
                    + String.join(", ", new TreeSet<>(UsageRecord.GROUP_BYS)) + ", got '" + groupBy + "'");
        }
        String windowName = Objects.requireNonNullElse(params.apply("window"), UsageParameters.DEFAULT_WINDOW);
        UsageWindow window = UsageWindow.fromWire(windowName).orElseThrow(
                () -> UsageApiException.invalid("window", "'window' must be one of 1m, 1h, 1d, total, got '"
                        + windowName + "'"));
        String tenant = params.apply("tenant");
        try {
            UsageParameters.checkTenant(tenant);
        } catch (IllegalArgumentException e) {
            throw UsageApiException.invalid("tenant", e.getMessage());
        }
        Instant givenTo = instant(params.apply("to"), "to");
        Instant givenFrom = instant(params.apply("from"), "from");
        if (!window.windowed()) { // the running total has no span: checked as the ingest does, then not used
            if (givenFrom != null && givenTo != null) {
                ordered(givenFrom, givenTo, true);
            }
            return new UsageQuery(groupBy, window, null, null, tenant);
        }
        Instant to = givenTo == null ? now : givenTo;
        Instant kept = grace == null ? UsageParameters.EARLIEST : now.minus(window.retention(grace));
        if (givenFrom != null && givenFrom.isBefore(kept)) {
            throw olderThanKept("from", givenFrom, window, kept, grace);
        }
        if (grace != null && givenFrom == null && !kept.isBefore(to)) {
            throw olderThanKept("to", to, window, kept, grace);
        }
        Instant from = givenFrom != null ? givenFrom : later(defaultFrom(to, window), kept);
        ordered(from, to, givenTo != null);
        if (Duration.between(from, to).compareTo(window.size().multipliedBy(MAX_WINDOWS)) > 0) {
            throw UsageApiException.invalid("from", "'from' and 'to' span more than " + MAX_WINDOWS + " windows of "
                    + window.wire() + "; ask for a shorter span or a larger window");
        }
        return new UsageQuery(groupBy, window, from, to, tenant);
    }

    /** 400 naming {@code from} unless it is before {@code to}. */
    private static void ordered(Instant from, Instant to, boolean toGiven) {
        if (!from.isBefore(to)) {
            throw UsageApiException.invalid("from", "'from' (" + from + ") must be before 'to' (" + to
                    + (toGiven ? "" : ", now when not given") + ")");
        }
    }

    /** 400 naming {@code param}, whose instant is older than the oldest window the store keeps. */
    private static UsageApiException olderThanKept(String param, Instant at, UsageWindow window, Instant kept,
                                                   Duration grace) {
        Duration retention = window.retention(grace);
        String span = retention.toHoursPart() == 0 && retention.toMinutesPart() == 0
                && retention.toSecondsPart() == 0 ? retention.toDays() + " days" : retention.toMinutes() + " minutes";
        return UsageApiException.invalid(param, "'" + param + "' (" + at + ") is older than the oldest "
                + window.wire() + " window kept (" + window.wire() + " windows are kept " + span + ", so from " + kept
                + " on); ask for a later '" + param + "' or a larger window");
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** The question as request parameters (what the other instances are asked). */
    public Map<String, String> parameters() {
        Map<String, String> params = new TreeMap<>(Map.of("group_by", groupBy, "window", window.wire()));
        if (window.windowed()) {
            params.put("from", from.toString());
            params.put("to", to.toString());
        }
        if (tenant != null) {
            params.put("tenant", tenant);
        }
        return Collections.unmodifiableMap(params);
    }

    /** {@value #DEFAULT_WINDOWS} windows before {@code to}, or from {@link UsageParameters#EARLIEST} when fewer fit. */
    private static Instant defaultFrom(Instant to, UsageWindow window) {
        Instant from = to.minus(window.size().multipliedBy(DEFAULT_WINDOWS));
        return from.isBefore(UsageParameters.EARLIEST) ? UsageParameters.EARLIEST : from;
    }

    /** The time parameter {@code param} ({@link UsageParameters}: the check the ingest makes too), or null. */
    private static Instant instant(String value, String param) {
        try {
            return UsageParameters.time(param, value);
        } catch (IllegalArgumentException e) {
            throw UsageApiException.invalid(param, e.getMessage());
        }
    }
}
