package dev.llmq.worker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.anthropic.AnthropicAdapter;
import dev.llmq.provider.gemini.GeminiAdapter;
import dev.llmq.provider.spi.MappedRequest;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.runtime.mock.RecordedRequest;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.worker.JobOutcome;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The mock LLM server answers the 400s the real providers answer to parameter combinations llmq's adapters refuse or
 * drop (Anthropic sampling next to thinking, temperature with top_p, a temperature above 1, a user_id it refuses,
 * conversations it refuses as written; Gemini penalties, thinking levels and thinking off). The mock keeps its own
 * copy of the adapters' model rules (it lives in runtime, which does not depend on provider-lib): this test holds
 * the two to the same models, and shows a job whose parameters llmq drops reaching the mock without them, where the
 * mock would have refused the request as the caller wrote it.
 */
class MockRefusalsAgreeWithAdaptersTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final AnthropicAdapter ANTHROPIC = new AnthropicAdapter(Clock.systemUTC(), m -> Optional.empty());
    private static final GeminiAdapter GEMINI = new GeminiAdapter(Clock.systemUTC());

    private static MockLlmServer mock;
    private static RoutedJobHandler handler;

    @BeforeAll
    static void start() {
        mock = MockLlmServer.builder().port(0).build().start();
        handler = RoutingFixtures.handler("""
                model_list:
                  - model_name: claude
                    litellm_params:
                      { model: anthropic/claude-sonnet-4-5, api_base: %1$s, api_key: k, drop_params: true }
                  - model_name: claude-strict
                    litellm_params: { model: anthropic/claude-haiku-4-5, api_base: %1$s, api_key: k }
                  - model_name: gemini
                    litellm_params:
                      { model: gemini/gemini-2.5-flash, api_base: %2$s, api_key: k, drop_params: true }
                  - model_name: gpt
                    litellm_params: { model: openai/gpt-4o, api_base: %3$s, api_key: k }
                router_settings: { num_retries: 0 }
                """.formatted(mock.anthropicBaseUrl(), mock.baseUrl(), mock.openAiBaseUrl()), 3);
    }

    @AfterAll
    static void stop() {
        mock.close();
    }

    /**
     * temperature and top_p together: for every model, the mock refuses the pair exactly where the Anthropic adapter
     * drops top_p, and accepts what the adapter sends.
     */
    @ParameterizedTest
    @ValueSource(strings = {"claude-2.1", "claude-instant-1.2", "claude-3-opus-20240229", "claude-3-5-haiku-20241022",
        "claude-3-7-sonnet-latest", "claude-sonnet-4-20250514", "claude-opus-4-20250514", "claude-sonnet-4-0",
        "claude-opus-4-0", "claude-opus-4-1", "claude-opus-4-1-20250805", "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7", "claude-next"})
    void theMockRefusesTemperatureWithTopPWhereTheAnthropicAdapterDropsIt(String model) throws Exception {
        MappedRequest mapped = anthropic(model, request().put("temperature", 0.5).put("top_p", 0.9));
        boolean dropped = mapped.adjustments().contains("dropped:top_p");

        assertThat(postAnthropic(mapped.body()).statusCode()).isEqualTo(200);
        HttpResponse<String> undropped = postAnthropic(mapped.body().deepCopy().put("top_p", 0.9));
        assertThat(undropped.statusCode()).as("%s: adapter dropped top_p: %s", model, dropped)
                .isEqualTo(dropped ? 400 : 200);
        if (dropped) {
            assertThat(message(undropped)).contains("cannot both be specified for this model");
        }
    }

    /** Non-zero penalties: the mock refuses them exactly where the Gemini adapter drops them. */
    @ParameterizedTest
    @ValueSource(strings = {"gemini-1.5-flash", "gemini-1.5-pro-002", "gemini-2.0-flash", "gemini-2.0-flash-lite",
        "gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-3-pro-preview", "gemini-exp-1206"})
    void theMockRefusesPenaltiesWhereTheGeminiAdapterDropsThem(String model) throws Exception {
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            MappedRequest mapped = GEMINI.mapRequest(target("gemini", model), request().put(penalty, 0.5));
            boolean dropped = mapped.adjustments().contains("dropped:" + penalty);

            assertThat(postGemini(model, mapped.body()).statusCode()).isEqualTo(200);
            ObjectNode undropped = mapped.body().deepCopy();
            ((ObjectNode) undropped.get("generationConfig")).put(penalty.equals("presence_penalty") ? "presencePenalty"
                    : "frequencyPenalty", 0.5);
            HttpResponse<String> answer = postGemini(model, undropped);
            assertThat(answer.statusCode()).as("%s %s: adapter dropped it: %s", model, penalty, dropped)
                    .isEqualTo(dropped ? 400 : 200);
            if (dropped) {
                assertThat(message(answer)).isEqualTo("Penalty is not enabled for models/" + model);
            }
        }
    }

    /**
     * Thinking on Gemini: the mock takes the thinking config the adapter sends for every reasoning_effort, and takes a
     * thinking level exactly where the adapter sends that level for some effort (a budget before Gemini 3; minimal
     * and medium only where the model has them).
     */
    @ParameterizedTest
    @ValueSource(strings = {"gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-3-flash-preview",
        "gemini-3-pro-preview", "gemini-3.1-pro-preview", "gemini-3.1-flash-lite-preview", "gemini-3.7-flash",
        "gemini-pro-latest", "gemini-flash-latest", "gemini-flash-lite-latest"})
    void theMockTakesAThinkingLevelWhereTheGeminiAdapterSendsIt(String model) throws Exception {
        Set<String> sent = new HashSet<>();
        for (String effort : List.of("none", "minimal", "low", "medium", "high")) {
            MappedRequest mapped = GEMINI.mapRequest(target("gemini", model), request().put("reasoning_effort",
                    effort));
            assertThat(postGemini(model, mapped.body()).statusCode()).as("%s %s", model, effort).isEqualTo(200);
            JsonNode level = mapped.body().at("/generationConfig/thinkingConfig/thinkingLevel");
            if (level.isTextual()) {
                sent.add(level.asText());
            }
        }
        for (String level : List.of("minimal", "low", "medium", "high")) {
            ObjectNode body = GEMINI.mapRequest(target("gemini", model), request()).body().deepCopy();
            body.putObject("generationConfig").putObject("thinkingConfig").put("thinkingLevel", level);
            assertThat(postGemini(model, body).statusCode()).as("%s %s, adapter sends %s", model, level, sent)
                    .isEqualTo(sent.contains(level) ? 200 : 400);
        }
    }

    /**
     * Thinking off: the mock refuses a budget of 0 ("This model only works in thinking mode") exactly on the models
     * where the Gemini adapter refuses reasoning_effort none, and takes what the adapter sends for none elsewhere.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-pro-preview-06-05",
        "gemini-2.5-flash-lite", "gemini-3-flash-preview", "gemini-3-pro-preview", "gemini-3.1-pro-preview",
        "gemini-3.1-flash-lite-preview", "gemini-3.7-flash", "gemini-pro-latest", "gemini-flash-latest",
        "gemini-flash-lite-latest"})
    void theMockRefusesThinkingOffWhereTheGeminiAdapterRefusesIt(String model) throws Exception {
        ObjectNode none = request().put("reasoning_effort", "none");
        boolean refused;
        try {
            MappedRequest mapped = GEMINI.mapRequest(ProviderTarget.builder("gemini", model).build(), none);
            assertThat(postGemini(model, mapped.body()).statusCode()).as(model).isEqualTo(200);
            refused = false;
        } catch (ProviderException e) {
            assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
            refused = true;
        }
        ObjectNode budgetZero = GEMINI.mapRequest(target("gemini", model), request()).body().deepCopy();
        budgetZero.putObject("generationConfig").putObject("thinkingConfig").put("thinkingBudget", 0);
        HttpResponse<String> answer = postGemini(model, budgetZero);
        assertThat(answer.statusCode()).as("%s: adapter refuses none: %s", model, refused)
                .isEqualTo(refused ? 400 : 200);
        if (refused) {
            assertThat(message(answer)).isEqualTo("Budget 0 is invalid. This model only works in thinking mode.");
        }
    }

    /**
     * With thinking, each value the adapter drops (temperature other than 1, top_k, top_p below 0.95, a forcing
     * tool_choice) is one the mock refuses, on a model of budget thinking and on one of adaptive thinking.
     */
    @ParameterizedTest
    @ValueSource(strings = {"claude-sonnet-4-5", "claude-opus-4-7"})
    void theMockRefusesWhatTheAdapterDropsNextToThinking(String model) throws Exception {
        record Case(String param, ObjectNode request, String wire, JsonNode value) { }
        ObjectNode forced = withTool(request()).put("tool_choice", "required");
        List<Case> cases = List.of(
                new Case("temperature", request().put("temperature", 0.5), "temperature",
                        Json.mapper().valueToTree(0.5)),
                new Case("top_k", request().put("top_k", 5), "top_k", Json.mapper().valueToTree(5)),
                new Case("top_p", request().put("top_p", 0.5), "top_p", Json.mapper().valueToTree(0.5)),
                new Case("tool_choice", forced, "tool_choice", Json.mapper().createObjectNode().put("type", "any")));
        for (Case c : cases) {
            MappedRequest mapped = anthropic(model, c.request().put("reasoning_effort", "low"));
            assertThat(mapped.adjustments()).as(c.param()).contains("dropped:" + c.param());
            assertThat(mapped.body().has("thinking")).isTrue();

            assertThat(postAnthropic(mapped.body()).statusCode()).as(c.param()).isEqualTo(200);
            HttpResponse<String> undropped = postAnthropic(mapped.body().deepCopy().set(c.wire(), c.value()));
            assertThat(undropped.statusCode()).as(c.param()).isEqualTo(400);
            assertThat(message(undropped)).as(c.param()).containsAnyOf("`" + c.param() + "`", "tool_choice");
        }
    }

    /**
     * JSON Schemas as clients write them (references, {@code additionalProperties}, {@code const}, type lists, a
     * function without arguments): the mock, like Gemini, refuses them as written, in a response schema and in
     * function parameters, and takes what the Gemini adapter makes of them.
     */
    @Test
    void theMockTakesTheSchemasTheGeminiAdapterSends() throws Exception {
        ObjectNode schema = (ObjectNode) Json.mapper().readTree("""
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                 "properties": {"city": {"$ref": "#/$defs/City"}, "unit": {"type": ["string", "null"]},
                                "kind": {"const": "weather"}},
                 "required": ["city"], "additionalProperties": false,
                 "$defs": {"City": {"type": "object", "properties": {"name": {"type": "string"}},
                                    "additionalProperties": false}}}""");
        ObjectNode format = request();
        format.putObject("response_format").put("type", "json_schema").putObject("json_schema").put("name", "w")
                .put("strict", true).set("schema", schema);
        ObjectNode tools = request();
        ArrayNode declared = tools.putArray("tools");
        declared.addObject().put("type", "function").putObject("function").put("name", "f").set("parameters", schema);
        declared.addObject().put("type", "function").putObject("function").put("name", "now")
                .putObject("parameters").put("type", "object").putObject("properties");
        for (ObjectNode req : List.of(format, tools)) {
            JsonNode sent = GEMINI.mapRequest(target("gemini", "gemini-2.5-flash"), req).body();
            assertThat(postGemini("gemini-2.5-flash", sent).statusCode()).as("%s", sent).isEqualTo(200);
        }
        ObjectNode asWritten = GEMINI.mapRequest(target("gemini", "gemini-2.5-flash"), format).body().deepCopy();
        ((ObjectNode) asWritten.get("generationConfig")).set("responseSchema", schema);
        assertThat(message(postGemini("gemini-2.5-flash", asWritten))).startsWith("Invalid JSON payload received. "
                + "Unknown name \"$schema\" at 'generation_config.response_schema'");
        asWritten = GEMINI.mapRequest(target("gemini", "gemini-2.5-flash"), tools).body().deepCopy();
        ((ObjectNode) asWritten.at("/tools/0/functionDeclarations/1")).putObject("parameters").put("type", "object");
        assertThat(message(postGemini("gemini-2.5-flash", asWritten))).isEqualTo("* GenerateContentRequest.tools[0]"
                + ".function_declarations[1].parameters.properties: should be non-empty for OBJECT type\n");
    }

    /**
     * A temperature above 1 and a user that is an email address or longer than 256 characters: the adapter drops
     * each (drop_params), the mock takes what it sends and refuses the value as the caller wrote it.
     */
    @Test
    void theMockRefusesTheTemperatureAndUserTheAnthropicAdapterDrops() throws Exception {
        record Case(String param, ObjectNode request, String wire, JsonNode value) { }
        List<Case> cases = List.of(
                new Case("temperature", request().put("temperature", 1.5), "temperature",
                        Json.mapper().valueToTree(1.5)),
                new Case("user", request().put("user", "ann@example.com"), "metadata",
                        Json.mapper().createObjectNode().put("user_id", "ann@example.com")),
                new Case("user", request().put("user", "u".repeat(257)), "metadata",
                        Json.mapper().createObjectNode().put("user_id", "u".repeat(257))));
        for (Case c : cases) {
            MappedRequest mapped = anthropic("claude-sonnet-4-5", c.request());
            assertThat(mapped.adjustments()).as(c.param()).contains("dropped:" + c.param());
            assertThat(postAnthropic(mapped.body()).statusCode()).as(c.param()).isEqualTo(200);
            HttpResponse<String> undropped = postAnthropic(mapped.body().deepCopy().set(c.wire(), c.value()));
            assertThat(undropped.statusCode()).as(c.param()).isEqualTo(400);
            assertThat(message(undropped)).as(c.param()).startsWith(c.wire());
        }
    }

    /**
     * Conversations OpenAI takes and Anthropic refuses as they stand (an empty assistant turn, a prefill ending in a
     * space, a tool history without tools, a PDF as an image_url): the mock, like Anthropic, takes what the adapter
     * makes of them.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"\"},"
                + "{\"role\":\"user\",\"content\":\"again\"}]",
        "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"Sure: \"}]",
        "[{\"role\":\"user\",\"content\":\"go\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"t1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},{\"role\":"
                + "\"tool\",\"tool_call_id\":\"t1\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":\"so?\"}]",
        "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"read\"},{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:application/pdf;base64,JVBERi0=\"}}]}]"})
    void theMockTakesWhatTheAnthropicAdapterMakesOfConversationsAnthropicRefusesAsWritten(String messages)
            throws Exception {
        ObjectNode request = Json.mapper().createObjectNode().put("max_tokens", 200);
        request.set("messages", Json.mapper().readTree(messages));
        MappedRequest mapped = ANTHROPIC.mapRequest(ProviderTarget.builder("anthropic", "claude-sonnet-4-5").build(),
                request, false);
        HttpResponse<String> answer = postAnthropic(mapped.body());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    /**
     * Through the worker's handler: jobs whose refused parameters the deployment drops succeed against the mock (it
     * would have answered 400 had llmq sent them); without drop_params llmq refuses the job and sends nothing.
     */
    @Test
    void jobsReachTheMockWithTheRefusedParametersDropped() throws Exception {
        mock.clearRequests();
        JobOutcome pair = handler.handle(job("claude", request().put("temperature", 0.5).put("top_p", 0.9)),
                new RoutedJobHandlerTest.RecordingChunks());
        JobOutcome thinking = handler.handle(job("claude", request().put("reasoning_effort", "low")
                .put("temperature", 0.2).put("top_k", 5).put("top_p", 0.5)),
                new RoutedJobHandlerTest.RecordingChunks());
        JobOutcome penalties = handler.handle(job("gemini", request().put("presence_penalty", 0.5)
                .put("frequency_penalty", 0.3)), new RoutedJobHandlerTest.RecordingChunks());
        JobOutcome strict = handler.handle(job("claude-strict", request().put("temperature", 0.5).put("top_p", 0.9)),
                new RoutedJobHandlerTest.RecordingChunks());

        assertThat(pair.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(pair.adjustments()).contains("dropped:top_p");
        assertThat(thinking.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(thinking.adjustments()).contains("dropped:temperature", "dropped:top_k", "dropped:top_p");
        assertThat(penalties.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(penalties.adjustments()).contains("dropped:presence_penalty", "dropped:frequency_penalty");
        assertThat(strict.status()).isEqualTo(JobStatus.FAILED);
        assertThat(strict.error().kind()).isEqualTo("unsupported_parameter");
        assertThat(mock.requests()).extracting(RecordedRequest::model)
                .containsExactly("claude-sonnet-4-5", "claude-sonnet-4-5", "gemini-2.5-flash");
        assertThat(mock.requests()).extracting(RecordedRequest::status).containsOnly(200);
    }

    /**
     * A tool loop begun on Gemini and continued on Claude with thinking on: the Gemini call's id (with its thought
     * signature) and a client's {@code functions.f:1} reach the mock as ids Anthropic takes, and the signed thinking
     * sent back starts the assistant turn; the mock, like Anthropic, refuses the request as written otherwise.
     */
    @Test
    void aToolLoopFromAnotherProviderReachesTheMockAsAnthropicTakesIt() throws Exception {
        mock.clearRequests();
        ObjectNode loop = withTool(request()).put("reasoning_effort", "low");
        var messages = (ArrayNode) loop.get("messages");
        ObjectNode assistant = messages.addObject().put("role", "assistant");
        assistant.putNull("content");
        assistant.putArray("thinking_blocks").addObject().put("type", "thinking").put("thinking", "Look it up.")
                .put("signature", "c2ln");
        var calls = assistant.putArray("tool_calls");
        for (String id : List.of("call_r1_0_0__thought__Q2l+/x==", "functions.get_weather:1")) {
            calls.addObject().put("id", id).put("type", "function").putObject("function")
                    .put("name", "get_weather").put("arguments", "{}");
            messages.addObject().put("role", "tool").put("tool_call_id", id).put("content", "sunny");
        }
        JobOutcome outcome = handler.handle(job("claude", loop), new RoutedJobHandlerTest.RecordingChunks());

        assertThat(outcome.status()).as(String.valueOf(outcome.error())).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(mock.requests()).extracting(RecordedRequest::status).containsExactly(200);
        ObjectNode asWritten = anthropic("claude-sonnet-4-5", loop).body().deepCopy();
        ObjectNode turn = (ObjectNode) asWritten.at("/messages/1");
        turn.set("content", ((ArrayNode) turn.get("content")).deepCopy());
        ((ArrayNode) turn.get("content")).remove(0); // no thinking sent back
        assertThat(message(postAnthropic(asWritten))).contains("must start with a thinking block");
    }

    /**
     * A conversation begun on Claude, with its thinking and reasoning sent back, continued on OpenAI: the mock, like
     * OpenAI, refuses the unknown message fields; llmq leaves them out of what it sends, and the job's request keeps
     * them.
     */
    @Test
    void anotherProvidersThinkingReachesTheMocksOpenAiEndpointWithoutTheFieldsItRefuses() throws Exception {
        mock.clearRequests();
        ObjectNode loop = request();
        ObjectNode assistant = ((ArrayNode) loop.get("messages")).addObject().put("role", "assistant")
                .put("content", "Sunny.").put("reasoning_content", "Look it up.");
        assistant.putArray("thinking_blocks").addObject().put("type", "thinking").put("thinking", "Look it up.")
                .put("signature", "c2ln");
        ((ArrayNode) loop.get("messages")).addObject().put("role", "user").put("content", "and tomorrow?");
        JobRequest job = job("gpt", loop);

        JobOutcome outcome = handler.handle(job, new RoutedJobHandlerTest.RecordingChunks());

        assertThat(outcome.status()).as(String.valueOf(outcome.error())).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(outcome.adjustments()).isEmpty();
        assertThat(mock.requests()).extracting(RecordedRequest::status).containsExactly(200);
        assertThat(job.body().at("/messages/1").has("thinking_blocks")).isTrue();
        HttpResponse<String> asWritten = post(mock.openAiBaseUrl() + "/chat/completions",
                loop.deepCopy().put("model", "gpt-4o"), "Authorization", "Bearer k");
        assertThat(asWritten.statusCode()).isEqualTo(400);
        assertThat(message(asWritten)).isEqualTo("Unknown parameter: 'messages[1].reasoning_content'.");
    }

    private static ObjectNode request() {
        ObjectNode body = Json.mapper().createObjectNode().put("max_tokens", 2000);
        body.putArray("messages").addObject().put("role", "user").put("content", "hello there");
        return body;
    }

    private static ObjectNode withTool(ObjectNode request) {
        ObjectNode function = request.putArray("tools").addObject().put("type", "function").putObject("function");
        function.put("name", "get_weather").putObject("parameters").put("type", "object");
        return request;
    }

    private static ProviderTarget target(String provider, String model) {
        return ProviderTarget.builder(provider, model).dropParams(true).build();
    }

    private static MappedRequest anthropic(String model, ObjectNode request) {
        return ANTHROPIC.mapRequest(target("anthropic", model), request, false);
    }

    private static JobRequest job(String group, ObjectNode params) {
        ObjectNode body = params.deepCopy().put("model", group);
        return new JobRequest(1, "job-" + group, null, null, null, group, body, false, 0, null, null, null,
                Instant.now(), null);
    }

    private static HttpResponse<String> postAnthropic(JsonNode body) throws IOException, InterruptedException {
        return post(mock.anthropicBaseUrl() + "/v1/messages", body, "anthropic-version", "2023-06-01",
                "x-api-key", "k");
    }

    private static HttpResponse<String> postGemini(String model, JsonNode body)
            throws IOException, InterruptedException {
        return post(mock.baseUrl() + "/v1beta/models/" + model + ":generateContent", body, "x-goog-api-key", "k");
    }

    private static HttpResponse<String> post(String uri, JsonNode body, String... headers)
            throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("Content-Type", "application/json"));
        all.addAll(List.of(headers));
        return HTTP.send(HttpRequest.newBuilder(URI.create(uri)).headers(all.toArray(String[]::new))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String message(HttpResponse<String> response) throws IOException {
        return Json.mapper().readTree(response.body()).path("error").path("message").asText();
    }
}
