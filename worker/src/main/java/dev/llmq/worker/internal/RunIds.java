package dev.llmq.worker.internal;

import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Run ids: a UUIDv7 (RFC 9562) per run of a job, so ids sort roughly by start time and two runs of one job, on any
 * workers, never share one (74 random bits). Run ids are identifiers, not secrets: the random bits come from
 * {@link ThreadLocalRandom} rather than {@link UUID#randomUUID()}'s {@code SecureRandom}, which reads the operating
 * system's generator under a lock on every call (a visible cost per job at thousands of jobs a second).
 */
final class RunIds {

    private RunIds() {
    }

    static String next(Clock clock) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (clock.millis() << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // variant 10
        return new UUID(msb, lsb).toString();
    }
}
