package dev.llmq.bench;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * How fast the host is at the moment a scenario starts: a fixed single-thread workload (sorting a copy of 2^20
 * pseudo-random ints, then SHA-256 of 4 MiB), timed before anything of the run is started, best of
 * {@value #ROUNDS} rounds so the JIT's first compilations are left out. On a shared virtual machine the same build's
 * figures moved 1.5–2× within an hour; this figure moves with them, so tables taken in different hours can be told
 * apart by the host they ran on, not only by their build.
 */
final class HostSpeed {

    static final int ROUNDS = 9;
    private static final int INTS = 1 << 20;
    private static final int BYTES = 4 << 20;
    private static volatile Result measured;

    /** @param bestMillis the fastest round; @param checksum of the workload's output, the same on every host */
    record Result(double bestMillis, long checksum) {
        @Override
        public String toString() {
            return String.format("host speed: %.1f ms for a fixed single-thread workload before the run (sort 2^20 "
                    + "ints, SHA-256 of 4 MiB; best of %d; lower is faster)", bestMillis, ROUNDS);
        }
    }

    private HostSpeed() {
    }

    /** Times the workload now and keeps the result for {@link #described}. */
    static Result measure() {
        int[] ints = new SplittableRandom(42).ints(INTS).toArray();
        byte[] bytes = new byte[BYTES];
        new SplittableRandom(7).nextBytes(bytes);
        long best = Long.MAX_VALUE;
        long checksum = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long start = System.nanoTime();
            checksum = round(ints, bytes);
            best = Math.min(best, System.nanoTime() - start);
        }
        Result result = new Result(best / 1e6, checksum);
        measured = result;
        return result;
    }

    /** The figure measured in this JVM, or "" when none was. */
    static String described() {
        Result r = measured;
        return r == null ? "" : r.toString();
    }

    private static long round(int[] ints, byte[] bytes) {
        int[] sorted = ints.clone();
        Arrays.sort(sorted);
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        return sorted[INTS / 2] * 31L + sorted[0] + Arrays.hashCode(digest);
    }
}
