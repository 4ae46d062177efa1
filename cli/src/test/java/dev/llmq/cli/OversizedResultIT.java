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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product's own limits, end to end through the HTTP API and a {@code llmq worker} process: a job of about 700 KB
 * (its metadata; Kafka takes it) whose result (the metadata again, plus a long completion) is over Kafka's 1 MiB ends
 * failed with {@code result_too_large} and the reason, and the jobs after it in its partition succeed and are
 * committed. {@code worker}'s {@code OversizedRecordsIT} covers the same with a lowered {@code max.request.size} and
 * the dead-letter case, in one JVM.
 */
@ExtendWith(KafkaClusterExtension.class)
class OversizedResultIT {

    private MockLlmServer mock;
    private WorkerProcess worker;
    private Assembly ingest;

    @AfterEach
    void stop() throws Exception {
        TestConfigs.closeAll(worker, ingest, mock);
    }

    @Test
    void aResultOverKafkasLimitEndsFailedWithTheReasonAndItsPartitionMovesOn(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        long t0 = System.nanoTime();
        mock = MockLlmServer.builder().port(0)
                .behavior("long", MockBehavior.defaults().withCompletionTokens(80_000))
                .build().start();
        String bootstrap = kafka.bootstrapServers();
        String prefix = TestConfigs.uniquePrefix();
        TopicNames topics = new TopicNames(prefix);
        Path config = dir.resolve("llmq.yaml");
        Files.writeString(config, """
                model_list:
                  - model_name: chat
                    litellm_params: { model: openai/short, api_base: %1$s, api_key: k }
                  - model_name: long
                    litellm_params: { model: openai/long, api_base: %1$s, api_key: k }
                llmq:
                  topics: { prefix: %2$s, partitions: 1 }
                  ingest: { limits: { max_metadata_value_chars: 1048576 } }   # room for the 700 kB blob below
                """.formatted(mock.openAiBaseUrl(), prefix));
        Ledger.createTopics(bootstrap, topics, 1);
        worker = WorkerProcess.start("sizes", config, bootstrap, dir);
        ingest = Ledger.startIngest(config, bootstrap);
        worker.awaitReady(Duration.ofSeconds(90));
        phase("worker and ingest ready", t0);

        IngestClient client = new IngestClient(Ledger.url(ingest));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            lines.add(JobLines.line("before-" + i, "chat"));
        }
        var big = Json.mapper().readTree(JobLines.line("big", "long")).deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) big).putObject("metadata").put("blob", "x".repeat(700_000));
        lines.add(big.toString());
        for (int i = 0; i < 20; i++) {
            lines.add(JobLines.line("after-" + i, "chat"));
        }
        List<String> ids = client.submitNdjson(lines).jobIds();
        String bigId = ids.get(5);

        JsonNode job = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> client.job(bigId), j -> !j.path("status").asText().matches("queued|running"));
        phase("the big job ended", t0);
        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("failed");
        assertThat(job.path("error").path("code").asText()).isEqualTo("result_too_large");
        assertThat(job.path("error").path("message").asText()).contains("RecordTooLargeException");

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(Ledger.behind(bootstrap, WorkerSettings.DEFAULT_GROUP_ID, topics.jobs()))
                        .as("the jobs partition's commits; worker log:%n%s", worker.tail(10)).isEmpty());
        phase("the partition is committed past its last job", t0);
        Map<String, List<JobResult>> results = Ledger.results(bootstrap, topics.results());
        assertThat(results.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(results).allSatisfy((id, list) -> {
            assertThat(list).as(id).hasSize(1);
            JobResult r = list.getFirst();
            if (id.equals(bigId)) {
                assertThat(r.status()).isEqualTo(JobStatus.FAILED);
                assertThat(r.metadata()).isEmpty();
                System.out.printf("BIG result_too_large %d ms after it started%n",
                        Duration.between(r.startedAt(), r.completedAt()).toMillis());
            } else {
                assertThat(r.status()).as("%s: %s", r.customId(), r.error()).isEqualTo(JobStatus.SUCCEEDED);
            }
        });
        assertThat(TopicReader.readAll(bootstrap, topics.dlq(), bytes -> bytes, 0)).isEmpty();
    }

    private static void phase(String what, long t0) {
        System.out.printf("PHASE %s: %d ms%n", what, Duration.ofNanos(System.nanoTime() - t0).toMillis());
    }
}
