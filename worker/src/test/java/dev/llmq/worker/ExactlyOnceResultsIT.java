package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.provider.Providers;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.Router;
import dev.llmq.router.Sleeper;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.worker.routing.DeploymentPrices;
import dev.llmq.worker.routing.RoutedJobHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Exactly one terminal result per job on the results topic for {@code read_committed} readers, on the real broker,
 * while workers are killed, stopped and joined: results are written in the transactions that commit their jobs'
 * offsets, and a partition's next owner passes over the records committed done above the committed offset.
 */
class ExactlyOnceResultsIT extends WorkerIT {

    ExactlyOnceResultsIT(KafkaCluster kafka) {
        super(kafka);
    }

    /**
     * Answers at once with its name as the content; with {@code stall}, the jobs named {@code slow-*} never end (until
     * the worker stops).
     */
    private static JobHandler answering(String name, Set<String> calls, boolean stall) {
        CountDownLatch never = new CountDownLatch(1);
        return (job, chunks) -> {
            calls.add(job.jobId());
            if (stall && job.jobId().startsWith("slow-")) {
                never.await();
            }
            return JobOutcome.succeeded(TestJobs.completion(job.jobId(), name), TestJobs.usage());
        };
    }

    private static String content(JobResult result) {
        return result.response().path("choices").path(0).path("message").path("content").asText();
    }

    @Test
    void aKilledWorkersFinishedJobsAboveItsCommittedOffsetAreNotRunAgainAndNoJobHasTwoResults() throws Exception {
        KafkaFixture fx = fixture("killed", 4);
        List<JobRequest> jobs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            jobs.add(TestJobs.job("slow-" + i, false)); // first on their partitions: they hold the commits back
        }
        for (int i = 0; i < 292; i++) {
            jobs.add(TestJobs.job("job-" + i, false));
        }
        Set<String> firstCalls = ConcurrentHashMap.newKeySet();
        JobWorker first = start(fx.settingsBuilder("w1").maxInFlight(32).build(), answering("w1", firstCalls, true));
        fx.sendAll(jobs);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> fx.readAll(fx.topics.results()).size() == 292);
        Map<org.apache.kafka.common.TopicPartition, Long> heldBack = fx.committed();

        first.abort(); // as SIGKILL: no drain, nothing more committed
        Set<String> secondCalls = ConcurrentHashMap.newKeySet();
        JobWorker second = start(fx.settingsBuilder("w2").maxInFlight(32).build(), answering("w2", secondCalls, false));
        awaitAllCommitted(fx);

        Map<String, List<JobResult>> results = TestJobs.resultsById(fx.readAll(fx.topics.results()));
        assertThat(results.keySet()).containsExactlyInAnyOrderElementsOf(jobs.stream().map(JobRequest::jobId).toList());
        assertThat(results).allSatisfy((id, list) -> {
            assertThat(list).as(id).hasSize(1);
            assertThat(list.getFirst().status()).as(id).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(content(list.getFirst())).as(id).isEqualTo(id.startsWith("slow-") ? "w2" : "w1");
        });
        long above = fx.endOffsets(fx.topics.jobs()).entrySet().stream()
                .mapToLong(e -> e.getValue() - heldBack.getOrDefault(e.getKey(), 0L)).sum();
        assertThat(above).as("records above the committed offsets when the first worker died").isGreaterThan(100);
        assertThat(secondCalls).as("the next owner ran only the jobs without a result")
                .containsExactlyInAnyOrder("slow-0", "slow-1", "slow-2", "slow-3", "slow-4", "slow-5", "slow-6",
                        "slow-7");
        assertThat(firstCalls).hasSize(300);
        assertThat(second.ready()).isTrue();
    }

    @Test
    void jobsOfWorkersThatJoinAndStopMidRunHaveOneResultEach() throws Exception {
        KafkaFixture fx = fixture("rebalanced", 4);
        try (MockLlmServer mock = MockLlmServer.builder().port(0)
                .defaultBehavior(MockBehavior.defaults().withLatency(Duration.ofMillis(40))).build().start()) {
            String yaml = """
                    model_list:
                      - model_name: gpt-4o-mini
                        litellm_params: { model: openai/gpt-4o-mini, api_base: %s, api_key: k, tags: [t1] }
                        model_info: { id: mini-1 }
                    """.formatted(mock.openAiBaseUrl());
            List<JobRequest> jobs = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                jobs.add(TestJobs.job("rerun-" + i, i % 3 == 0));
            }
            JobWorker first = start(fx.settingsBuilder("w1").maxInFlight(8).build(), handler(yaml));
            fx.sendAll(jobs);
            await().atMost(Duration.ofSeconds(60)).until(() -> fx.readAll(fx.topics.results()).size() >= 60);

            // a second worker joins (partitions move, with jobs running on them), then the first one stops mid-run
            JobWorker second = start(fx.settingsBuilder("w2").maxInFlight(8).build(), handler(yaml));
            await().atMost(Duration.ofSeconds(60)).until(() -> fx.readAll(fx.topics.results()).size() >= 200);
            first.close();

            awaitAllCommitted(fx);
            assertThat(second.ready()).isTrue();
            Map<String, List<JobResult>> results = TestJobs.resultsById(fx.readAll(fx.topics.results()));
            assertThat(results.keySet()).containsExactlyInAnyOrderElementsOf(
                    jobs.stream().map(JobRequest::jobId).toList());
            assertThat(results).allSatisfy((id, list) -> {
                assertThat(list).as(id).hasSize(1);
                assertThat(list.getFirst().status()).as(id).isEqualTo(JobStatus.SUCCEEDED);
            });
            assertThat(mock.requests().size()).as("provider calls").isGreaterThanOrEqualTo(300);
        }
    }

    private static RoutedJobHandler handler(String yaml) {
        Clock clock = Clock.systemUTC();
        DeploymentPrices prices = new DeploymentPrices(PriceTable.bundled());
        Router router = new Router(ConfigLoader.parse(yaml, Map.of()), clock, new SplittableRandom(7), Sleeper.THREAD,
                prices);
        return new RoutedJobHandler(() -> router, Providers.client(Providers.defaultHttpClient(), clock), prices,
                clock);
    }
}
