package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Run ids are RFC 9562 UUIDv7s: the clock's milliseconds first, version 7, variant 2, distinct within a millisecond. */
class RunIdsTest {

    private static final Instant AT = Instant.parse("2026-11-30T06:00:00.123Z");
    private final Clock clock = Clock.fixed(AT, ZoneOffset.UTC);

    @Test
    void aRunIdIsAVersion7UuidCarryingTheClocksMilliseconds() {
        UUID id = UUID.fromString(RunIds.next(clock));

        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(AT.toEpochMilli());
    }

    @Test
    void idsTakenInTheSameMillisecondOnManyThreadsAreAllDistinct() throws Exception {
        Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Thread[] threads = new Thread[8];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 5_000; i++) {
                    ids.add(RunIds.next(clock));
                }
            });
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(ids).hasSize(40_000);
        Set<Integer> versions = new HashSet<>();
        ids.forEach(id -> versions.add(UUID.fromString(id).version()));
        assertThat(versions).containsExactly(7);
    }
}
