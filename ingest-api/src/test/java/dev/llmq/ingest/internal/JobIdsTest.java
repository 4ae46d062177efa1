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

    @Test
    void theTimeOfAnIdIsReadBackAndIdsSortAroundTheFirstIdOfATime() {
        Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            long millis = random.nextLong(0x0100_0000_0000L, 0x0300_0000_0000L);
            JobIds ids = new JobIds(Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC), random);
            String id = ids.nextJobId();
            assertThat(JobIds.millisOf(id)).isEqualTo(millis);
            assertThat(JobIds.firstIdAt(millis)).isLessThan(id);
            assertThat(JobIds.firstIdAt(millis + 1)).isGreaterThan(id);
            assertThat(JobIds.firstIdAt(millis - 1)).isLessThan(id);
            String batch = ids.nextBatchId();
            assertThat(JobIds.batchMillisOf(batch)).isEqualTo(millis);
            assertThat(JobIds.firstBatchIdAt(millis)).isLessThan(batch);
            assertThat(JobIds.firstBatchIdAt(millis + 1)).isGreaterThan(batch);
        }
    }

    @Test
    void anIdInAnotherLayoutHasNoTime() {
        String good = "job_01900000-0001-7abc-8def-0123456789ab";
        assertThat(JobIds.millisOf(good)).isEqualTo(0x0190_0000_0001L);
        for (String other : new String[] {null, "", "job_", "job_old", "batch_01900000-0001-7abc-8def-0123456789ab",
                "job_01900000-0001-4abc-8def-0123456789ab", "job_01900000-0001-7ABC-8def-0123456789ab",
                "job_0190000g-0001-7abc-8def-0123456789ab", "job_01900000_0001-7abc-8def-0123456789ab",
                good + "0", good.substring(0, good.length() - 1), "job_01900000-0001-7abc-8def-0123456789a+",
                "job_0190000\u0663-0001-7abc-8def-0123456789ab"}) {
            assertThat(JobIds.millisOf(other)).as(other).isEqualTo(-1);
        }
        assertThat(JobIds.batchMillisOf("batch_01900000-0001-7abc-8def-0123456789ab")).isEqualTo(0x0190_0000_0001L);
        for (String other : new String[] {null, "batch_1", good, "batch_01900000-0001-7ABC-8def-0123456789ab"}) {
            assertThat(JobIds.batchMillisOf(other)).as(other).isEqualTo(-1);
        }
    }
}
