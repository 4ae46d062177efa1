package dev.llmq.schemas;

import dev.llmq.config.ApiKey;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The parameters of {@code GET /v1/usage} that both doors checking them (the ingest, before it forwards a question,
 * and the usage aggregator) must read alike: {@code group_by} and {@code window} when absent
 * ({@link #DEFAULT_GROUP_BY}, {@link #DEFAULT_WINDOW}); {@code from} and {@code to}, an ISO-8601 instant with offset
 * ({@code 2026-11-30T10:00:00Z}, {@code 2026-11-30T11:00:00+01:00}), a date ({@code 2026-11-30}, its midnight UTC)
 * or epoch seconds, between {@link #EARLIEST} and
 * {@link #LATEST}; and {@code tenant}, a tenant's name as API keys name them, or {@link UsageRecord#NONE}.
 */
public final class UsageParameters {

    /**
     * The span a time may take: usage is kept by the times of Kafka records, milliseconds since the epoch, so an
     * instant outside it names no window (and the ISO-8601 extremes overflow the windows' arithmetic).
     */
    public static final Instant EARLIEST = Instant.EPOCH;
    public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");
    /** Every parameter {@code GET /v1/usage} takes, at both doors; any other is refused rather than ignored. */
    public static final Set<String> NAMES = Set.of("group_by", "window", "from", "to", "tenant");
    /** {@code group_by} when a question does not say: by model group. */
    public static final String DEFAULT_GROUP_BY = "model";
    /** {@code window} when a question does not say: the totals since the aggregator began. */
    public static final String DEFAULT_WINDOW = "total";
    /** A date alone, {@code 2026-11-30}: read as its midnight UTC. */
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    private UsageParameters() {
    }

    /**
     * The instant {@code value} names, or null when it is absent or blank.
     *
     * @param param the parameter's name, for the message
     * @throws IllegalArgumentException naming {@code param}, what it accepts and what it got
     */
    public static Instant time(String param, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Instant at;
        try {
            if (value.chars().allMatch(Character::isDigit)) {
                at = Instant.ofEpochSecond(Long.parseLong(value));
            } else if (DATE.matcher(value).matches()) {
                at = LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            } else {
                at = Instant.parse(value);
            }
        } catch (DateTimeException | NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + param + "' must be an ISO-8601 instant (2026-11-30T10:00:00Z; "
                    + "a '+' offset must be URL-encoded as %2B), a date (2026-11-30: its midnight UTC) or epoch "
                    + "seconds, got '" + value + "'");
        }
        if (at.isBefore(EARLIEST) || at.isAfter(LATEST)) {
            throw new IllegalArgumentException("'" + param + "' must be between " + EARLIEST + " and " + LATEST
                    + ", got '" + value + "'");
        }
        return at;
    }

    /**
     * Checks a question's {@code tenant} (null: every tenant, allowed).
     *
     * @throws IllegalArgumentException when it is neither a tenant's name as API keys name them ({@link ApiKey#NAME}:
     *         1 to 128 letters, digits or {@code . _ : @ -}) nor {@link UsageRecord#NONE} (the jobs of no tenant)
     */
    public static void checkTenant(String tenant) {
        if (tenant != null && !tenant.equals(UsageRecord.NONE) && !ApiKey.NAME.matcher(tenant).matches()) {
            throw new IllegalArgumentException("'tenant' must be 1 to 128 letters, digits or . _ : @ - (as an API"
                    + " key's tenant), or " + UsageRecord.NONE + " for the jobs of no tenant");
        }
    }

    /**
     * The name of the first pair of {@code rawQuery} (as received, still percent-encoded) whose name or value is not
     * valid percent-encoding ({@code group_by=%zz}), or null when there is none. A web framework leaves such a pair out
     * of the parameters it decodes, and a parameter with a default would then be answered as if not given.
     */
    public static String undecodable(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            try {
                URLDecoder.decode(name, StandardCharsets.UTF_8);
                if (eq >= 0) {
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                }
            } catch (IllegalArgumentException e) {
                return name;
            }
        }
        return null;
    }
}
