package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A job that wedges its worker, which is then killed (aborted: nothing committed on the way out) or stopped (its
 * drain times out and the job ignores the interrupt that follows), is started {@code max_deliveries} times by
 * successive workers and then dead-lettered with a failed result, while the other jobs of its partition are
 * processed. Real broker, real workers in one JVM. Also with {@code llmq.worker.await_first_start} off and the jobs
 * sent once the first worker holds the partition: that worker runs them without waiting for their starts to be
 * recorded, records them all the same, and the count holds. A long job that answers every stop is not counted at all.
 */
@ExtendWith(KafkaClusterExtension.class)
class PoisonJobIT {

    private static final int MAX_DELIVERIES = 3;

    private final KafkaCluster kafka;

    PoisonJobIT(KafkaCluster kafka) {
        this.kafka = kafka;
    }

    private static int calls(TestHandler handler, String jobId) {
        AtomicInteger n = handler.callsByJob.get(jobId);
        return n == null ? 0 : n.get();
    }

    @ParameterizedTest(name = "await_first_start={0}")
    @ValueSource(booleans = {true, false})
    void aJobThatKeepsKillingItsWorkerEndsInTheDlqWithAFailedResult(boolean awaitFirstStart) throws Exception {
        try (KafkaFixture fx = new KafkaFixture(kafka.bootstrapServers(), "poison-" + awaitFirstStart).create(1)) {
            // never released, and deaf to interrupts: the job wedges its worker, which not even a stop ends
            TestHandler handler = new TestHandler("poison"::equals, Duration.ZERO, true);
            List<String> jobs = List.of("a0", "poison", "a1", "a2");
            if (awaitFirstStart) {
                for (String id : jobs) {
                    fx.send(TestJobs.job(id, false));
                }
            }
            WorkerSettings.Builder settings = fx.settingsBuilder("w").maxDeliveries(MAX_DELIVERIES)
                    .awaitFirstStart(awaitFirstStart).shutdownTimeout(Duration.ofSeconds(1));
            for (int run = 1; run <= MAX_DELIVERIES; run++) {
                JobWorker worker = new JobWorker(settings.build(), handler, Clock.systemUTC(),
                        new SimpleMeterRegistry());
                worker.start();
                if (!awaitFirstStart && run == 1) {
                    await().atMost(Duration.ofSeconds(60)).until(worker::ready); // holds the partition: jobs are fresh
                    for (String id : jobs) {
                        fx.send(TestJobs.job(id, false));
                    }
                }
                int expected = run;
                // the wedged job started once more (its start committed first); the jobs after it finished in the
                // first run, their results committed with the metadata that says so, and are never run again
                await().atMost(Duration.ofSeconds(90)).until(() -> calls(handler, "poison") == expected
                        && calls(handler, "a1") == 1 && calls(handler, "a2") == 1 && worker.inFlight() == 1
                        && TestJobs.resultsById(fx.readAll(fx.topics.results())).keySet()
                                .containsAll(List.of("a0", "a1", "a2")));
                // the wedged job's start is recorded as an offset of the starts' group (before it ran, or, for a
                // fresh job without await_first_start, while it ran): at or below its offset, the counts in the
                // metadata; only then is the worker killed, so every run is counted
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(fx.committedWithMetadata(
                        fx.group + ".starts")).hasEntrySatisfying(new TopicPartition(fx.topics.jobs(), 0), c -> {
                            assertThat(c.offset()).isLessThanOrEqualTo(1L);
                            assertThat(c.metadata()).isNotEmpty();
                        }));
                if (run == 2) {
                    worker.close(); // a stop whose drain times out: the wedged job ignores the interrupt
                } else {
                    worker.abort(); // as SIGKILL: nothing more is committed
                }
            }
            assertThat(calls(handler, "a0")).isEqualTo(1); // committed by the first worker, never run again

            try (JobWorker last = new JobWorker(settings.build(), handler, Clock.systemUTC(),
                    new SimpleMeterRegistry())) {
                last.start();
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                        assertThat(fx.committed()).containsEntry(new TopicPartition(fx.topics.jobs(), 0), 4L));
                assertThat(calls(handler, "poison")).isEqualTo(MAX_DELIVERIES); // not run a fourth time

                List<ConsumerRecord<byte[], byte[]>> letters = fx.readAll(fx.topics.dlq());
                assertThat(letters).hasSize(1);
                ConsumerRecord<byte[], byte[]> letter = letters.getFirst();
                assertThat(new String(letter.key())).isEqualTo("poison");
                assertThat(KafkaFixture.header(letter, LlmqHeaders.DLQ_DELIVERIES)).isEqualTo("3");
                assertThat(KafkaFixture.header(letter, LlmqHeaders.DLQ_REASON)).startsWith("poison_job: started 3 times");
                assertThat(KafkaFixture.header(letter, LlmqHeaders.DLQ_ORIGINAL_OFFSET)).isEqualTo("1");

                // status readers see it end: one failed result on results.v1
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(fx.readAll(fx.topics.results())
                        .stream().map(r -> TestJobs.RESULTS.fromBytes(r.value()))
                        .filter(r -> r.jobId().equals("poison")).toList()).singleElement().satisfies(r -> {
                            assertThat(r.status()).isEqualTo(JobStatus.FAILED);
                            assertThat(r.error().code()).isEqualTo("poison_job");
                        }));
                List<JobResult> others = fx.readAll(fx.topics.results()).stream()
                        .map(r -> TestJobs.RESULTS.fromBytes(r.value())).filter(r -> !r.jobId().equals("poison"))
                        .toList();
                assertThat(others).extracting(JobResult::jobId).containsExactlyInAnyOrder("a0", "a1", "a2");
                assertThat(calls(handler, "a1")).as("run once, by the first worker").isEqualTo(1);
                assertThat(others).extracting(JobResult::status).containsOnly(JobStatus.SUCCEEDED);
            }
        }
    }

    /**
     * A long job whose worker is stopped in an orderly way more times than {@code max_deliveries} while it runs (its
     * call outlasting the shutdown timeout each time) is not a poison job: it answers each stop's interrupt, its start
     * is given back, and the next worker runs it to its result.
     */
    @Test
    void aLongJobThatAnswersEveryStopOfItsWorkerIsNotCountedAndEndsWithItsResult() throws Exception {
        try (KafkaFixture fx = new KafkaFixture(kafka.bootstrapServers(), "stopped").create(1)) {
            TestHandler handler = new TestHandler("long"::equals); // held until released; an interrupt ends it
            fx.send(TestJobs.job("long", false));
            WorkerSettings.Builder settings = fx.settingsBuilder("w").maxDeliveries(MAX_DELIVERIES)
                    .shutdownTimeout(Duration.ofSeconds(1));
            for (int run = 1; run <= MAX_DELIVERIES; run++) {
                try (JobWorker worker = new JobWorker(settings.build(), handler, Clock.systemUTC(),
                        new SimpleMeterRegistry())) {
                    worker.start();
                    int expected = run;
                    await().atMost(Duration.ofSeconds(90)).until(() -> calls(handler, "long") == expected
                            && worker.inFlight() == 1);
                } // stopped: the held call is interrupted once the shutdown timeout is up
                assertThat(handler.interrupted).contains("long");
            }

            handler.release();
            try (JobWorker last = new JobWorker(settings.build(), handler, Clock.systemUTC(),
                    new SimpleMeterRegistry())) {
                last.start();
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(fx.readAll(fx.topics.results())
                        .stream().map(r -> TestJobs.RESULTS.fromBytes(r.value())).toList()).singleElement()
                        .satisfies(r -> {
                            assertThat(r.jobId()).isEqualTo("long");
                            assertThat(r.status()).isEqualTo(JobStatus.SUCCEEDED);
                        }));
                assertThat(calls(handler, "long")).isEqualTo(MAX_DELIVERIES + 1);
                assertThat(fx.readAll(fx.topics.dlq())).isEmpty();
            }
        }
    }
}
