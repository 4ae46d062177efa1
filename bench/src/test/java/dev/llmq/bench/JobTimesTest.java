package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class JobTimesTest {

    private static byte[] accepted(String... ids) {
        StringBuilder jobs = new StringBuilder();
        for (String id : ids) {
            jobs.append(jobs.isEmpty() ? "" : ",").append("{\"id\":\"").append(id).append("\",\"status\":\"queued\"}");
        }
        return ("{\"object\":\"llmq.job.submission\",\"jobs\":[" + jobs + "],\"count\":" + ids.length + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void joinsEachJobsTimesByNumberAndIdAndCountsTheLost() throws Exception {
        try (JobTimes times = new JobTimes(1000, 10)) {
            times.accepted(1000, 100, 200, accepted("job_a", "job_b"));
            times.accepted(1005, 110, 210, accepted("job_c"));
            times.accepted(2000, 120, 220, accepted("job_outside"));
            times.provider(1000, 250, 300);
            times.provider(1000, 900, 950); // called again: the first call counts
            times.provider(1001, 150, 180); // before its 202 was read
            times.provider(5, 1, 2); // a warm-up job
            times.result("job_a", 400);
            times.result("job_a", 500);
            times.result("job_b", 380);
            times.result("job_warm", 390);

            assertThat(times.acceptedCount()).isEqualTo(3);
            assertThat(times.completedBetween(0, 395)).isEqualTo(2);
            assertThat(times.completedBetween(0, 1_000)).isEqualTo(3);
            assertThat(times.awaitResults(Duration.ofMillis(250))).isEqualTo(1);

            assertThat(values(times.acceptedToProvider())).containsExactly(0L, 50L);
            assertThat(values(times.providerToResult())).containsExactly(100L, 200L);
            assertThat(values(times.dueToResult())).containsExactly(280L, 300L);
            assertThat(values(times.acceptedToResult())).containsExactly(180L, 200L);

            times.result("job_c", 610);
            assertThat(times.awaitResults(Duration.ofSeconds(5))).isZero();
            assertThat(values(times.dueToResult())).containsExactly(280L, 300L, 500L);
            assertThat(values(times.providerToResult())).hasSize(2); // job_c never reached the provider
        }
    }

    @Test
    @Timeout(60) // a deadline nobody looks at leaves the waiter parked for good
    void aClientWaitingForItsJobsResultIsWokenWhenItIsReadAndGivesUpAtItsDeadline() throws Exception {
        try (JobTimes times = new JobTimes(0, 4)) {
            times.result("job_done", 10);
            assertThat(times.awaitResult("job_done", System.nanoTime())).isTrue(); // already read: no wait

            java.util.concurrent.CompletableFuture<Boolean> waiter = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> times.awaitResult("job_late", System.nanoTime() + Duration.ofSeconds(30).toNanos()));
            Thread.onSpinWait();
            assertThat(waiter).isNotDone();
            times.result("job_late", 20);
            assertThat(waiter.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            long before = System.nanoTime();
            assertThat(times.awaitResult("job_never", before + Duration.ofMillis(120).toNanos())).isFalse();
            assertThat(System.nanoTime() - before).isGreaterThanOrEqualTo(Duration.ofMillis(120).toNanos());
        }
    }

    private static java.util.List<Long> values(Histogram h) {
        java.util.List<Long> out = new java.util.ArrayList<>();
        h.recordedValues().forEach(v -> {
            for (long i = 0; i < v.getCountAtValueIteratedTo(); i++) {
                out.add(h.lowestEquivalentValue(v.getValueIteratedTo()));
            }
        });
        return out;
    }
}
