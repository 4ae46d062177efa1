package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 jobs, half of them streaming, through ingest → broker → worker → mock LLM → results, checked from the
 * Kafka topics and from the HTTP API.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineIT {

    private static final int JOBS = 1000;

    private MockLlmServer mock;
    private Standalone llmq;
    private TopicNames topics;
    private String bootstrap;

    @BeforeAll
    void start(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        mock = MockLlmServer.builder().port(0).defaultBehavior(MockBehavior.defaults().withCompletionTokens(24))
                .build().start();
        String prefix = TestConfigs.uniquePrefix();
        topics = new TopicNames(prefix);
        bootstrap = kafka.bootstrapServers();
        Path config = TestConfigs.write(dir, mock.openAiBaseUrl(), prefix);
        llmq = TestConfigs.startLlmq(config, dir, bootstrap);
    }

    @AfterAll
    void stop() throws Exception {
        TestConfigs.closeAll(llmq, mock);
    }

    @Test
    void everyJobGetsOneResultAndStreamsReassembleToIt() throws Exception {
        List<String> lines = DemoSample.lines(JOBS);
        IngestClient client = new IngestClient(llmq.httpUrl());
        BatchRunner runner = new BatchRunner(client, 250, System.err);
        List<IngestClient.Submission> submissions = runner.submit(lines);
        List<String> jobIds = submissions.stream().flatMap(s -> s.jobIds().stream()).toList();
        assertThat(jobIds).hasSize(JOBS).doesNotHaveDuplicates();

        BatchRunner.Run run = runner.await(BatchRunner.batches(submissions), JOBS, false, System.nanoTime());
        assertThat(run.succeeded()).isEqualTo(JOBS);

        Map<String, List<JobResult>> results = TopicReader.readAll(bootstrap, topics.results(), JsonSerde.jobResult()::fromBytes, JOBS)
                .stream().collect(Collectors.groupingBy(JobResult::jobId));
        assertThat(results.keySet()).containsExactlyInAnyOrderElementsOf(jobIds);
        assertThat(results.values()).allSatisfy(list -> assertThat(list).hasSize(1));

        Map<String, List<StreamChunk>> chunks = TopicReader.readAll(bootstrap, topics.chunks(), JsonSerde.streamChunk()::fromBytes, 1)
                .stream().collect(Collectors.groupingBy(StreamChunk::jobId));

        for (int i = 0; i < JOBS; i++) {
            JsonNode input = dev.llmq.schemas.Json.mapper().readTree(lines.get(i));
            JobResult result = results.get(jobIds.get(i)).get(0);
            assertThat(result.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(result.customId()).isEqualTo(input.path("custom_id").asText());
            assertThat(result.modelGroup()).isEqualTo(input.path("body").path("model").asText());
            String content = result.response().path("choices").path(0).path("message").path("content").asText();
            assertThat(content).isNotBlank();

            TokenUsage expected = expectedUsage(input.path("body"), content);
            assertThat(result.usage()).as("usage of %s", result.customId()).isEqualTo(expected);
            assertThat(result.response().path("usage").path("total_tokens").asLong()).isEqualTo(expected.totalTokens());
            assertThat(result.attempts()).hasSize(1);
            assertThat(result.deployment()).isIn("mini-a", "mini-b", "big");

            boolean streaming = input.path("body").path("stream").asBoolean(false);
            List<StreamChunk> jobChunks = chunks.getOrDefault(result.jobId(), List.of());
            if (streaming) {
                assertThat(jobChunks).as("chunks of %s", result.customId()).isNotEmpty();
                assertThat(TopicReader.reassemble(jobChunks)).isEqualTo(content);
                assertThat(result.ttftMs()).isNotNull();
            } else {
                assertThat(jobChunks).isEmpty();
            }
        }
        assertThat(mock.requests()).hasSize(JOBS);

        // the API agrees with the topics
        JsonNode job = client.job(jobIds.get(1));
        assertThat(job.path("status").asText()).isEqualTo("succeeded");
        assertThat(job.path("result").toString()).contains("chat.completion");
        List<String> output = new ArrayList<>();
        for (IngestClient.Submission submission : submissions) {
            output.addAll(client.batchResults(submission.batchId()));
        }
        assertThat(output).hasSize(JOBS);
        for (int i = 0; i < JOBS; i++) {
            JsonNode line = dev.llmq.schemas.Json.mapper().readTree(output.get(i));
            assertThat(line.path("custom_id").asText()).isEqualTo(String.format("demo-%04d", i + 1));
            assertThat(line.path("response").path("status_code").asInt()).isEqualTo(200);
        }
    }

    /** The mock's documented arithmetic: 3 + words per message, plus 3; a completion token is a word. */
    private static TokenUsage expectedUsage(JsonNode body, String content) {
        long prompt = 3;
        for (JsonNode message : body.path("messages")) {
            prompt += 3 + words(message.path("content").asText());
        }
        long completion = words(content);
        return new TokenUsage(prompt, completion, prompt + completion, 0, 0);
    }

    private static long words(String text) {
        String stripped = text.strip();
        return stripped.isEmpty() ? 0 : stripped.split("\\s+").length;
    }
}
