package dev.llmq.router;

import dev.llmq.config.Validators;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A budget period, as LiteLLM writes {@code budget_duration} ({@code 30s}, {@code 1h}, {@code 1d}, {@code 7d},
 * {@code 1w}, {@code 1mo}), aligned to UTC so every process agrees on the boundaries without talking: periods of
 * seconds, minutes, hours and days are whole multiples counted from the epoch (a day starts at midnight UTC), weeks
 * start on Monday 00:00 UTC, months on the 1st 00:00 UTC.
 *
 * @param text the period as configured
 */
public record BudgetPeriod(String text, long amount, String unit) {

    private static final Pattern FORMAT = Pattern.compile(Validators.BUDGET_DURATION);
    /** 1970-01-05 was a Monday: weeks are counted from there. */
    private static final long FIRST_MONDAY_SECONDS = 4L * 86_400;

    public BudgetPeriod {
        Objects.requireNonNull(text, "text");
        if (amount < 1) {
            throw new IllegalArgumentException("a budget period must be at least 1, got " + amount);
        }
    }

    /** @throws IllegalArgumentException naming the accepted forms */
    public static BudgetPeriod parse(String text) {
        String problem = Validators.budgetDuration().problem(Objects.requireNonNull(text, "budget_duration"));
        if (problem != null) {
            throw new IllegalArgumentException("budget_duration " + problem);
        }
        Matcher m = FORMAT.matcher(text);
        m.matches();
        return new BudgetPeriod(text, Long.parseLong(m.group(1)), m.group(2));
    }

    /** The first instant of the period that contains {@code t}. */
    public Instant start(Instant t) {
        return switch (unit) {
            case "mo" -> {
                LocalDate d = t.atZone(ZoneOffset.UTC).toLocalDate();
                long months = (d.getYear() - 1970L) * 12 + d.getMonthValue() - 1;
                long first = Math.floorDiv(months, amount) * amount;
                yield LocalDate.of(1970, 1, 1).plusMonths(first).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            case "w" -> Instant.ofEpochSecond(FIRST_MONDAY_SECONDS
                    + Math.floorDiv(t.getEpochSecond() - FIRST_MONDAY_SECONDS, seconds()) * seconds());
            default -> Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), seconds()) * seconds());
        };
    }

    /** The end (exclusive) of the period that starts at {@code start}: when a budget of this period resets. */
    public Instant end(Instant start) {
        if (unit.equals("mo")) {
            return start.atZone(ZoneOffset.UTC).plusMonths(amount).toInstant();
        }
        return start.plus(seconds(), ChronoUnit.SECONDS);
    }

    private long seconds() {
        long unitSeconds = switch (unit) {
            case "s" -> 1;
            case "m" -> 60;
            case "h" -> 3_600;
            case "d" -> 86_400;
            case "w" -> 7 * 86_400;
            default -> throw new IllegalStateException("months have no fixed length");
        };
        return amount * unitSeconds;
    }

    @Override
    public String toString() {
        return text;
    }
}
