package dev.llmq.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Chat-completion bodies for the load generator, built from bytes without JSON trees:
 * {@code {"model":M,"max_tokens":16,"messages":[{"role":"user","content":"llmq-bench-job-000000000042 <words>"}]}},
 * padded with words to {@code jobBytes} (when that is above the bare body). Each job's prompt starts with a token
 * naming its job number ({@link #jobNumber} reads it back), so whoever sees the prompt (the mock provider) can tie
 * it to the job; the padding is a slice of a seeded word text starting at a place that depends on the job number,
 * so compressed batches are not flattered by repeated bytes.
 */
public final class JobBodies {

    /** What starts every prompt, followed by {@link #DIGITS} digits of the job number. */
    public static final String TOKEN_PREFIX = "llmq-bench-job-";
    static final int DIGITS = 12;
    private static final int POOL_BYTES = 256 * 1024;
    private static final String[] WORDS = ("the of and to in is that for it as with was on be by this are from at or "
            + "an which have not has but all their can more one were also been into other its some time these two "
            + "first may new such like over only most after then any used each where between both many under same "
            + "model queue kafka worker result batch token stream latency partition offset consumer producer record "
            + "broker topic retry deadline priority status request response provider deployment cluster").split(" ");

    private final byte[] before;
    private final byte[] after;
    private final int padding;
    private final byte[] pool;

    /**
     * @param model    the body's {@code model} (a JSON-safe name)
     * @param jobBytes the size each job's JSON should have; bodies are never cut below the bare body
     * @param seed     seed of the padding text
     */
    public JobBodies(String model, int jobBytes, long seed) {
        if (model == null || model.isBlank() || !model.matches("[A-Za-z0-9._:/@-]+")) {
            throw new IllegalArgumentException("model must be a plain name, got " + model);
        }
        this.before = ("{\"model\":\"" + model + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\""
                + TOKEN_PREFIX).getBytes(StandardCharsets.US_ASCII);
        this.after = "\"}]}".getBytes(StandardCharsets.US_ASCII);
        int bare = before.length + DIGITS + after.length;
        this.padding = Math.max(0, jobBytes - bare);
        this.pool = pool(seed, Math.max(POOL_BYTES, 2 * padding));
    }

    /** The size of each body in bytes. */
    public int bodyBytes() {
        return before.length + DIGITS + padding + after.length;
    }

    /** Writes job {@code jobNumber}'s body into {@code into} at {@code at}; returns the position after it. */
    public int write(long jobNumber, byte[] into, int at) {
        if (jobNumber < 0 || jobNumber >= 1_000_000_000_000L) {
            throw new IllegalArgumentException("job number must be 0..10^12-1, got " + jobNumber);
        }
        System.arraycopy(before, 0, into, at, before.length);
        int p = at + before.length;
        long n = jobNumber;
        for (int i = DIGITS - 1; i >= 0; i--) {
            into[p + i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        p += DIGITS;
        if (padding > 0) {
            int from = (int) Long.remainderUnsigned(mix(jobNumber), pool.length - padding);
            System.arraycopy(pool, from, into, p, padding);
            into[p] = ' ';
            p += padding;
        }
        System.arraycopy(after, 0, into, p, after.length);
        return p + after.length;
    }

    /** One job's body on its own. */
    public byte[] body(long jobNumber) {
        byte[] out = new byte[bodyBytes()];
        write(jobNumber, out, 0);
        return out;
    }

    /** The job number of a prompt that holds this class's token, else -1. */
    public static long jobNumber(String prompt) {
        int at = prompt == null ? -1 : prompt.indexOf(TOKEN_PREFIX);
        if (at < 0 || prompt.length() < at + TOKEN_PREFIX.length() + DIGITS) {
            return -1;
        }
        long n = 0;
        for (int i = at + TOKEN_PREFIX.length(), end = i + DIGITS; i < end; i++) {
            char c = prompt.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static byte[] pool(long seed, int size) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(size + 16);
        while (sb.length() < size) {
            sb.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
        }
        return sb.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
