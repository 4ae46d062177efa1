package dev.llmq.runtime.mock;

import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import static dev.llmq.runtime.mock.MockLlmClient.chatBody;
import static dev.llmq.runtime.mock.MockLlmClient.json;
import static dev.llmq.runtime.mock.MockLlmClient.sseData;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MockLlmServerOpenAiTest {

    static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    static final int PROMPT_TOKENS = 18; // 3 + (3 + 3 words) + (3 + 6 words)
    /** An answer several times the size of the buffer the mock copies answers out with (4 KiB). */
    static final int LONG_ANSWER_TOKENS = 4000;

    static MockLlmServer server;
    static MockLlmClient client;

    @BeforeAll
    static void start() {
        server = MockLlmServer.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .behavior("gpt-4o-mini", MockBehavior.defaults().withCompletionTokens(12))
                .behavior("gpt-4o", MockBehavior.defaults())
                .behavior("gpt-4.1", MockBehavior.defaults().withCompletionTokens(LONG_ANSWER_TOKENS))
                .build().start();
        client = new MockLlmClient(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static List<String> fields(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void anAnswerLargerThanTheResponseCopyBufferArrivesWhole() {
        HttpResponse<String> res = client.post("/v1/chat/completions", chatBody("gpt-4.1", false, null));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body().length()).isGreaterThan(4 * 4096);
        assertThat(res.headers().firstValue("content-length")).hasValue(Integer.toString(res.body().length()));
        JsonNode body = json(res.body());
        assertThat(body.get("choices").get(0).get("message").get("content").asText().split(" "))
                .hasSize(LONG_ANSWER_TOKENS);
        assertThat(body.get("usage").get("completion_tokens").asInt()).isEqualTo(LONG_ANSWER_TOKENS);
    }

    @Test
    void nonStreamCompletionHasOpenAisExactShape() {
        HttpResponse<String> res = client.post("/v1/chat/completions", chatBody("gpt-4o-mini", false, null));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(res.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
        JsonNode body = json(res.body());
        assertThat(fields(body)).containsExactly("id", "object", "created", "model", "choices", "usage",
                "service_tier", "system_fingerprint");
        assertThat(body.get("id").asText()).matches("chatcmpl-[A-Za-z0-9]{29}");
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("created").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(body.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(body.get("system_fingerprint").asText()).startsWith("fp_");

        JsonNode choice = body.get("choices").get(0);
        assertThat(body.get("choices")).hasSize(1);
        assertThat(fields(choice)).containsExactly("index", "message", "logprobs", "finish_reason");
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("logprobs")).isInstanceOf(NullNode.class);
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        JsonNode message = choice.get("message");
        assertThat(fields(message)).containsExactly("role", "content", "refusal", "annotations");
        assertThat(message.get("role").asText()).isEqualTo("assistant");
        assertThat(message.get("refusal")).isInstanceOf(NullNode.class);
        assertThat(message.get("content").asText().split(" ")).hasSize(12);

        JsonNode usage = body.get("usage");
        assertThat(fields(usage)).containsExactly("prompt_tokens", "completion_tokens", "total_tokens",
                "prompt_tokens_details", "completion_tokens_details");
        assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(PROMPT_TOKENS);
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(12);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(PROMPT_TOKENS + 12);
        assertThat(usage.at("/prompt_tokens_details/cached_tokens").asInt()).isZero();
        assertThat(usage.at("/completion_tokens_details/reasoning_tokens")).isInstanceOf(IntNode.class);
    }

    @Test
    void replyIsDeterministicPerRequestAndBothPathsWork() {
        String a1 = json(client.post("/v1/chat/completions", chatBody("gpt-4o", false, null)).body())
                .at("/choices/0/message/content").asText();
        String a2 = json(client.post("/chat/completions", chatBody("gpt-4o", false, null)).body())
                .at("/choices/0/message/content").asText();
        String other = json(client.post("/v1/chat/completions", chatBody("gpt-4o", false, null)
                .replace("please", "now")).body()).at("/choices/0/message/content").asText();
        assertThat(a1).isEqualTo(a2).isNotEqualTo(other);
        assertThat(a1.split(" ")).hasSize(MockBehavior.DEFAULT_COMPLETION_TOKENS);
    }

    @Test
    void maxTokensCutsWithFinishReasonLengthAndNGivesSeveralChoices() {
        JsonNode cut = json(client.post("/v1/chat/completions",
                chatBody("gpt-4o-mini", false, "\"max_completion_tokens\":5,\"n\":3")).body());
        assertThat(cut.get("choices")).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode c = cut.get("choices").get(i);
            assertThat(c.get("index").asInt()).isEqualTo(i);
            assertThat(c.get("finish_reason").asText()).isEqualTo("length");
            assertThat(c.at("/message/content").asText().split(" ")).hasSize(5);
        }
        assertThat(cut.at("/usage/completion_tokens").asInt()).isEqualTo(15);
        assertThat(cut.at("/usage/total_tokens").asInt()).isEqualTo(PROMPT_TOKENS + 15);

        JsonNode legacy = json(client.post("/v1/chat/completions",
                chatBody("gpt-4o-mini", false, "\"max_tokens\":50")).body());
        assertThat(legacy.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(legacy.at("/usage/completion_tokens").asInt()).isEqualTo(12);
    }

    @Test
    void streamIsFramedLikeOpenAiWithUsageChunkAndDone() {
        String plain = json(client.post("/v1/chat/completions", chatBody("gpt-4o-mini", false, null)).body())
                .at("/choices/0/message/content").asText();
        HttpResponse<String> res = client.post("/v1/chat/completions",
                chatBody("gpt-4o-mini", true, "\"stream_options\":{\"include_usage\":true}"));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(res.body()).endsWith("data: [DONE]\n\n");
        List<String> data = sseData(res.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = data.subList(0, data.size() - 1).stream().map(MockLlmClient::json).toList();

        JsonNode first = chunks.getFirst();
        assertThat(fields(first)).containsExactly("id", "object", "created", "model", "service_tier",
                "system_fingerprint", "choices", "usage");
        assertThat(first.get("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        assertThat(first.at("/choices/0/delta/content").asText()).isEmpty();
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.get("id").asText()).isEqualTo(first.get("id").asText());
            assertThat(c.get("created").asLong()).isEqualTo(NOW.getEpochSecond());
        });

        JsonNode usageChunk = chunks.getLast();
        assertThat(usageChunk.get("choices")).isEmpty();
        assertThat(usageChunk.at("/usage/prompt_tokens").asInt()).isEqualTo(PROMPT_TOKENS);
        assertThat(usageChunk.at("/usage/completion_tokens").asInt()).isEqualTo(12);
        assertThat(usageChunk.at("/usage/total_tokens").asInt()).isEqualTo(PROMPT_TOKENS + 12);

        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(finish.at("/choices/0/delta")).isEmpty();
        assertThat(finish.get("usage")).isInstanceOf(NullNode.class);

        List<JsonNode> middle = chunks.subList(1, chunks.size() - 2);
        assertThat(middle).hasSize(12).allSatisfy(c -> {
            assertThat(c.at("/choices/0/finish_reason")).isInstanceOf(NullNode.class);
            assertThat(c.get("usage")).isInstanceOf(NullNode.class);
        });
        String streamed = String.join("", middle.stream().map(c -> c.at("/choices/0/delta/content").asText()).toList());
        assertThat(streamed).isEqualTo(plain);
    }

    @Test
    void streamWithoutIncludeUsageHasNoUsageField() {
        List<String> data = sseData(client.post("/v1/chat/completions", chatBody("gpt-4o-mini", true, null)).body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(data.subList(0, data.size() - 1)).allSatisfy(d -> {
            assertThat(json(d).get("usage")).isNull();
            assertThat(json(d).get("choices")).hasSize(1);
        });
    }

    static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
            + "\"days\":{\"type\":\"integer\"}},\"required\":[\"city\",\"days\"]}}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"noop\",\"parameters\":{\"type\":\"object\"}}}]";

    @Test
    void forcedToolChoiceAnswersWithToolCalls() {
        JsonNode named = json(client.post("/v1/chat/completions", chatBody("gpt-4o", false,
                TOOLS + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}")).body());
        JsonNode msg = named.at("/choices/0/message");
        assertThat(msg.get("content")).isInstanceOf(NullNode.class);
        JsonNode call = msg.get("tool_calls").get(0);
        assertThat(fields(call)).containsExactly("id", "type", "function");
        assertThat(call.get("id").asText()).startsWith("call_");
        assertThat(call.get("type").asText()).isEqualTo("function");
        assertThat(call.at("/function/name").asText()).isEqualTo("get_weather");
        JsonNode args = json(call.at("/function/arguments").asText());
        assertThat(args.get("city")).isInstanceOf(TextNode.class);
        assertThat(args.get("days")).isInstanceOf(IntNode.class);
        assertThat(named.at("/choices/0/finish_reason").asText()).isEqualTo("stop");

        JsonNode required = json(client.post("/v1/chat/completions",
                chatBody("gpt-4o", false, TOOLS + ",\"tool_choice\":\"required\"")).body());
        assertThat(required.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(required.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("get_weather");

        JsonNode auto = json(client.post("/v1/chat/completions",
                chatBody("gpt-4o", false, TOOLS + ",\"tool_choice\":\"auto\"")).body());
        assertThat(auto.at("/choices/0/message").get("tool_calls")).isNull();
    }

    @Test
    void streamedToolCallArgumentsAssembleToJson() {
        List<String> data = sseData(client.post("/v1/chat/completions", chatBody("gpt-4o", true,
                TOOLS + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"noop\"}}")).body());
        List<JsonNode> chunks = data.subList(0, data.size() - 1).stream().map(MockLlmClient::json).toList();
        JsonNode first = chunks.getFirst().at("/choices/0/delta");
        assertThat(first.get("content")).isInstanceOf(NullNode.class);
        assertThat(first.at("/tool_calls/0/index").asInt()).isZero();
        assertThat(first.at("/tool_calls/0/id").asText()).startsWith("call_");
        assertThat(first.at("/tool_calls/0/function/name").asText()).isEqualTo("noop");
        StringBuilder args = new StringBuilder();
        for (JsonNode c : chunks) {
            JsonNode calls = c.at("/choices/0/delta/tool_calls");
            StreamSupport.stream(calls.spliterator(), false)
                    .forEach(tc -> args.append(tc.at("/function/arguments").asText()));
        }
        assertThat(json(args.toString())).isInstanceOf(ObjectNode.class);
        assertThat(chunks.getLast().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void responseFormatGivesJsonContent() {
        JsonNode schema = json(client.post("/v1/chat/completions", chatBody("gpt-4o", false,
                "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"r\",\"strict\":true,"
                        + "\"schema\":{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"string\"},"
                        + "\"ok\":{\"type\":\"boolean\"},\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
                        + "\"required\":[\"title\",\"ok\",\"tags\"]}}}")).body());
        JsonNode content = json(schema.at("/choices/0/message/content").asText());
        assertThat(fields(content)).containsExactly("title", "ok", "tags");
        assertThat(content.get("ok").asBoolean()).isTrue();

        JsonNode object = json(client.post("/v1/chat/completions", chatBody("gpt-4o", false,
                "\"response_format\":{\"type\":\"json_object\"}")).body());
        assertThat(json(object.at("/choices/0/message/content").asText())).isInstanceOf(ObjectNode.class);
    }

    @Test
    void invalidRequestsGetOpenAiErrors() {
        HttpResponse<String> noMessages = client.post("/v1/chat/completions", "{\"model\":\"gpt-4o\"}");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        JsonNode err = json(noMessages.body()).get("error");
        assertThat(fields(err)).containsExactly("message", "type", "param", "code");
        assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(err.get("param").asText()).isEqualTo("messages");

        HttpResponse<String> notJson = client.post("/v1/chat/completions", "{nope");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson.body()).at("/error/message").asText()).contains("parse the JSON body");

        HttpResponse<String> badN = client.post("/v1/chat/completions", chatBody("gpt-4o", false, "\"n\":0"));
        assertThat(json(badN.body()).at("/error/param").asText()).isEqualTo("n");
    }

    /**
     * Like OpenAI, the mock answers a message field OpenAI's messages do not have (the thinking another provider's
     * answer carried) with 400 {@code unknown_parameter} naming it; the fields OpenAI's messages have pass.
     */
    @Test
    void unknownMessageFieldsAreRefusedAsOpenAiRefusesThem() {
        String turns = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"name\":\"u\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"refusal\":null,\"tool_calls\":[{\"id\":\"c1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]%s},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"1\"}]}";
        assertThat(client.post("/v1/chat/completions", turns.formatted("")).statusCode()).isEqualTo(200);

        for (String field : List.of("thinking_blocks", "reasoning_content")) {
            HttpResponse<String> res = client.post("/v1/chat/completions",
                    turns.formatted(",\"" + field + "\":" + (field.equals("thinking_blocks") ? "[]" : "\"r\"")));
            assertThat(res.statusCode()).as(field).isEqualTo(400);
            JsonNode err = json(res.body()).get("error");
            assertThat(err.get("message").asText()).isEqualTo("Unknown parameter: 'messages[1]." + field + "'.");
            assertThat(err.get("param").asText()).isEqualTo("messages[1]." + field);
            assertThat(err.get("code").asText()).isEqualTo("unknown_parameter");
        }
    }

    /** OpenAI's chat models from before reasoning refuse reasoning_effort as OpenAI does; reasoning models take it. */
    @Test
    void reasoningEffortIsRefusedOnTheChatModelsBeforeReasoning() {
        String body = "{\"model\":\"%s\",\"reasoning_effort\":\"low\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"x\"}]}";
        for (String model : List.of("gpt-4o-mini", "gpt-4.1", "gpt-3.5-turbo")) {
            HttpResponse<String> res = client.post("/v1/chat/completions", body.formatted(model));
            assertThat(res.statusCode()).as(model).isEqualTo(400);
            JsonNode err = json(res.body()).get("error");
            assertThat(err.get("message").asText())
                    .isEqualTo("Unrecognized request argument supplied: reasoning_effort");
            assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
        }
        assertThat(client.post("/v1/chat/completions", body.formatted("o4-mini")).statusCode()).isEqualTo(200);
        assertThat(client.post("/v1/chat/completions", body.formatted("gpt-5")).statusCode()).isEqualTo(200);
    }

    /**
     * A reasoning model (o-series, gpt-5) bills reasoning tokens: in {@code completion_tokens_details.reasoning_tokens}
     * and in {@code completion_tokens}, streamed or not; the answer's text is the one a chat model gets. Other models,
     * and {@code reasoning_effort: none}, bill none.
     */
    @Test
    void reasoningModelsBillReasoningTokens() {
        JsonNode reasoner = json(client.post("/v1/chat/completions", chatBody("o4-mini", false, null)).body());
        JsonNode chat = json(client.post("/v1/chat/completions", chatBody("gpt-4o", false, null)).body());
        int answer = chat.at("/usage/completion_tokens").asInt();
        assertThat(reasoner.at("/usage/completion_tokens_details/reasoning_tokens").asInt()).isEqualTo(12);
        assertThat(reasoner.at("/usage/completion_tokens").asInt()).isEqualTo(answer + 12);
        assertThat(reasoner.at("/usage/total_tokens").asInt()).isEqualTo(PROMPT_TOKENS + answer + 12);
        assertThat(reasoner.at("/choices/0/message/content").asText().split(" ")).hasSize(answer);
        assertThat(reasoner.at("/choices/0/message").has("reasoning_content")).isFalse();
        assertThat(chat.at("/usage/completion_tokens_details/reasoning_tokens").asInt()).isZero();
        assertThat(json(client.post("/v1/chat/completions", chatBody("gpt-5-mini", false,
                "\"reasoning_effort\":\"none\"")).body()).at("/usage/completion_tokens_details/reasoning_tokens")
                .asInt()).isZero();
        assertThat(json(client.post("/v1/chat/completions", chatBody("gpt-5-chat-latest", false, null)).body())
                .at("/usage/completion_tokens_details/reasoning_tokens").asInt()).isZero();

        List<String> data = sseData(client.post("/v1/chat/completions", chatBody("gpt-5", true,
                "\"stream_options\":{\"include_usage\":true}")).body());
        List<JsonNode> chunks = data.subList(0, data.size() - 1).stream().map(MockLlmClient::json).toList();
        assertThat(chunks.getLast().at("/usage/completion_tokens_details/reasoning_tokens").asInt()).isEqualTo(12);
        assertThat(chunks.getLast().at("/usage/completion_tokens").asInt()).isEqualTo(answer + 12);
    }

    @Test
    void modelsListsTheConfiguredDeployments() {
        JsonNode list = json(client.send("GET", "/v1/models", null).body());
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data").findValuesAsText("id")).contains("gpt-4o", "gpt-4o-mini");
        assertThat(list.at("/data/0/object").asText()).isEqualTo("model");
    }
}
