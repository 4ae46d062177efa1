package dev.llmq.schemas;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Reads the instants llmq writes ({@link Instant#toString()}: {@code 2026-11-30T10:15:30.123456Z}, UTC, a four-digit
 * year, no fraction or one of up to nine digits) by hand, and every other form with Jackson's own
 * {@link InstantDeserializer}. Jackson's parses each string with a {@code DateTimeFormatter}, which on JDK 25 builds
 * and resolves a set of parsed fields per call: a quarter of the time of reading a whole {@link JobResult}, a message
 * that holds up to a dozen instants, in the workers' profile. A string that looks like the fast form but is not a
 * valid instant (a 30th of February, hour 24, a leap second) goes to Jackson's, which accepts or refuses it as
 * before.
 */
final class UtcInstantDeserializer extends StdScalarDeserializer<Instant> {

    private static final long SECONDS_PER_DAY = 86_400;
    /** {@code yyyy-MM-ddTHH:mm:ssZ}. */
    private static final int SHORTEST = 20;
    /** {@code yyyy-MM-ddTHH:mm:ss.nnnnnnnnnZ}. */
    private static final int LONGEST = 30;

    UtcInstantDeserializer() {
        super(Instant.class);
    }

    @Override
    public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.hasToken(JsonToken.VALUE_STRING)) {
            Instant fast = parse(p.getText());
            if (fast != null) {
                return fast;
            }
        }
        return InstantDeserializer.INSTANT.deserialize(p, ctxt);
    }

    /** The instant {@code s} names in {@link Instant#toString()}'s form, or null when it is not in that form. */
    static Instant parse(String s) {
        int n = s.length();
        if (n < SHORTEST || n > LONGEST || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-'
                || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
                || second > 59) {
            return null;
        }
        int nanos = 0;
        if (n > SHORTEST) {
            int fractionDigits = n - SHORTEST - 1;
            if (s.charAt(19) != '.' || fractionDigits < 1) {
                return null;
            }
            int fraction = digits(s, 20, fractionDigits);
            if (fraction < 0) {
                return null;
            }
            nanos = fraction;
            for (int i = fractionDigits; i < 9; i++) {
                nanos *= 10;
            }
        } else if (s.charAt(19) != 'Z') {
            return null;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null; // no such day: Jackson's parser says so in its own words
        }
        return Instant.ofEpochSecond(epochDay * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second, nanos);
    }

    /** The decimal number of {@code count} ASCII digits at {@code from}, or -1 if any is not a digit. */
    private static int digits(String s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
