package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a job expires, as submitted: an instant ({@code expires_at}, or its older name {@code deadline}: ISO-8601 with
 * offset, or epoch seconds) or a window from the submission ({@code completion_window}, as OpenAI's Batch API names
 * it: {@code 30m}, {@code 1h}, {@code 24h}; a number and one of {@code s m h d}, from {@link #MIN_WINDOW} to
 * {@link #MAX_WINDOW}). Exactly one of the two is set; {@link #resolve(Instant)} gives the instant at submission.
 *
 * @param at the instant, or null
 * @param window the window, or null
 * @param param the field the value came from, for errors
 */
record JobDeadline(Instant at, Duration window, String param) {

    static final Duration MIN_WINDOW = Duration.ofSeconds(1);
    static final Duration MAX_WINDOW = Duration.ofDays(7);
    /** The latest {@code expires_at} taken. */
    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");
    private static final Pattern WINDOW = Pattern.compile("(\\d+)\\s*([smhd])");

    JobDeadline {
        if ((at == null) == (window == null)) {
            throw new IllegalArgumentException("exactly one of at and window");
        }
    }

    /** Removes and validates {@code expires_at}, {@code deadline} and {@code completion_window}; null when none. */
    static JobDeadline extract(ObjectNode node) {
        Instant expiresAt = instant(node.remove("expires_at"), "expires_at");
        Instant deadline = instant(node.remove("deadline"), "deadline");
        Duration window = window(node.remove("completion_window"));
        if (expiresAt != null && deadline != null && !expiresAt.equals(deadline)) {
            throw ApiException.invalid("invalid_value", "expires_at", "'expires_at' (" + expiresAt + ") and its alias"
                    + " 'deadline' (" + deadline + ") differ; give one of them");
        }
        Instant at = expiresAt != null ? expiresAt : deadline;
        String param = expiresAt != null ? "expires_at" : "deadline";
        if (at != null && window != null) {
            throw ApiException.invalid("invalid_value", "completion_window", "give either '" + param
                    + "' (an instant) or 'completion_window' (a duration from submission), not both");
        }
        if (at != null) {
            return new JobDeadline(at, null, param);
        }
        return window == null ? null : new JobDeadline(null, window, "completion_window");
    }

    /** The instant the job expires, for a submission at {@code now}; 400 when it is not after {@code now}. */
    Instant resolve(Instant now) {
        if (window != null) {
            return now.plus(window);
        }
        if (!at.isAfter(now)) {
            throw ApiException.invalid("invalid_value", param, "'" + param + "' (" + at + ") is already past at"
                    + " submission (" + now + "); give a later instant, or a 'completion_window' such as \"24h\"");
        }
        return at;
    }

    private static Instant instant(JsonNode n, String param) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            long seconds = n.longValue();
            if (seconds < 0 || seconds > LATEST.getEpochSecond()) { // beyond Instant's range too, as an Instant fails
                throw outOfRange(param, n.asText());
            }
            return Instant.ofEpochSecond(seconds);
        }
        if (n.isTextual()) {
            try {
                return inRange(OffsetDateTime.parse(n.asText()).toInstant(), param, n.asText());
            } catch (DateTimeException e) {
                // fall through to the error below
            }
        }
        throw ApiException.invalid("invalid_type", param,
                "'" + param + "' must be an ISO-8601 date-time with offset or epoch seconds");
    }

    /** {@code at} when it is within 1970 to 9999 (Kafka's record times, as a worker's timers take them); else 400. */
    private static Instant inRange(Instant at, String param, String given) {
        if (at.isBefore(Instant.EPOCH) || at.isAfter(LATEST)) {
            throw outOfRange(param, given);
        }
        return at;
    }

    private static ApiException outOfRange(String param, String given) {
        return ApiException.invalid("invalid_value", param, "'" + param + "' must be between " + Instant.EPOCH
                + " and " + LATEST + ", got " + given);
    }

    /** A {@code completion_window} ({@code "24h"}: 1 s to 7 d), or null for a missing or null one; else 400. */
    static Duration window(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        Matcher m = n.isTextual() ? WINDOW.matcher(n.asText().trim().toLowerCase(Locale.ROOT)) : null;
        if (m == null || !m.matches()) {
            throw ApiException.invalid("invalid_type", "completion_window",
                    "'completion_window' must be a duration such as \"30m\", \"1h\" or \"24h\" (a number and one of"
                            + " s, m, h, d)");
        }
        Duration unit = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(1);
            case "m" -> Duration.ofMinutes(1);
            case "h" -> Duration.ofHours(1);
            default -> Duration.ofDays(1);
        };
        // more than 9 digits (null): a duration all right, only far longer than a week, and than a Duration holds
        Duration window = m.group(1).length() > 9 ? null : unit.multipliedBy(Long.parseLong(m.group(1)));
        if (window == null || window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0) {
            throw ApiException.invalid("invalid_value", "completion_window", "'completion_window' must be from 1s to"
                    + " 7d, got " + ChatRequestSchema.snippet(n));
        }
        return window;
    }
}
