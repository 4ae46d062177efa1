package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.worker.internal.ClassicGroupFeed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

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
        JobWorker worker = start(fx.settingsBuilder("w1").shutdownTimeout(Duration.ofSeconds(45)).build(), held);
        fx.sendAll(jobs("d-", 10));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(held.running).hasValue(10));
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger feedLog = (Logger) LoggerFactory.getLogger(ClassicGroupFeed.class);
        feedLog.addAppender(logs);

        try {
            CompletableFuture<Void> closing = CompletableFuture.runAsync(worker::close);
            await().atMost(Duration.ofSeconds(5)).until(() -> !worker.ready());
            assertThat(closing).isNotDone();
            // an operator who sent SIGTERM sees why the process has not stopped yet, and for how long at most
            await().atMost(Duration.ofSeconds(5)).until(() -> messages(logs).contains("stopping: waiting up to 45 s "
                    + "(llmq.worker.shutdown_timeout) for 10 running jobs to finish; those still running then are "
                    + "left to the other workers"));
            held.release();
            closing.get();
        } finally {
            feedLog.detachAppender(logs);
        }

        assertThat(messages(logs)).anyMatch(m -> m.startsWith("stopping: the 10 running jobs finished in "));
        assertThat(held.interrupted).isEmpty();
        assertThat(fx.committed()).isEqualTo(fx.endOffsets(fx.topics.jobs()));
        // published before the commits; the closed worker's de-duplication may not have passed them all on yet
        assertThat(TestJobs.resultsById(fx.readAll(fx.topics.results()))).hasSize(10);
    }

    private static List<String> messages(ListAppender<ILoggingEvent> logs) {
        return List.copyOf(logs.list).stream().map(ILoggingEvent::getFormattedMessage).toList();
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
