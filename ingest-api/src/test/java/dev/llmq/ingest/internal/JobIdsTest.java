package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JobIdsTest {

    @Test
    void idsFromOneGeneratorSortInCreationOrderEvenWithinOneMillisecond() {
        JobIds ids = new JobIds(Clock.fixed(Instant.parse("2026-11-26T15:00:00Z"), ZoneOffset.UTC), new Random(42));
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            made.add(ids.nextJobId());
        }
        assertThat(made).isSorted().doesNotHaveDuplicates();
        assertThat(made.getFirst()).matches("job_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(ids.nextBatchId()).startsWith("batch_");
    }

    @Test
    void theTimestampLeads() {
        JobIds ids = new JobIds(Clock.fixed(Instant.ofEpochMilli(0x0190_0000_0001L), ZoneOffset.UTC), new Random(1));
        assertThat(ids.nextJobId()).startsWith("job_01900000-0001-7");
    }
}
