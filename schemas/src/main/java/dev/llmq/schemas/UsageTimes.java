package dev.llmq.schemas;

import java.time.DateTimeException;
import java.time.Instant;

/**
 * The {@code from} and {@code to} parameters of {@code GET /v1/usage}, read the same way by both doors that check
 * them (the ingest, before it forwards a question, and the usage aggregator): an ISO-8601 instant with offset
 * ({@code 2026-11-30T10:00:00Z}, {@code 2026-11-30T11:00:00+01:00}) or epoch seconds, between {@link #EARLIEST} and
 * {@link #LATEST}.
 */
public final class UsageTimes {

    /**
     * The span a time may take: usage is kept by the times of Kafka records, milliseconds since the epoch, so an
     * instant outside it names no window (and the ISO-8601 extremes overflow the windows' arithmetic).
     */
    public static final Instant EARLIEST = Instant.EPOCH;
    public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private UsageTimes() {
    }

    /**
     * The instant {@code value} names, or null when it is absent or blank.
     *
     * @param param the parameter's name, for the message
     * @throws IllegalArgumentException naming {@code param}, what it accepts and what it got
     */
    public static Instant parse(String param, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Instant at;
        try {
            at = value.chars().allMatch(Character::isDigit)
                    ? Instant.ofEpochSecond(Long.parseLong(value)) : Instant.parse(value);
        } catch (DateTimeException | NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + param + "' must be an ISO-8601 instant (2026-11-30T10:00:00Z; "
                    + "a '+' offset must be URL-encoded as %2B) or epoch seconds, got '" + value + "'");
        }
        if (at.isBefore(EARLIEST) || at.isAfter(LATEST)) {
            throw new IllegalArgumentException("'" + param + "' must be between " + EARLIEST + " and " + LATEST
                    + ", got '" + value + "'");
        }
        return at;
    }
}
