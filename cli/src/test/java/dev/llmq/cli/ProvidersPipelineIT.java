package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.schemas.TopicNames;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * The same five kinds of job (plain, streaming, tools, json_schema, an image) through the whole pipeline against
 * model groups backed by each of the four protocols the mock LLM server speaks: OpenAI, Azure OpenAI, Anthropic
 * Messages and Gemini. Every result must come back in OpenAI's shape.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProvidersPipelineIT {

    private static final Map<String, String> GROUP_PROVIDER = new LinkedHashMap<>();

    static {
        GROUP_PROVIDER.put("via-openai", "openai");
        GROUP_PROVIDER.put("via-azure", "azure");
        GROUP_PROVIDER.put("via-anthropic", "anthropic");
        GROUP_PROVIDER.put("via-gemini", "gemini");
    }

    private static final List<String> KINDS = List.of("plain", "streaming", "tools", "json_schema", "image");

    private MockLlmServer mock;
    private Standalone llmq;
    private String bootstrap;
    private TopicNames topics;

    @BeforeAll
    void start(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        MockLlmServer.Builder builder = MockLlmServer.builder().port(0).apiKey("test-key");
        for (String provider : GROUP_PROVIDER.values()) {
            builder.behavior("spent-" + provider, MockBehavior.defaults().failingAlways(Fault.insufficientQuota()));
        }
        mock = builder.build().start();
        String prefix = TestConfigs.uniquePrefix();
        topics = new TopicNames(prefix);
        bootstrap = kafka.bootstrapServers();
        Path config = dir.resolve("providers.yaml");
        Files.writeString(config, """
                model_list:
                  - model_name: via-openai
                    litellm_params: { model: openai/gpt-4o-mini, api_base: %1$s, api_key: test-key }
                  - model_name: via-azure
                    litellm_params: { model: azure/my-gpt-4o, api_base: %2$s, api_key: test-key, api_version: "2024-10-21" }
                  - model_name: via-anthropic
                    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: %3$s, api_key: test-key }
                  - model_name: via-gemini
                    litellm_params: { model: gemini/gemini-2.5-flash, api_base: %4$s, api_key: test-key }
                  - model_name: spent-openai
                    litellm_params: { model: openai/spent-openai, api_base: %1$s, api_key: test-key }
                  - model_name: spent-azure
                    litellm_params: { model: azure/spent-azure, api_base: %2$s, api_key: test-key, api_version: "2024-10-21" }
                  - model_name: spent-anthropic
                    litellm_params: { model: anthropic/spent-anthropic, api_base: %3$s, api_key: test-key }
                  - model_name: spent-gemini
                    litellm_params: { model: gemini/spent-gemini, api_base: %4$s, api_key: test-key }
                router_settings: { num_retries: 0, model_group_alias: { gpt-4: via-openai } }
                llmq:
                  topics: { prefix: %5$s, partitions: 3 }
                """.formatted(mock.openAiBaseUrl(), mock.azureEndpoint(), mock.anthropicBaseUrl(), mock.baseUrl(),
                prefix));
        llmq = TestConfigs.startLlmq(config, dir, bootstrap);
    }

    @AfterAll
    void stop() throws Exception {
        TestConfigs.closeAll(llmq, mock);
    }

    static ObjectNode job(String group, String kind) {
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("custom_id", group + ":" + kind);
        body.put("model", group);
        body.put("max_tokens", 40);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "You are a test.");
        ObjectNode user = messages.addObject().put("role", "user");
        switch (kind) {
            case "plain" -> user.put("content", "Say something short.");
            case "streaming" -> {
                user.put("content", "Stream something short.");
                body.put("stream", true);
            }
            case "tools" -> {
                user.put("content", "What is the weather in Paris?");
                ObjectNode function = body.putArray("tools").addObject().put("type", "function").putObject("function");
                function.put("name", "get_weather").put("description", "Current weather for a city");
                ObjectNode parameters = function.putObject("parameters").put("type", "object");
                parameters.putObject("properties").putObject("city").put("type", "string");
                parameters.putArray("required").add("city");
                body.putObject("tool_choice").put("type", "function").putObject("function").put("name", "get_weather");
            }
            case "json_schema" -> {
                user.put("content", "Answer in JSON.");
                ObjectNode schema = body.putObject("response_format").put("type", "json_schema")
                        .putObject("json_schema").put("name", "answer");
                ObjectNode s = schema.putObject("schema").put("type", "object");
                s.putObject("properties").putObject("answer").put("type", "string");
                s.putArray("required").add("answer");
            }
            case "image" -> {
                ArrayNode parts = user.putArray("content");
                parts.addObject().put("type", "text").put("text", "Describe this image.");
                parts.addObject().put("type", "image_url").putObject("image_url")
                        .put("url", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");
            }
            default -> throw new IllegalArgumentException(kind);
        }
        return body;
    }

    @Test
    void everyProtocolAnswersEveryKindOfJobInOpenAisShape() throws Exception {
        List<String> lines = new ArrayList<>();
        for (String group : GROUP_PROVIDER.keySet()) {
            for (String kind : KINDS) {
                lines.add(job(group, kind).toString());
            }
        }
        IngestClient client = new IngestClient(llmq.httpUrl());
        IngestClient.Submission submission = client.submitNdjson(lines);
        await().atMost(Duration.ofSeconds(60)).until(() -> client.batch(submission.batchId()).done() == lines.size());

        Map<String, JobResult> results = TopicReader.readAll(bootstrap, topics.results(),
                        JsonSerde.jobResult()::fromBytes, lines.size()).stream()
                .collect(Collectors.toMap(JobResult::customId, r -> r, (a, b) -> a));
        Map<String, List<StreamChunk>> chunks = TopicReader.readAll(bootstrap, topics.chunks(),
                JsonSerde.streamChunk()::fromBytes, 1).stream().collect(Collectors.groupingBy(StreamChunk::jobId));

        for (var entry : GROUP_PROVIDER.entrySet()) {
            String group = entry.getKey();
            for (String kind : KINDS) {
                JobResult result = results.get(group + ":" + kind);
                String what = group + " " + kind;
                assertThat(result).as(what).isNotNull();
                assertThat(result.status()).as(what + ": " + result.error()).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(result.provider()).as(what).isEqualTo(entry.getValue());
                JsonNode response = result.response();
                assertThat(response.path("object").asText()).as(what).isEqualTo("chat.completion");
                JsonNode message = response.path("choices").path(0).path("message");
                assertThat(message.path("role").asText()).as(what).isEqualTo("assistant");
                assertThat(response.path("choices").path(0).path("finish_reason").asText()).as(what)
                        .isIn("stop", "length", "tool_calls");
                assertThat(result.usage().promptTokens()).as(what).isPositive();
                assertThat(result.usage().totalTokens()).as(what)
                        .isEqualTo(result.usage().promptTokens() + result.usage().completionTokens());
                switch (kind) {
                    case "tools" -> {
                        JsonNode call = message.path("tool_calls").path(0);
                        assertThat(call.path("type").asText()).as(what).isEqualTo("function");
                        assertThat(call.path("id").asText()).as(what).isNotBlank();
                        assertThat(call.path("function").path("name").asText()).as(what).isEqualTo("get_weather");
                        JsonNode arguments = Json.mapper().readTree(call.path("function").path("arguments").asText());
                        assertThat(arguments.getNodeType()).as(what + ": " + arguments).isEqualTo(JsonNodeType.OBJECT);
                    }
                    case "json_schema" -> {
                        JsonNode answer = Json.mapper().readTree(message.path("content").asText());
                        assertThat(answer.getNodeType()).as(what + ": " + answer).isEqualTo(JsonNodeType.OBJECT);
                        assertThat(answer.fieldNames()).toIterable().as(what + ": " + answer).contains("answer");
                    }
                    case "streaming" -> {
                        assertThat(message.path("content").asText()).as(what).isNotBlank();
                        assertThat(TopicReader.reassemble(chunks.get(result.jobId()))).as(what)
                                .isEqualTo(message.path("content").asText());
                    }
                    default -> assertThat(message.path("content").asText()).as(what).isNotBlank();
                }
            }
        }
        assertThat(mock.requests()).extracting(r -> r.protocol()).contains("openai", "azure", "anthropic", "gemini");
    }

    /** LiteLLM's model_group_alias: a job may name the alias, runs in its group and keeps the alias. */
    @Test
    void aJobNamingAnAliasRunsInItsGroup() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        JsonNode models = Json.mapper().readTree(http.send(HttpRequest.newBuilder(llmq.httpUrl().resolve(
                "/v1/models")).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(models.path("data").findValuesAsText("id")).contains("gpt-4", "via-openai");

        ObjectNode job = job("gpt-4", "plain");
        IngestClient client = new IngestClient(llmq.httpUrl());
        IngestClient.Submission submission = client.submitNdjson(List.of(job.toString()));
        await().atMost(Duration.ofSeconds(60)).until(() -> client.batch(submission.batchId()).done() == 1);

        JobResult result = TopicReader.readAll(bootstrap, topics.results(), JsonSerde.jobResult()::fromBytes, 1)
                .stream().filter(r -> "gpt-4:plain".equals(r.customId())).findFirst().orElseThrow();
        assertThat(result.status()).as(String.valueOf(result.error())).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(result.modelGroup()).as("the name the job gave").isEqualTo("gpt-4");
        assertThat(result.provider()).isEqualTo("openai");
        assertThat(result.model()).as("via-openai's deployment").isEqualTo("gpt-4o-mini");
    }

    /**
     * Each provider says "your credit is spent" its own way (OpenAI and Azure a 429 {@code insufficient_quota},
     * Anthropic a 400 on the credit balance, Google a 402 {@code RESOURCE_EXHAUSTED}); llmq reads each as an
     * exhausted quota (the kind that cools its deployment down and is not retried).
     */
    @Test
    void everyProtocolsSpentCreditIsAnExhaustedQuota() throws Exception {
        List<String> lines = new ArrayList<>();
        for (String provider : GROUP_PROVIDER.values()) {
            lines.add(job("spent-" + provider, "plain").toString());
        }
        IngestClient client = new IngestClient(llmq.httpUrl());
        IngestClient.Submission submission = client.submitNdjson(lines);
        await().atMost(Duration.ofSeconds(60)).until(() -> client.batch(submission.batchId()).done() == lines.size());

        Map<String, JobResult> results = TopicReader.readAll(bootstrap, topics.results(),
                        JsonSerde.jobResult()::fromBytes, lines.size()).stream()
                .filter(r -> r.customId().startsWith("spent-"))
                .collect(Collectors.toMap(JobResult::customId, r -> r, (a, b) -> a));
        for (String provider : GROUP_PROVIDER.values()) {
            JobResult result = results.get("spent-" + provider + ":plain");
            assertThat(result).as(provider).isNotNull();
            assertThat(result.status()).as(provider).isEqualTo(JobStatus.FAILED);
            assertThat(result.error().kind()).as(provider + ": " + result.error()).isEqualTo("quota_exhausted");
        }
    }
}
