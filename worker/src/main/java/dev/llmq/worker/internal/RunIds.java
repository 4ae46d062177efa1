package dev.llmq.worker.internal;

import java.time.Clock;
import java.util.UUID;

/**
 * Run ids: a UUIDv7 (RFC 9562) per run of a job, so ids sort roughly by start time and two runs of one job, on any
 * workers, never share one (74 random bits).
 */
final class RunIds {

    private RunIds() {
    }

    static String next(Clock clock) {
        UUID random = UUID.randomUUID();
        long msb = (clock.millis() << 16) | 0x7000L | (random.getMostSignificantBits() & 0x0FFFL);
        return new UUID(msb, random.getLeastSignificantBits()).toString();
    }
}
