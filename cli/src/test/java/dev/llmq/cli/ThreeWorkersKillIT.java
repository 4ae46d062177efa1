package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.worker.WorkerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code llmq worker} processes and an ingest API share 5,000 jobs on a mock LLM answering in 100 to 300 ms; one
 * worker is SIGKILLed mid-run and started again. Every job ends with exactly one terminal result for a
 * {@code read_committed} reader of {@code results.v1} (some jobs ran twice: their second result is on the raw topic
 * only), none is lost, every batch's output lists each of its jobs once, succeeded, and {@code GET /v1/jobs/{id}} shows a
 * random sample of 500 jobs succeeded (all 5,000 took 26 s on the loaded 2-core machine).
 */
@ExtendWith(KafkaClusterExtension.class)
class ThreeWorkersKillIT {

    private static final int JOBS = 5_000;
    private static final int BATCH = 500;

    private final List<WorkerProcess> workers = new ArrayList<>();
    private MockLlmServer mock;
    private Assembly ingest;

    @AfterEach
    void stop() throws Exception {
        for (WorkerProcess worker : workers) {
            worker.close();
        }
        TestConfigs.closeAll(ingest, mock);
    }

    @Test
    void everyJobHasExactlyOneResultAfterAWorkerIsKilledAndRestarted(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        long t0 = System.nanoTime();
        mock = MockLlmServer.builder().port(0).requestLogCapacity(20_000)
                .behavior("m100", MockBehavior.defaults().withLatency(Duration.ofMillis(100)))
                .behavior("m200", MockBehavior.defaults().withLatency(Duration.ofMillis(200)))
                .behavior("m300", MockBehavior.defaults().withLatency(Duration.ofMillis(300)))
                .build().start();
        String bootstrap = kafka.bootstrapServers();
        String prefix = TestConfigs.uniquePrefix();
        TopicNames topics = new TopicNames(prefix);
        Path config = dir.resolve("llmq.yaml");
        Files.writeString(config, """
                model_list:
                  - model_name: chat
                    litellm_params: { model: openai/m100, api_base: %1$s, api_key: k }
                    model_info: { id: m100 }
                  - model_name: chat
                    litellm_params: { model: openai/m200, api_base: %1$s, api_key: k }
                    model_info: { id: m200 }
                  - model_name: chat
                    litellm_params: { model: openai/m300, api_base: %1$s, api_key: k }
                    model_info: { id: m300 }
                llmq:
                  topics: { prefix: %2$s, partitions: 6 }
                  worker: { max_in_flight: 64 }
                """.formatted(mock.openAiBaseUrl(), prefix));
        Ledger.createTopics(bootstrap, topics, 6);
        for (int i = 1; i <= 3; i++) {
            workers.add(WorkerProcess.start("w" + i, config, bootstrap, dir));
        }
        ingest = Ledger.startIngest(config, bootstrap);
        for (WorkerProcess worker : workers) {
            worker.awaitReady(Duration.ofSeconds(90));
        }

        phase("3 workers and ingest ready", t0);
        IngestClient client = new IngestClient(Ledger.url(ingest));
        List<String> ids = new ArrayList<>();
        List<String> batchIds = new ArrayList<>();
        for (int b = 0; b < JOBS / BATCH; b++) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                lines.add(JobLines.line("job-" + (b * BATCH + i), "chat"));
            }
            IngestClient.Submission submission = client.submitNdjson(lines);
            ids.addAll(submission.jobIds());
            batchIds.add(submission.batchId());
        }
        assertThat(ids).hasSize(JOBS).doesNotHaveDuplicates();

        phase("5,000 jobs submitted", t0);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> mock.requests().size() >= JOBS / 4);
        WorkerProcess victim = workers.getFirst();
        int callsAtKill = mock.requests().size();
        victim.kill();
        workers.add(WorkerProcess.start("w1-again", config, bootstrap, dir));
        System.out.printf("KILL w1 after %d provider calls of %d jobs%n", callsAtKill, JOBS);

        Set<String> expected = Set.copyOf(ids);
        Map<String, List<JobResult>> results = new ConcurrentHashMap<>();
        await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            results.clear();
            results.putAll(Ledger.results(bootstrap, topics.results()));
            if (!results.keySet().containsAll(expected)) {
                Set<String> missing = new HashSet<>(expected);
                missing.removeAll(results.keySet());
                assertThat(missing).as("jobs without a result on results.v1 (%d of %d); workers:%n%s",
                        missing.size(), JOBS, workersTail()).isEmpty();
            }
        });
        phase("every job has a result", t0);
        // nothing left that could yield a second result: the workers committed every job
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(Ledger.behind(bootstrap, WorkerSettings.DEFAULT_GROUP_ID, topics.jobs())).isEmpty());
        phase("group committed past the last job", t0);
        results.clear();
        results.putAll(Ledger.results(bootstrap, topics.results()));
        long ranTwice = Math.max(0, mock.requests().size() - JOBS);
        System.out.printf("RESULTS %d jobs, %d results on results.v1, %d provider calls (%d more than jobs: run "
                        + "again after the kill)%n", JOBS, results.values().stream().mapToInt(List::size).sum(),
                mock.requests().size(), ranTwice);

        assertThat(results.keySet()).as("no result for a job that was not submitted").isEqualTo(expected);
        List<String> twice = results.entrySet().stream().filter(e -> e.getValue().size() != 1)
                .map(Map.Entry::getKey).toList();
        assertThat(twice).as("jobs with more than one result on results.v1 (%d provider calls more than jobs)", ranTwice)
                .isEmpty();
        assertThat(results.values()).allSatisfy(list -> assertThat(list.getFirst().status())
                .as(list.getFirst().jobId()).isEqualTo(JobStatus.SUCCEEDED));

        // the API agrees: every batch's output has each of its jobs once, succeeded; GET of a random sample of 500
        // jobs (seeded) shows each one succeeded with its completion
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Set<String> inBatches = new HashSet<>();
            for (String batchId : batchIds) {
                for (String line : client.batchResults(batchId)) {
                    JsonNode output = Json.mapper().readTree(line);
                    assertThat(output.path("response").path("status_code").asInt()).as(line).isEqualTo(200);
                    assertThat(inBatches.add(output.path("id").asText())).as("twice in the batch output: %s", line)
                            .isTrue();
                }
            }
            assertThat(inBatches).as("jobs in the batches' output").isEqualTo(expected);
        });
        List<String> sample = new ArrayList<>(ids);
        Collections.shuffle(sample, new Random(8));
        Set<String> notFinal = new HashSet<>(sample.subList(0, 500));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (String id : List.copyOf(notFinal)) {
                JsonNode job = client.job(id);
                if (job.path("status").asText().equals("succeeded")
                        && job.path("result").path("object").asText().equals("chat.completion")) {
                    notFinal.remove(id);
                }
            }
            assertThat(notFinal).as("sampled jobs whose GET does not show succeeded").isEmpty();
        });
        phase("GET shows every job succeeded", t0);
    }

    private static void phase(String what, long t0) {
        System.out.printf("PHASE %s: %d ms%n", what, Duration.ofNanos(System.nanoTime() - t0).toMillis());
    }

    private String workersTail() {
        StringBuilder text = new StringBuilder();
        for (WorkerProcess worker : workers) {
            text.append("--- ").append(worker.workerId()).append(worker.alive() ? " (alive)" : " (dead)").append('\n')
                    .append(worker.tail(8)).append("\n(warnings and errors:)\n").append(worker.problems(15))
                    .append('\n');
        }
        return text.toString();
    }
}
