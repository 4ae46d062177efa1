package dev.llmq.runtime.mock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import static dev.llmq.runtime.mock.MockLlmClient.chatBody;
import static dev.llmq.runtime.mock.MockLlmClient.json;
import static dev.llmq.runtime.mock.MockLlmClient.sseData;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MockLlmServerAzureTest {

    static final String VERSION = "?api-version=2024-10-21";
    static final List<String> CATEGORIES = List.of("hate", "self_harm", "sexual", "violence");

    static MockLlmServer server;
    static MockLlmClient client;

    @BeforeAll
    static void start() {
        server = MockLlmServer.builder()
                .behavior("gpt4o-eu", MockBehavior.defaults().withCompletionTokens(6))
                .behavior("limited", MockBehavior.defaults().failingAlways(Fault.rateLimited(Duration.ofMillis(1500))))
                .behavior("filtered", MockBehavior.defaults().failingAlways(Fault.contentFilter()))
                .behavior("unsafe", MockBehavior.defaults().failingAlways(Fault.safetyBlock()))
                .behavior("midway", MockBehavior.defaults().failingAlways(Fault.midStreamError()))
                .behavior("long", MockBehavior.defaults().failingAlways(Fault.contextLengthExceeded()))
                .build().start();
        client = new MockLlmClient(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> deployment(String name, boolean stream, String extra) {
        return client.post("/openai/deployments/" + name + "/chat/completions" + VERSION,
                chatBody("ignored", stream, extra).replace("\"model\":\"ignored\",", ""), "api-key", "azure-key");
    }

    static void assertSafe(JsonNode results) {
        for (String c : CATEGORIES) {
            assertThat(results.get(c).toString()).isEqualTo("{\"filtered\":false,\"severity\":\"safe\"}");
        }
    }

    @Test
    void deploymentPathAnswersInOpenAisShapeWithFilterResults() {
        HttpResponse<String> res = deployment("gpt4o-eu", false, null);

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("apim-request-id")).isPresent();
        JsonNode body = json(res.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("model").asText()).isEqualTo("gpt4o-eu");
        assertThat(body.at("/choices/0/message/content").asText().split(" ")).hasSize(6);
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(6);
        JsonNode prompt = body.get("prompt_filter_results");
        assertThat(prompt).hasSize(1);
        assertThat(prompt.at("/0/prompt_index").asInt()).isZero();
        assertSafe(prompt.at("/0/content_filter_results"));
        assertSafe(body.at("/choices/0/content_filter_results"));

        RecordedRequest logged = server.requests("gpt4o-eu").getLast();
        assertThat(logged.protocol()).isEqualTo("azure");
        assertThat(logged.path()).isEqualTo("/openai/deployments/gpt4o-eu/chat/completions");
        assertThat(logged.headers()).doesNotContainKey("api-key");
    }

    @Test
    void apiVersionIsRequiredOnTheDeploymentPath() {
        HttpResponse<String> missing = client.post("/openai/deployments/gpt4o-eu/chat/completions",
                chatBody("x", false, null));
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(json(missing.body()).toString()).isEqualTo("{\"error\":{\"code\":\"404\",\"message\":"
                + "\"Resource not found\"}}");
        HttpResponse<String> bad = client.post("/openai/deployments/gpt4o-eu/chat/completions?api-version=nope",
                chatBody("x", false, null));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad.body()).at("/error/code").asText()).isEqualTo("BadRequest");

        HttpResponse<String> v1 = client.post("/openai/v1/chat/completions", chatBody("gpt4o-eu", false, null));
        assertThat(v1.statusCode()).isEqualTo(200);
        assertThat(json(v1.body()).get("prompt_filter_results")).hasSize(1);
    }

    @Test
    void apiKeyHeaderAndBearerOnTheV1Path() {
        try (MockLlmServer secured = MockLlmServer.builder().apiKey("az-right").build().start()) {
            MockLlmClient c = new MockLlmClient(secured);
            String path = "/openai/deployments/d1/chat/completions" + VERSION;
            String b = chatBody("d1", false, null);
            HttpResponse<String> none = c.post(path, b);
            HttpResponse<String> wrong = c.post(path, b, "api-key", "az-wrong");
            HttpResponse<String> bearerOnDeployment = c.post(path, b, "Authorization", "Bearer az-right");
            HttpResponse<String> right = c.post(path, b, "api-key", "az-right");
            HttpResponse<String> v1Bearer = c.post("/openai/v1/chat/completions", b, "Authorization", "Bearer az-right");
            HttpResponse<String> v1Key = c.post("/openai/v1/chat/completions", b, "api-key", "az-right");

            assertThat(List.of(none.statusCode(), wrong.statusCode(), bearerOnDeployment.statusCode(),
                    right.statusCode(), v1Bearer.statusCode(), v1Key.statusCode()))
                    .containsExactly(401, 401, 401, 200, 200, 200);
            assertThat(json(none.body()).at("/error/code").asText()).isEqualTo("401");
            assertThat(json(wrong.body()).at("/error/message").asText()).startsWith("Access denied");
            assertThat(secured.requests()).extracting(RecordedRequest::model)
                    .containsExactly("d1", "d1", "d1", "d1", "d1", "d1");
        }
    }

    @Test
    void streamStartsWithThePromptFilterChunk() {
        HttpResponse<String> res = deployment("gpt4o-eu", true, "\"stream_options\":{\"include_usage\":true}");

        List<String> data = sseData(res.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        JsonNode first = json(data.getFirst());
        assertThat(first.get("choices")).isEmpty();
        assertThat(first.get("id").asText()).isEmpty();
        assertSafe(first.at("/prompt_filter_results/0/content_filter_results"));
        List<JsonNode> chunks = data.subList(1, data.size() - 1).stream().map(MockLlmClient::json).toList();
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk"));
        assertThat(chunks.getFirst().at("/choices/0/content_filter_results")).isEmpty();
        assertSafe(chunks.get(1).at("/choices/0/content_filter_results"));
        String text = chunks.stream().filter(c -> c.get("choices").size() == 1)
                .map(c -> c.at("/choices/0/delta/content").asText()).collect(Collectors.joining());
        assertThat(text).isEqualTo(json(deployment("gpt4o-eu", false, null).body())
                .at("/choices/0/message/content").asText());
        assertThat(chunks.getLast().at("/usage/completion_tokens").asInt()).isEqualTo(6);
    }

    @Test
    void toolsNAndJsonModeWorkAsOnOpenAi() {
        JsonNode two = json(deployment("gpt4o-eu", false, "\"n\":2").body());
        assertThat(two.get("choices")).hasSize(2);
        assertThat(two.at("/choices/1/content_filter_results/hate/severity").asText()).isEqualTo("safe");
        JsonNode tool = json(deployment("gpt4o-eu", false, "\"tools\":[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"lookup\",\"parameters\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}}}],"
                + "\"tool_choice\":\"required\"").body());
        assertThat(tool.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("lookup");
        assertThat(tool.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode object = json(deployment("gpt4o-eu", false, "\"response_format\":{\"type\":\"json_object\"}").body());
        assertThat(json(object.at("/choices/0/message/content").asText())).isInstanceOf(ObjectNode.class);
    }

    @Test
    void contentFilterAndThrottlingUseAzuresErrorBodies() {
        HttpResponse<String> filtered = deployment("filtered", false, null);
        assertThat(filtered.statusCode()).isEqualTo(400);
        JsonNode err = json(filtered.body()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("content_filter");
        assertThat(err.get("param").asText()).isEqualTo("prompt");
        assertThat(err.get("status").asInt()).isEqualTo(400);
        assertThat(err.at("/innererror/code").asText()).isEqualTo("ResponsibleAIPolicyViolation");
        JsonNode result = err.at("/innererror/content_filter_result");
        assertThat(result.at("/violence/filtered").asBoolean()).isTrue();
        assertThat(result.at("/hate/severity").asText()).isEqualTo("safe");

        JsonNode unsafe = json(deployment("unsafe", false, null).body());
        assertThat(unsafe.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
        assertThat(unsafe.at("/choices/0/content_filter_results/violence/filtered").asBoolean()).isTrue();

        HttpResponse<String> limited = deployment("limited", false, null);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).hasValue("2");
        assertThat(limited.headers().firstValue("retry-after-ms")).hasValue("1500");
        assertThat(json(limited.body()).at("/error/code").asText()).isEqualTo("429");
        assertThat(json(limited.body()).at("/error/message").asText()).contains("Please retry after 2 seconds");

        HttpResponse<String> tooLong = deployment("long", false, null);
        assertThat(json(tooLong.body()).at("/error/code").asText()).isEqualTo("context_length_exceeded");
        assertThat(server.requests("filtered")).extracting(RecordedRequest::status, RecordedRequest::outcome)
                .containsOnly(org.assertj.core.groups.Tuple.tuple(400, "content_filter"));
    }

    @Test
    void midStreamErrorEndsWithAnErrorEventAndNoDone() {
        List<String> data = sseData(deployment("midway", true, null).body());
        assertThat(data).hasSize(3).doesNotContain("[DONE]");
        assertThat(json(data.getLast()).at("/error/message").asText()).contains("overloaded");
        List<String> ok = new ArrayList<>(sseData(deployment("gpt4o-eu", true, null).body()));
        assertThat(ok.getLast()).isEqualTo("[DONE]");
    }
}
