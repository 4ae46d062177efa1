package dev.llmq.usage;

import dev.llmq.schemas.UsageRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One usage question: {@code group_by}, {@code window}, and for a windowed answer the window starts asked for,
 * {@code [from, to)}. Defaults: {@code to} = now, {@code from} = {@code to} minus {@value #DEFAULT_WINDOWS} windows.
 * An answer spans at most {@value #MAX_WINDOWS} windows per group (about a week of minutes, a year of hours), so that
 * answers stay bounded: a longer span is refused (400), never cut silently.
 *
 * @param from null for {@code total}
 * @param to null for {@code total}
 */
public record UsageQuery(String groupBy, UsageWindow window, Instant from, Instant to) {

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
    }

    /**
     * The question in a request's parameters ({@code group_by}, {@code window}, {@code from}, {@code to}; times as
     * ISO-8601 instants or epoch seconds).
     *
     * @throws UsageApiException 400 naming the parameter and what it accepts
     */
    public static UsageQuery parse(Function<String, String> params, Instant now) {
        String groupBy = params.apply("group_by");
        if (groupBy == null || !UsageRecord.GROUP_BYS.contains(groupBy)) {
            throw UsageApiException.invalid("group_by", "group_by must be one of "
                    + String.join(", ", new TreeSet<>(UsageRecord.GROUP_BYS)) + (groupBy == null ? "" : ", got '"
                    + groupBy + "'"));
        }
        String windowName = params.apply("window");
        UsageWindow window = UsageWindow.fromWire(windowName).orElseThrow(() -> UsageApiException.invalid("window",
                "window must be one of 1m, 1h, 1d, total" + (windowName == null ? "" : ", got '" + windowName + "'")));
        if (!window.windowed()) {
            return new UsageQuery(groupBy, window, null, null);
        }
        Instant to = instant(params.apply("to"), "to");
        to = to == null ? now : to;
        Instant from = instant(params.apply("from"), "from");
        from = from == null ? to.minus(window.size().multipliedBy(DEFAULT_WINDOWS)) : from;
        if (!from.isBefore(to)) {
            throw UsageApiException.invalid("from", "from (" + from + ") must be before to (" + to + ")");
        }
        if (Duration.between(from, to).compareTo(window.size().multipliedBy(MAX_WINDOWS)) > 0) {
            throw UsageApiException.invalid("from", "from and to span more than " + MAX_WINDOWS + " windows of "
                    + window.wire() + "; ask for a shorter span or a larger window");
        }
        return new UsageQuery(groupBy, window, from, to);
    }

    /** The question as request parameters (what the other instances are asked). */
    public Map<String, String> parameters() {
        return window.windowed()
                ? Map.of("group_by", groupBy, "window", window.wire(), "from", from.toString(), "to", to.toString())
                : Map.of("group_by", groupBy, "window", window.wire());
    }

    private static Instant instant(String value, String param) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return value.chars().allMatch(Character::isDigit) ? Instant.ofEpochSecond(Long.parseLong(value))
                    : Instant.parse(value);
        } catch (java.time.DateTimeException | NumberFormatException | ArithmeticException e) {
            throw UsageApiException.invalid(param, param + " must be an ISO-8601 instant (2026-11-30T10:00:00Z) or "
                    + "epoch seconds, got '" + value + "'");
        }
    }
}
