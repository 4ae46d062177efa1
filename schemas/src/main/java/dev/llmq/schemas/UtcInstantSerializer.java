package dev.llmq.schemas;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Writes an instant as {@link Instant#toString()} does ({@code 2026-11-30T10:15:30.123456Z}: UTC, the fraction in
 * groups of three digits, none when it is zero), character for character, without a {@code DateTimeFormatter}:
 * Jackson's own writer formats each instant through one, a tenth of the time of writing a whole {@link JobResult}
 * (a dozen instants) in the workers' profile. Instants outside the years 0000–9999, which {@code toString()} writes
 * with a sign and more digits, are written by {@code toString()} itself. The reading side is
 * {@link UtcInstantDeserializer}; mappers with {@code WRITE_DATES_AS_TIMESTAMPS} on are not llmq's.
 */
final class UtcInstantSerializer extends StdScalarSerializer<Instant> {

    private static final long SECONDS_PER_DAY = 86_400;
    /** 0000-01-01T00:00:00Z. */
    private static final long MIN_SECOND = -62_167_219_200L;
    /** 9999-12-31T23:59:59Z. */
    private static final long MAX_SECOND = 253_402_300_799L;
    /** {@code yyyy-MM-ddTHH:mm:ss.nnnnnnnnnZ}. */
    private static final int LONGEST = 30;

    UtcInstantSerializer() {
        super(Instant.class);
    }

    @Override
    public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
        char[] text = new char[LONGEST];
        int length = format(value, text);
        if (length < 0) {
            gen.writeString(value.toString());
        } else {
            gen.writeString(text, 0, length);
        }
    }

    /** Writes {@code instant} into {@code out} (30 characters at least); its length, or -1 outside 0000–9999. */
    static int format(Instant instant, char[] out) {
        long seconds = instant.getEpochSecond();
        if (seconds < MIN_SECOND || seconds > MAX_SECOND) {
            return -1;
        }
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(seconds, SECONDS_PER_DAY));
        int ofDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        put(out, 0, date.getYear(), 4);
        out[4] = '-';
        put(out, 5, date.getMonthValue(), 2);
        out[7] = '-';
        put(out, 8, date.getDayOfMonth(), 2);
        out[10] = 'T';
        put(out, 11, ofDay / 3600, 2);
        out[13] = ':';
        put(out, 14, ofDay / 60 % 60, 2);
        out[16] = ':';
        put(out, 17, ofDay % 60, 2);
        int n = 19;
        int nanos = instant.getNano();
        if (nanos != 0) {
            out[n++] = '.';
            if (nanos % 1_000_000 == 0) {
                put(out, n, nanos / 1_000_000, 3);
                n += 3;
            } else if (nanos % 1_000 == 0) {
                put(out, n, nanos / 1_000, 6);
                n += 6;
            } else {
                put(out, n, nanos, 9);
                n += 9;
            }
        }
        out[n++] = 'Z';
        return n;
    }

    /** {@code value} as {@code digits} decimal digits, zero-padded, at {@code from}. */
    private static void put(char[] out, int from, int value, int digits) {
        for (int i = from + digits - 1; i >= from; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
