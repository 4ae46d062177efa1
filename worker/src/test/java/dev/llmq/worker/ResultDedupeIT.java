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
import dev.llmq.worker.internal.ResultFactory;
import dev.llmq.worker.results.ResultDedupeStream;
import dev.llmq.worker.routing.DeploymentPrices;
import dev.llmq.worker.routing.RoutedJobHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Exactly one terminal result per job id on the results topic for {@code read_committed} readers, on the real broker:
 * the de-duplication alone fed with duplicates, and whole workers running every job twice while one of them stops.
 */
class ResultDedupeIT extends WorkerIT {

    ResultDedupeIT(KafkaCluster kafka) {
        super(kafka);
    }

    private static JobResult result(String jobId, boolean succeeded) {
        JobRequest job = TestJobs.job(jobId, false);
        JobOutcome outcome = succeeded ? JobOutcome.succeeded(TestJobs.completion(jobId, "hi"), TestJobs.usage())
                : ResultFactory.failure(new IllegalStateException("run " + jobId));
        return ResultFactory.fromOutcome(job, outcome, TestJobs.NOW, TestJobs.NOW, Duration.ZERO, null);
    }

    private ResultDedupeStream dedupe(KafkaFixture fx, String workerId) {
        ResultDedupeStream stream = new ResultDedupeStream(fx.settings(workerId));
        stream.start();
        return stream;
    }

    @Test
    void interleavedDuplicatesOfManyJobsLeaveExactlyTheFirstResultOfEach() throws Exception {
        KafkaFixture fx = fixture("dedupe", 4);
        List<ResultDedupeStream> streams = List.of(dedupe(fx, "d1"), dedupe(fx, "d2"));
        try {
            sendDuplicatesAndCheck(fx, streams);
        } finally {
            streams.forEach(ResultDedupeStream::close);
        }
    }

    private static void sendDuplicatesAndCheck(KafkaFixture fx, List<ResultDedupeStream> streams) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fx.bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 2), new ByteArraySerializer(), new ByteArraySerializer())) {
            // 400 jobs, 1 to 3 copies each (the first succeeded, the copies failed), sent in a shuffled order
            Random random = new Random(42);
            List<String> sends = new ArrayList<>();
            Map<String, Integer> copies = new HashMap<>();
            for (int i = 0; i < 400; i++) {
                String id = "job-" + i;
                int n = 1 + random.nextInt(3);
                copies.put(id, n);
                for (int c = 0; c < n; c++) {
                    sends.add(id);
                }
            }
            Collections.shuffle(sends, random);
            Map<String, Integer> sent = new HashMap<>();
            for (String id : sends) {
                boolean first = sent.merge(id, 1, Integer::sum) == 1;
                producer.send(new ProducerRecord<>(fx.topics.resultsRaw(), KafkaFixture.utf8(id),
                        TestJobs.RESULTS.toBytes(result(id, first))));
            }
            producer.flush();
            assertThat(sends.size()).as("duplicates were sent").isGreaterThan(600);
        }

        awaitResultsDeduped(fx);

        Map<String, List<JobResult>> results = TestJobs.resultsById(fx.readAll(fx.topics.results()));
        assertThat(results).hasSize(400).allSatisfy((id, list) -> {
            assertThat(list).as(id).hasSize(1);
            assertThat(list.getFirst().status()).as(id).isEqualTo(JobStatus.SUCCEEDED);
        });
        assertThat(fx.readAll(fx.topics.resultsRaw())).hasSizeGreaterThan(600);
        assertThat(streams).allSatisfy(s -> assertThat(s.ready()).isTrue());
    }

    @Test
    void jobsRunTwiceByWorkersThatComeAndGoStillHaveOneResultEach() throws Exception {
        KafkaFixture fx = fixture("rerun", 4);
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
            await().atMost(Duration.ofSeconds(60)).until(() -> fx.readAll(fx.topics.resultsRaw()).size() >= 60);

            // a second worker in another group: every job is delivered again, from the first offset, while the
            // first worker still runs (the de-duplication's partitions are shared between the two meanwhile)
            JobWorker second = start(fx.settingsBuilder("w2").groupId(fx.group + "-replay").maxInFlight(8).build(),
                    handler(yaml));
            await().atMost(Duration.ofSeconds(60)).until(() -> fx.readAll(fx.topics.resultsRaw()).size() >= 200);
            // the first worker goes, with jobs in flight and its share of the de-duplication
            first.close();

            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(fx.committed(fx.group + "-replay")).isEqualTo(fx.endOffsets(fx.topics.jobs())));
            awaitResultsDeduped(fx);
            assertThat(second.ready()).isTrue();

            Map<String, List<JobResult>> raw = TestJobs.resultsById(fx.readAll(fx.topics.resultsRaw()));
            Map<String, List<JobResult>> results = TestJobs.resultsById(fx.readAll(fx.topics.results()));
            assertThat(results.keySet()).containsExactlyInAnyOrderElementsOf(
                    jobs.stream().map(JobRequest::jobId).toList());
            assertThat(results).allSatisfy((id, list) -> {
                assertThat(list).as(id).hasSize(1);
                assertThat(list.getFirst().status()).as(id).isEqualTo(JobStatus.SUCCEEDED);
            });
            long runTwice = raw.values().stream().filter(list -> list.size() > 1).count();
            assertThat(runTwice).as("jobs with two results on the raw topic").isGreaterThanOrEqualTo(60);
            assertThat(mock.requests().size()).as("provider calls").isGreaterThanOrEqualTo(300 + (int) runTwice);
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
