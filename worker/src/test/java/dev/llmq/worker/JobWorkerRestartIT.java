package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.runtime.KafkaCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class JobWorkerRestartIT extends WorkerIT {

    JobWorkerRestartIT(KafkaCluster kafka) {
        super(kafka);
    }

    private static List<JobRequest> jobs(String prefix, int count) {
        List<JobRequest> jobs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            jobs.add(TestJobs.job(prefix + i, i % 2 == 0));
        }
        return jobs;
    }

    @Test
    void aWorkerStoppedWithJobsInFlightLosesNoneToItsSuccessor() throws Exception {
        KafkaFixture fx = fixture("restart", 4);
        TestHandler stuck = new TestHandler(id -> id.endsWith("0"));
        JobWorker first = start(fx.settingsBuilder("w1").shutdownTimeout(Duration.ofMillis(300)).build(), stuck);
        List<JobRequest> jobs = jobs("r-", 200);
        fx.sendAll(jobs);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(stuck.running).hasValue(20);
            assertThat(stuck.calls).hasValue(200);
        });
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(TestJobs.resultsById(fx.readAll(fx.topics.results()))).hasSize(180));

        first.close();
        assertThat(stuck.interrupted).hasSize(20);
        assertThat(fx.committed().values().stream().mapToLong(Long::longValue).sum())
                .as("the interrupted jobs' offsets are not committed").isLessThan(200);

        TestHandler successor = new TestHandler();
        start(fx.settings("w2"), successor);
        awaitAllCommitted(fx);

        Map<String, List<JobResult>> results = TestJobs.resultsById(fx.readAll(fx.topics.results()));
        assertThat(results.keySet()).containsExactlyInAnyOrderElementsOf(jobs.stream().map(JobRequest::jobId).toList());
        assertThat(successor.callsByJob.keySet()).containsAll(stuck.interrupted);
        stuck.interrupted.forEach(id -> assertThat(results.get(id)).hasSize(1));
    }

    @Test
    void closeWaitsForInFlightJobsAndCommitsThem() throws Exception {
        KafkaFixture fx = fixture("drain", 2);
        TestHandler held = new TestHandler(id -> true);
        JobWorker worker = start(fx.settings("w1"), held);
        fx.sendAll(jobs("d-", 10));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(held.running).hasValue(10));

        CompletableFuture<Void> closing = CompletableFuture.runAsync(worker::close);
        await().atMost(Duration.ofSeconds(5)).until(() -> !worker.ready());
        assertThat(closing).isNotDone();
        held.release();
        closing.get();

        assertThat(held.interrupted).isEmpty();
        assertThat(fx.committed()).isEqualTo(fx.endOffsets(fx.topics.jobs()));
        // published before the commits; the closed worker's de-duplication may not have passed them all on yet
        assertThat(TestJobs.resultsById(fx.readAll(fx.topics.results()))).hasSize(10);
    }

    @Test
    void aSecondWorkerJoiningMidwayTakesPartitionsWithoutLosingJobs() throws Exception {
        KafkaFixture fx = fixture("scale", 6);
        TestHandler slowish = new TestHandler(id -> false, Duration.ofMillis(20));
        TestHandler second = new TestHandler();
        start(fx.settingsBuilder("w1").maxInFlight(8).build(), slowish);
        List<JobRequest> jobs = jobs("s-", 1000);
        fx.sendAll(jobs);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(TestJobs.resultsById(fx.readAll(fx.topics.results()))).hasSizeGreaterThan(50));

        start(fx.settings("w2"), second);
        awaitAllCommitted(fx);

        Map<String, List<JobResult>> results = TestJobs.resultsById(fx.readAll(fx.topics.results()));
        assertThat(results.keySet()).containsExactlyInAnyOrderElementsOf(jobs.stream().map(JobRequest::jobId).toList());
        assertThat(second.calls).hasPositiveValue();
    }
}
