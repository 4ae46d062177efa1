package dev.llmq.ingest.internal;

import java.time.Clock;
import java.util.HexFormat;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Time-ordered ids in UUIDv7 layout ({@code job_0190f3c2-...}): 48-bit milliseconds, a 12-bit counter that keeps ids
 * from one generator strictly increasing within a millisecond, then random bits. Ids from one generator sort in
 * the order they were made, so the jobs of a batch sort by id in submission order.
 */
public final class JobIds {

    /** What every job id starts with. */
    static final String JOB_PREFIX = "job_";
    /** What every batch id starts with. */
    static final String BATCH_PREFIX = "batch_";
    /** What every uploaded file's id starts with (OpenAI's file ids do too). */
    static final String FILE_PREFIX = "file-";
    private static final String LAYOUT = "xxxxxxxx-xxxx-7xxx-xxxx-xxxxxxxxxxxx";

    private final Clock clock;
    private final RandomGenerator random;
    private long lastMillis = -1;
    private int counter;

    public JobIds(Clock clock, RandomGenerator random) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    public synchronized String nextJobId() {
        return JOB_PREFIX + next();
    }

    public synchronized String nextBatchId() {
        return BATCH_PREFIX + next();
    }

    public synchronized String nextFileId() {
        return FILE_PREFIX + next();
    }

    private String next() {
        long now = clock.millis();
        if (now > lastMillis) {
            lastMillis = now;
            counter = random.nextInt(256);
        } else {
            counter++;
            if (counter > 0xFFF) {
                lastMillis++;
                counter = 0;
            }
        }
        long msb = (lastMillis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | counter;
        long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return hex(msb >>> 32, 8) + "-" + hex(msb >>> 16 & 0xFFFF, 4) + "-" + hex(msb & 0xFFFF, 4) + "-"
                + hex(lsb >>> 48, 4) + "-" + hex(lsb & 0xFFFF_FFFF_FFFFL, 12);
    }

    /**
     * When a job id in this layout was made (epoch milliseconds, read from its leading 48 bits), or -1 when
     * {@code id} is not one (another writer's id). Ids in this layout sort by this time.
     */
    static long millisOf(String id) {
        return millisOf(JOB_PREFIX, id);
    }

    /** As {@link #millisOf(String)}, for a batch id ({@link #nextBatchId()}). */
    static long batchMillisOf(String id) {
        return millisOf(BATCH_PREFIX, id);
    }

    /** As {@link #millisOf(String)}, for an uploaded file's id ({@link #nextFileId()}). */
    static long fileMillisOf(String id) {
        return millisOf(FILE_PREFIX, id);
    }

    private static long millisOf(String prefix, String id) {
        if (id == null || id.length() != prefix.length() + LAYOUT.length() || !id.startsWith(prefix)) {
            return -1;
        }
        for (int i = 0; i < LAYOUT.length(); i++) {
            char c = id.charAt(prefix.length() + i);
            char expected = LAYOUT.charAt(i);
            // lower-case ASCII hex only: other digits would not sort by their value
            if (expected == 'x' ? !HexFormat.isHexDigit(c) || Character.isUpperCase(c) : c != expected) {
                return -1;
            }
        }
        int at = prefix.length(); // the time: 8 hex digits, a dash, 4 hex digits
        return HexFormat.fromHexDigitsToLong(id, at, at + 8) << 16 | HexFormat.fromHexDigits(id, at + 9, at + 13);
    }

    /**
     * A string that sorts after every job id in this layout made before {@code millis} and before every one made at
     * or after it: the prefix and the time digits.
     */
    static String firstIdAt(long millis) {
        return firstIdAt(JOB_PREFIX, millis);
    }

    /** As {@link #firstIdAt(long)}, for batch ids. */
    static String firstBatchIdAt(long millis) {
        return firstIdAt(BATCH_PREFIX, millis);
    }

    /** As {@link #firstIdAt(long)}, for uploaded files' ids. */
    static String firstFileIdAt(long millis) {
        return firstIdAt(FILE_PREFIX, millis);
    }

    private static String firstIdAt(String prefix, long millis) {
        long ms = Math.clamp(millis, 0, 0xFFFF_FFFF_FFFFL);
        return prefix + hex(ms >>> 16, 8) + "-" + hex(ms & 0xFFFF, 4);
    }

    private static String hex(long value, int digits) {
        String s = Long.toHexString(value);
        return "0".repeat(Math.max(0, digits - s.length())) + s;
    }
}
