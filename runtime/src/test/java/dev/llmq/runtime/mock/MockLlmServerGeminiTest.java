package dev.llmq.runtime.mock;

import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import static dev.llmq.runtime.mock.MockLlmClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.mock.SseFrames.Frame;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MockLlmServerGeminiTest {

    /** 3 + (3 + 2 words of the system instruction) + (3 + 5 words). */
    static final int PROMPT_TOKENS = 16;
    static final String TOOLS = "\"tools\":[{\"functionDeclarations\":[{\"name\":\"get_weather\",\"parameters\":"
            + "{\"type\":\"OBJECT\",\"properties\":{\"city\":{\"type\":\"STRING\"},\"days\":{\"type\":\"INTEGER\"}},"
            + "\"required\":[\"city\",\"days\"]}},{\"name\":\"other\"}]}]";

    static MockLlmServer server;
    static MockLlmClient client;

    @BeforeAll
    static void start() {
        server = MockLlmServer.builder()
                .behavior("gemini-2.5-flash", MockBehavior.defaults().withCompletionTokens(8))
                .behavior("limited", MockBehavior.defaults().failingAlways(Fault.rateLimited(Duration.ofMillis(1200))))
                .behavior("busy", MockBehavior.defaults().failingAlways(Fault.overloaded()))
                .behavior("spent", MockBehavior.defaults().failingAlways(Fault.insufficientQuota()))
                .behavior("broken", MockBehavior.defaults().failingAlways(Fault.serverError()))
                .behavior("unsafe", MockBehavior.defaults().failingAlways(Fault.safetyBlock()))
                .behavior("blocked", MockBehavior.defaults().failingAlways(Fault.contentFilter()))
                .behavior("midway", MockBehavior.defaults().failingAlways(Fault.midStreamError(2, Fault.serverError())))
                .behavior("cut", MockBehavior.defaults().failingAlways(Fault.streamCut(3)))
                .build().start();
        client = new MockLlmClient(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String body(String extra) {
        return "{\"systemInstruction\":{\"parts\":[{\"text\":\"Be terse.\"}]},\"contents\":[{\"role\":\"user\","
                + "\"parts\":[{\"text\":\"Say hello to the queue\"}]}]" + (extra == null ? "" : "," + extra) + "}";
    }

    static HttpResponse<String> generate(String model, String body) {
        return client.post("/v1beta/models/" + model + ":generateContent", body, "x-goog-api-key", "AIza-test");
    }

    static HttpResponse<String> stream(String model, String body) {
        return client.post("/v1beta/models/" + model + ":streamGenerateContent?alt=sse", body,
                "x-goog-api-key", "AIza-test");
    }

    static List<String> fields(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void generateContentHasGeminisExactShape() {
        HttpResponse<String> res = generate("gemini-2.5-flash", body(null));

        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode r = json(res.body());
        assertThat(fields(r)).containsExactly("candidates", "usageMetadata", "modelVersion", "responseId");
        JsonNode cand = r.at("/candidates/0");
        assertThat(r.get("candidates")).hasSize(1);
        assertThat(fields(cand)).containsExactly("content", "finishReason", "index");
        assertThat(fields(cand.get("content"))).containsExactly("parts", "role");
        assertThat(cand.at("/content/role").asText()).isEqualTo("model");
        assertThat(cand.at("/content/parts/0/text").asText().split(" ")).hasSize(8);
        assertThat(cand.get("finishReason").asText()).isEqualTo("STOP");
        assertThat(cand.get("index").asInt()).isZero();
        JsonNode usage = r.get("usageMetadata");
        assertThat(usage.get("promptTokenCount").asInt()).isEqualTo(PROMPT_TOKENS);
        assertThat(usage.get("candidatesTokenCount").asInt()).isEqualTo(8);
        assertThat(usage.get("totalTokenCount").asInt()).isEqualTo(PROMPT_TOKENS + 8);
        assertThat(r.get("modelVersion").asText()).isEqualTo("gemini-2.5-flash");
        assertThat(r.get("responseId").asText()).isNotBlank();
        assertThat(server.requests("gemini-2.5-flash")).allSatisfy(q -> {
            assertThat(q.protocol()).isEqualTo("gemini");
            assertThat(q.headers()).doesNotContainKey("x-goog-api-key");
        });
    }

    @Test
    void streamIsCrlfSeparatedDataEventsWithoutDone() {
        HttpResponse<String> res = stream("gemini-2.5-flash", body(null));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("text/event-stream"));
        assertThat(res.body()).endsWith("}\r\n\r\n").doesNotContain("[DONE]");
        List<Frame> frames = SseFrames.parse(res.body(), "\r\n\r\n");
        assertThat(frames).hasSize(8).allSatisfy(f -> assertThat(f.event()).isNull());
        List<JsonNode> chunks = frames.stream().map(f -> json(f.data())).toList();
        for (int i = 0; i < 7; i++) { // each chunk with the usage so far, as Gemini streams it
            JsonNode c = chunks.get(i);
            assertThat(c.at("/candidates/0").get("finishReason")).isNull();
            assertThat(c.at("/usageMetadata/promptTokenCount").asInt()).isEqualTo(PROMPT_TOKENS);
            assertThat(c.at("/usageMetadata/candidatesTokenCount").asInt()).isEqualTo(i + 1);
            assertThat(c.at("/usageMetadata/totalTokenCount").asInt()).isEqualTo(PROMPT_TOKENS + i + 1);
        }
        JsonNode last = chunks.getLast();
        assertThat(last.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
        assertThat(last.at("/usageMetadata/candidatesTokenCount").asInt()).isEqualTo(8);
        assertThat(last.at("/usageMetadata/promptTokenCount").asInt()).isEqualTo(PROMPT_TOKENS);
        String text = chunks.stream().map(c -> c.at("/candidates/0/content/parts/0/text").asText())
                .collect(Collectors.joining());
        assertThat(text).isEqualTo(json(generate("gemini-2.5-flash", body(null)).body())
                .at("/candidates/0/content/parts/0/text").asText());

        List<Frame> two = SseFrames.parse(stream("gemini-2.5-flash",
                body("\"generationConfig\":{\"candidateCount\":2}")).body(), "\r\n\r\n");
        JsonNode lastOfTwo = json(two.getLast().data());
        assertThat(lastOfTwo.get("candidates")).hasSize(2);
        assertThat(lastOfTwo.at("/candidates/1/index").asInt()).isEqualTo(1);
        assertThat(lastOfTwo.at("/candidates/1/finishReason").asText()).isEqualTo("STOP");

        HttpResponse<String> array = client.post("/v1beta/models/gemini-2.5-flash:streamGenerateContent",
                body(null), "x-goog-api-key", "k");
        assertThat(json(array.body())).hasSize(8);
    }

    @Test
    void keyComesInHeaderOrQueryAndIsChecked() {
        try (MockLlmServer secured = MockLlmServer.builder().apiKey("AIza-right").build().start()) {
            MockLlmClient c = new MockLlmClient(secured);
            String path = "/v1beta/models/gemini-2.5-flash:generateContent";
            HttpResponse<String> none = c.post(path, body(null));
            HttpResponse<String> wrong = c.post(path + "?key=AIza-wrong", body(null));
            HttpResponse<String> query = c.post(path + "?key=AIza-right", body(null));
            HttpResponse<String> header = c.post(path, body(null), "x-goog-api-key", "AIza-right");

            assertThat(none.statusCode()).isEqualTo(403);
            assertThat(json(none.body()).at("/error/status").asText()).isEqualTo("PERMISSION_DENIED");
            assertThat(wrong.statusCode()).isEqualTo(400);
            assertThat(json(wrong.body()).at("/error/details/0/reason").asText()).isEqualTo("API_KEY_INVALID");
            assertThat(query.statusCode()).isEqualTo(200);
            assertThat(header.statusCode()).isEqualTo(200);
            assertThat(secured.requests()).extracting(RecordedRequest::status).containsExactly(403, 400, 200, 200);
        }
    }

    @Test
    void forcedFunctionCallingGivesAFunctionCallPart() {
        String config = TOOLS + ",\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\"}}";
        JsonNode r = json(generate("gemini-2.5-flash", body(config)).body());
        JsonNode part = r.at("/candidates/0/content/parts/0");
        assertThat(fields(part)).containsExactly("functionCall");
        assertThat(part.at("/functionCall/name").asText()).isEqualTo("get_weather");
        assertThat(part.at("/functionCall/args/city")).isInstanceOf(TextNode.class);
        assertThat(part.at("/functionCall/args/days")).isInstanceOf(IntNode.class);
        assertThat(r.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");

        JsonNode allowed = json(generate("gemini-2.5-flash", body(TOOLS + ",\"toolConfig\":{\"functionCallingConfig\":"
                + "{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"other\"]}}")).body());
        assertThat(allowed.at("/candidates/0/content/parts/0/functionCall/name").asText()).isEqualTo("other");

        List<Frame> frames = SseFrames.parse(stream("gemini-2.5-flash", body(config)).body(), "\r\n\r\n");
        assertThat(frames).hasSize(1);
        assertThat(json(frames.getFirst().data()).at("/candidates/0/content/parts/0/functionCall/name").asText())
                .isEqualTo("get_weather");
        JsonNode auto = json(generate("gemini-2.5-flash", body(TOOLS)).body());
        assertThat(auto.at("/candidates/0/content/parts/0/text")).isInstanceOf(TextNode.class);
    }

    @Test
    void candidateCountMaxTokensAndJsonMode() {
        JsonNode two = json(generate("gemini-2.5-flash", body("\"generationConfig\":{\"candidateCount\":2,"
                + "\"temperature\":0.2,\"topP\":0.9,\"seed\":5}")).body());
        assertThat(two.get("candidates")).hasSize(2);
        assertThat(two.at("/candidates/1/index").asInt()).isEqualTo(1);
        assertThat(two.at("/candidates/0/content/parts/0/text"))
                .isNotEqualTo(two.at("/candidates/1/content/parts/0/text"));
        assertThat(two.at("/usageMetadata/candidatesTokenCount").asInt()).isEqualTo(16);

        JsonNode max = json(generate("gemini-2.5-flash", body("\"generationConfig\":{\"maxOutputTokens\":3}")).body());
        assertThat(max.at("/candidates/0/finishReason").asText()).isEqualTo("MAX_TOKENS");
        assertThat(max.at("/usageMetadata/candidatesTokenCount").asInt()).isEqualTo(3);

        JsonNode schema = json(generate("gemini-2.5-flash", body("\"generationConfig\":{\"responseMimeType\":"
                + "\"application/json\",\"responseSchema\":{\"type\":\"OBJECT\",\"properties\":{\"name\":{\"type\":"
                + "\"STRING\"},\"age\":{\"type\":\"INTEGER\"}},\"required\":[\"name\",\"age\"]}}")).body());
        JsonNode answer = json(schema.at("/candidates/0/content/parts/0/text").asText());
        assertThat(answer.get("name")).isInstanceOf(TextNode.class);
        assertThat(answer.get("age")).isInstanceOf(IntNode.class);
        JsonNode anyJson = json(generate("gemini-2.5-flash", body("\"generationConfig\":{\"responseMimeType\":"
                + "\"application/json\"}")).body());
        assertThat(json(anyJson.at("/candidates/0/content/parts/0/text").asText())).isInstanceOf(ObjectNode.class);
        assertThat(generate("gemini-2.5-flash", body("\"generationConfig\":{\"responseMimeType\":\"image/png\"}"))
                .statusCode()).isEqualTo(400);
    }

    @Test
    void errorsHaveGooglesShapeAndRetryInfo() {
        HttpResponse<String> limited = generate("limited", body(null));
        assertThat(limited.statusCode()).isEqualTo(429);
        JsonNode err = json(limited.body()).get("error");
        assertThat(fields(err)).containsExactly("code", "message", "status", "details");
        assertThat(err.get("code").asInt()).isEqualTo(429);
        assertThat(err.get("status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
        List<JsonNode> retry = new ArrayList<>();
        err.get("details").forEach(d -> {
            if (d.get("@type").asText().equals("type.googleapis.com/google.rpc.RetryInfo")) {
                retry.add(d);
            }
        });
        assertThat(retry).singleElement().satisfies(d -> assertThat(d.get("retryDelay").asText()).isEqualTo("2s"));

        assertThat(json(generate("busy", body(null)).body()).at("/error/status").asText()).isEqualTo("UNAVAILABLE");
        HttpResponse<String> spent = generate("spent", body(null));
        assertThat(spent.statusCode()).as("prepaid credits spent").isEqualTo(402);
        assertThat(json(spent.body()).at("/error/status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(json(spent.body()).at("/error/message").asText()).contains("prepayment credits are depleted");
        HttpResponse<String> broken = stream("broken", body(null));
        assertThat(broken.statusCode()).isEqualTo(500);
        assertThat(json(broken.body()).at("/error/status").asText()).isEqualTo("INTERNAL");
        HttpResponse<String> bad = generate("gemini-2.5-flash", "{\"contents\":[]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad.body()).at("/error/status").asText()).isEqualTo("INVALID_ARGUMENT");
        HttpResponse<String> role = generate("gemini-2.5-flash",
                "{\"contents\":[{\"role\":\"assistant\",\"parts\":[{\"text\":\"x\"}]}]}");
        assertThat(role.statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = client.post("/v1beta/models/gemini-2.5-flash:countTokens", body(null));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown.body()).at("/error/status").asText()).isEqualTo("NOT_FOUND");
    }

    @Test
    void safetyBlocksAreTwoHundredsWithoutContent() {
        HttpResponse<String> res = generate("unsafe", body(null));
        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode cand = json(res.body()).at("/candidates/0");
        assertThat(cand.get("content")).isNull();
        assertThat(cand.get("finishReason").asText()).isEqualTo("SAFETY");
        assertThat(cand.get("safetyRatings")).hasSize(4);
        assertThat(cand.get("safetyRatings").findValues("blocked")).hasSize(1);
        List<Frame> frames = SseFrames.parse(stream("unsafe", body(null)).body(), "\r\n\r\n");
        assertThat(frames).hasSize(1);
        assertThat(json(frames.getFirst().data()).at("/candidates/0/finishReason").asText()).isEqualTo("SAFETY");

        JsonNode prompt = json(generate("blocked", body(null)).body());
        assertThat(prompt.get("candidates")).isNull();
        assertThat(prompt.at("/promptFeedback/blockReason").asText()).isEqualTo("SAFETY");
        assertThat(server.requests("blocked")).extracting(RecordedRequest::status).containsOnly(200);
    }

    @Test
    void midStreamErrorAndCut() {
        List<Frame> mid = SseFrames.parse(stream("midway", body(null)).body(), "\r\n\r\n");
        assertThat(mid).hasSize(3);
        assertThat(json(mid.get(1).data()).get("candidates")).isNotNull();
        assertThat(json(mid.get(2).data()).at("/error/status").asText()).isEqualTo("INTERNAL");

        List<Frame> cut = SseFrames.parse(stream("cut", body(null)).body(), "\r\n\r\n");
        assertThat(cut).hasSize(3).allSatisfy(f -> assertThat(f.data()).doesNotContain("finishReason"));
        assertThat(json(cut.getLast().data()).at("/usageMetadata/promptTokenCount").asInt()).as("usage so far")
                .isEqualTo(PROMPT_TOKENS);
        assertThat(server.requests("cut")).extracting(RecordedRequest::outcome).containsOnly("stream_cut");
        assertThat(server.requests("cut")).extracting(RecordedRequest::path)
                .containsOnly("/v1beta/models/cut:streamGenerateContent");
    }

    /** Gemini answers 400 to a function whose parameters are an object without properties. */
    @Test
    void aFunctionWithAnEmptyObjectForParametersIsRefused() {
        assertThat(generate("gemini-2.5-flash", body(TOOLS)).statusCode()).isEqualTo(200);
        for (String params : List.of("{\"type\":\"OBJECT\",\"properties\":{}}", "{\"type\":\"object\"}")) {
            HttpResponse<String> res = generate("gemini-2.5-flash", body("\"tools\":[{\"functionDeclarations\":["
                    + "{\"name\":\"a\"},{\"name\":\"now\",\"parameters\":" + params + "}]}]"));
            assertThat(res.statusCode()).as(params).isEqualTo(400);
            assertThat(json(res.body()).at("/error/message").asText()).isEqualTo("* GenerateContentRequest.tools[0]"
                    + ".function_declarations[1].parameters.properties: should be non-empty for OBJECT type\n");
        }
    }

    /**
     * Gemini's Schema is a proto message: a JSON Schema keyword it does not have, or a list of types, is a 400 naming
     * it and where it is, in a response schema and in function parameters alike.
     */
    @Test
    void aSchemaWithAFieldGeminisSchemaLacksIsRefused() {
        String item = "{\"type\":\"OBJECT\",\"properties\":{\"a\":{\"type\":\"STRING\"}},\"any_of\":[],"
                + "\"additionalProperties\":false}";
        String schema = "{\"type\":\"OBJECT\",\"properties\":{\"n\":{\"type\":\"STRING\",\"nullable\":true},"
                + "\"list\":{\"type\":\"ARRAY\",\"items\":" + item + "}},\"propertyOrdering\":[\"n\",\"list\"]}";
        String config = "\"generationConfig\":{\"responseMimeType\":\"application/json\",\"responseSchema\":";
        HttpResponse<String> res = generate("gemini-2.5-flash", body(config + schema + "}"));
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(json(res.body()).at("/error/message").asText()).isEqualTo("Invalid JSON payload received. Unknown "
                + "name \"additionalProperties\" at 'generation_config.response_schema.properties[1].value.items': "
                + "Cannot find field.");
        assertThat(generate("gemini-2.5-flash", body(config + schema.replace(",\"additionalProperties\":false", "")
                + "}")).statusCode()).isEqualTo(200);

        res = generate("gemini-2.5-flash", body("\"tools\":[{\"functionDeclarations\":[{\"name\":\"f\",\"parameters\":"
                + "{\"type\":\"OBJECT\",\"properties\":{\"x\":{\"anyOf\":[{\"type\":\"STRING\"},"
                + "{\"$ref\":\"#/$defs/X\"}]}}}}]}]"));
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(json(res.body()).at("/error/message").asText()).isEqualTo("Invalid JSON payload received. Unknown "
                + "name \"$ref\" at 'tools[0].function_declarations[0].parameters.properties[0].value.any_of[1]': "
                + "Cannot find field.");

        res = generate("gemini-2.5-flash", body(config + "{\"type\":[\"string\",\"null\"]}}"));
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(json(res.body()).at("/error/message").asText()).isEqualTo("Invalid JSON payload received. Unknown "
                + "name \"type\" at 'generation_config.response_schema': Proto field is not repeating, cannot start "
                + "list.");

        res = generate("gemini-2.5-flash", body(config + "{\"type\":\"OBJECT\",\"properties\":{\"level\":"
                + "{\"type\":\"INTEGER\",\"enum\":[1,2]}}}}"));
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(json(res.body()).at("/error/message").asText()).isEqualTo("Invalid value at "
                + "'generation_config.response_schema.properties[0].value.enum[0]' (TYPE_STRING), 1");
    }

    /** Gemini's {@code seed} is an int32: a larger one is a 400. */
    @Test
    void aSeedBeyond32BitsIsRefused() {
        assertThat(generate("gemini-2.5-flash", body("\"generationConfig\":{\"seed\":2147483647}")).statusCode())
                .isEqualTo(200);
        HttpResponse<String> res = generate("gemini-2.5-flash", body("\"generationConfig\":{\"seed\":2147483648}"));
        assertThat(res.statusCode()).isEqualTo(400);
        JsonNode err = json(res.body()).get("error");
        assertThat(err.get("status").asText()).isEqualTo("INVALID_ARGUMENT");
        assertThat(err.get("message").asText())
                .isEqualTo("Invalid value at 'generation_config.seed' (TYPE_INT32), 2147483648");
    }

    /**
     * Gemini 2.5 and later answer a non-zero {@code presencePenalty} or {@code frequencyPenalty} with 400
     * INVALID_ARGUMENT "Penalty is not enabled for models/..."; Gemini 1.5 and 2.0 take them, and a zero one passes
     * everywhere.
     */
    @Test
    void penaltiesAreRefusedByTheModelsWithoutThem() {
        for (String penalty : List.of("presencePenalty", "frequencyPenalty")) {
            String config = "\"generationConfig\":{\"" + penalty + "\":0.5}";
            for (String model : List.of("gemini-2.5-flash", "gemini-2.5-pro", "gemini-3-pro-preview")) {
                HttpResponse<String> res = generate(model, body(config));
                assertThat(res.statusCode()).as(model).isEqualTo(400);
                JsonNode err = json(res.body()).get("error");
                assertThat(fields(err)).containsExactly("code", "message", "status");
                assertThat(err.get("code").asInt()).isEqualTo(400);
                assertThat(err.get("status").asText()).isEqualTo("INVALID_ARGUMENT");
                assertThat(err.get("message").asText()).isEqualTo("Penalty is not enabled for models/" + model);
            }
            for (String model : List.of("gemini-2.0-flash", "gemini-1.5-pro-002")) {
                assertThat(generate(model, body(config)).statusCode()).as(model).isEqualTo(200);
            }
            assertThat(stream("gemini-2.5-flash", body(config)).statusCode()).isEqualTo(400);
            assertThat(generate("gemini-2.5-flash", body("\"generationConfig\":{\"" + penalty + "\":0}"))
                    .statusCode()).isEqualTo(200);
        }
    }

    /**
     * Gemini 3 takes a thinking level; Gemini answers 400 to a level and a budget together, to a level on Gemini 2.x
     * and to a level the model does not take (minimal on the Pro models, medium on Gemini 3 Pro), and to a budget of
     * 0 on a model that cannot turn thinking off (2.5 Pro, the Gemini 3 models without minimal).
     */
    @Test
    void thinkingLevelsAreTakenWhereGeminiTakesThem() {
        record Case(String model, String thinking, String refusal) { }
        String retry = " is not supported for this model. Please retry with other thinking level.";
        String alwaysThinks = "Budget 0 is invalid. This model only works in thinking mode.";
        List<Case> cases = List.of(
                new Case("gemini-3-flash-preview", "\"thinkingLevel\":\"minimal\"", null),
                new Case("gemini-3-pro-preview", "\"thinkingLevel\":\"LOW\",\"includeThoughts\":true", null),
                new Case("gemini-3.1-pro-preview", "\"thinkingLevel\":\"medium\"", null),
                new Case("gemini-2.5-flash", "\"thinkingBudget\":1024", null),
                new Case("gemini-3-flash-preview", "\"thinkingBudget\":1024", null),
                new Case("gemini-3-flash-preview", "\"thinkingLevel\":\"low\",\"thinkingBudget\":1024",
                        "thinking_budget and thinking_level are not supported together."),
                new Case("gemini-2.5-flash", "\"thinkingLevel\":\"low\"",
                        "Thinking level is not supported for this model."),
                new Case("gemini-3-pro-preview", "\"thinkingLevel\":\"medium\"",
                        "Thinking level MEDIUM" + retry),
                new Case("gemini-3.1-pro-preview", "\"thinkingLevel\":\"minimal\"",
                        "Thinking level MINIMAL" + retry),
                new Case("gemini-flash-lite-latest", "\"thinkingLevel\":\"minimal\"", null),
                new Case("gemini-pro-latest", "\"thinkingLevel\":\"minimal\"", "Thinking level MINIMAL" + retry),
                new Case("gemini-flash-latest", "\"thinkingBudget\":0", alwaysThinks),
                new Case("gemini-2.5-flash", "\"thinkingBudget\":0", null),
                new Case("gemini-3-flash-preview", "\"thinkingBudget\":0", null),
                new Case("gemini-2.5-pro", "\"thinkingBudget\":128", null),
                new Case("gemini-2.5-pro", "\"thinkingBudget\":0", alwaysThinks),
                new Case("gemini-2.5-pro-preview-06-05", "\"thinkingBudget\":0,\"includeThoughts\":true",
                        alwaysThinks),
                new Case("gemini-3-pro-preview", "\"thinkingBudget\":0", alwaysThinks),
                new Case("gemini-3.1-pro-preview", "\"thinkingBudget\":0", alwaysThinks),
                new Case("gemini-3-flash-preview", "\"thinkingLevel\":\"deep\"", "Invalid value at "
                        + "'generation_config.thinking_config.thinking_level' (type.googleapis.com/google.ai."
                        + "generativelanguage.v1beta.ThinkingConfig.ThinkingLevel), \"deep\""));
        for (Case c : cases) {
            HttpResponse<String> res = generate(c.model(), body("\"generationConfig\":{\"thinkingConfig\":{"
                    + c.thinking() + "}}"));
            assertThat(res.statusCode()).as(c.toString()).isEqualTo(c.refusal() == null ? 200 : 400);
            if (c.refusal() != null) {
                JsonNode err = json(res.body()).get("error");
                assertThat(err.get("status").asText()).isEqualTo("INVALID_ARGUMENT");
                assertThat(err.get("message").asText()).as(c.toString()).isEqualTo(c.refusal());
            }
        }
    }

    /**
     * With {@code includeThoughts} the answer starts with a {@code thought: true} part, its words counted in
     * {@code thoughtsTokenCount} apart from the candidates' tokens; the stream sends it in a first chunk of its own.
     * A budget of 0 (thinking off) has no thoughts to include.
     */
    @Test
    void includeThoughtsAnswersWithAThoughtPart() {
        String thinking = "\"generationConfig\":{\"thinkingConfig\":{\"thinkingBudget\":1024,"
                + "\"includeThoughts\":true}}";
        JsonNode r = json(generate("gemini-2.5-flash", body(thinking)).body());
        JsonNode plain = json(generate("gemini-2.5-flash", body(null)).body());
        JsonNode parts = r.at("/candidates/0/content/parts");
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).get("thought").asBoolean()).isTrue();
        assertThat(parts.get(0).get("text").asText().split(" ")).hasSize(12);
        assertThat(parts.get(1)).isEqualTo(plain.at("/candidates/0/content/parts/0"));
        JsonNode usage = r.get("usageMetadata");
        assertThat(usage.get("thoughtsTokenCount").asInt()).isEqualTo(12);
        assertThat(usage.get("candidatesTokenCount").asInt()).isEqualTo(8);
        assertThat(usage.get("totalTokenCount").asInt()).isEqualTo(PROMPT_TOKENS + 8 + 12);
        assertThat(plain.get("usageMetadata").has("thoughtsTokenCount")).isFalse();
        assertThat(json(generate("gemini-2.5-flash", body("\"generationConfig\":{\"thinkingConfig\":"
                + "{\"thinkingBudget\":0,\"includeThoughts\":true}}")).body()).at("/candidates/0/content/parts"))
                .hasSize(1);

        List<Frame> frames = SseFrames.parse(stream("gemini-2.5-flash", body(thinking)).body(), "\r\n\r\n");
        JsonNode first = json(frames.getFirst().data());
        assertThat(first.at("/candidates/0/content/parts")).containsExactly(parts.get(0));
        assertThat(first.at("/candidates/0").has("finishReason")).isFalse();
        assertThat(first.at("/usageMetadata/thoughtsTokenCount").asInt()).isEqualTo(12);
        assertThat(first.at("/usageMetadata/totalTokenCount").asInt()).isEqualTo(PROMPT_TOKENS + 12);
        assertThat(frames).hasSize(1 + 8);
        assertThat(json(frames.getLast().data()).at("/usageMetadata/thoughtsTokenCount").asInt()).isEqualTo(12);
    }
}
