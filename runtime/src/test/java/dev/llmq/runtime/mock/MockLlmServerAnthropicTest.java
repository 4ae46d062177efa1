package dev.llmq.runtime.mock;

import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.node.IntNode;
import static dev.llmq.runtime.mock.MockLlmClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.mock.SseFrames.Frame;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MockLlmServerAnthropicTest {

    static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    /** 3 + (3 + 2 words of system) + (3 + 5 words of the user message). */
    static final int INPUT_TOKENS = 16;
    static final String TOOLS = "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather\",\"input_schema\":"
            + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"days\":{\"type\":\"integer\"}},"
            + "\"required\":[\"city\",\"days\"]}},{\"name\":\"other\",\"input_schema\":{\"type\":\"object\"}}]";

    static MockLlmServer server;
    static MockLlmClient client;

    @BeforeAll
    static void start() {
        server = MockLlmServer.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .behavior("claude-sonnet-4-5", MockBehavior.defaults().withCompletionTokens(10))
                .behavior("limited", MockBehavior.defaults().failingAlways(Fault.rateLimited(Duration.ofMillis(2500))))
                .behavior("busy", MockBehavior.defaults().failingAlways(Fault.overloaded()))
                .behavior("broken", MockBehavior.defaults().failingAlways(Fault.serverError()))
                .behavior("long", MockBehavior.defaults().failingAlways(Fault.contextLengthExceeded()))
                .behavior("cut", MockBehavior.defaults().failingAlways(Fault.streamCut(3)))
                .behavior("midway", MockBehavior.defaults().failingAlways(Fault.midStreamError()))
                .behavior("refuses", MockBehavior.defaults().failingAlways(Fault.safetyBlock()))
                .build().start();
        client = new MockLlmClient(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String body(String model, boolean stream, String extra) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":1024,\"stream\":" + stream
                + ",\"system\":\"Be terse.\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello to the queue\"}]"
                + (extra == null ? "" : "," + extra) + "}";
    }

    static HttpResponse<String> post(String body) {
        return client.post("/v1/messages", body, "anthropic-version", "2023-06-01", "x-api-key", "sk-ant-test");
    }

    static List<String> fields(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void messageHasAnthropicsExactShape() {
        HttpResponse<String> res = post(body("claude-sonnet-4-5", false, "\"metadata\":{\"user_id\":\"u-1\"}"));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("request-id")).hasValueSatisfying(v -> assertThat(v).startsWith("req_01"));
        assertThat(res.headers().firstValue("anthropic-ratelimit-requests-limit")).isPresent();
        JsonNode m = json(res.body());
        assertThat(fields(m)).containsExactly("id", "type", "role", "model", "content", "stop_reason",
                "stop_sequence", "usage");
        assertThat(m.get("id").asText()).matches("msg_01[A-Za-z0-9]{22}");
        assertThat(m.get("type").asText()).isEqualTo("message");
        assertThat(m.get("role").asText()).isEqualTo("assistant");
        assertThat(m.get("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(m.get("content")).hasSize(1);
        assertThat(fields(m.at("/content/0"))).containsExactly("type", "text");
        assertThat(m.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(m.at("/content/0/text").asText().split(" ")).hasSize(10);
        assertThat(m.get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(m.get("stop_sequence")).isInstanceOf(NullNode.class);
        JsonNode usage = m.get("usage");
        assertThat(fields(usage)).containsExactlyInAnyOrder("input_tokens", "output_tokens",
                "cache_creation_input_tokens", "cache_read_input_tokens", "cache_creation");
        assertThat(usage.get("input_tokens").asInt()).isEqualTo(INPUT_TOKENS);
        assertThat(usage.get("output_tokens").asInt()).isEqualTo(10);
        assertThat(usage.get("cache_creation_input_tokens").asInt()).isZero();
        assertThat(usage.get("cache_read_input_tokens").asInt()).isZero();
        assertThat(usage.get("cache_creation").toString())
                .isEqualTo("{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0}");
        assertThat(json(post(body("claude-sonnet-4-5", false, null)).body()).at("/content/0/text"))
                .isEqualTo(m.at("/content/0/text"));
    }

    @Test
    void systemAsBlocksAndContentBlocksOfEveryKindAreAccepted() {
        String req = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,"
                + "\"system\":[{\"type\":\"text\",\"text\":\"Be terse.\"}],\"messages\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Say hello to the queue\"},"
                + "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"iVBOR\"}}]},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\","
                + "\"input\":{\"city\":\"Oslo\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\","
                + "\"content\":\"sunny\"}]}]," + TOOLS + "}";
        HttpResponse<String> res = post(req);

        assertThat(res.statusCode()).isEqualTo(200);
        // 3 + (3+2) + (3+5) + (3+1 for the input object) + (3+1)
        assertThat(json(res.body()).at("/usage/input_tokens").asInt()).isEqualTo(24);
    }

    @Test
    void missingVersionOrMaxTokensOrBadBlockIsInvalidRequest() {
        HttpResponse<String> noVersion = client.post("/v1/messages", body("claude-sonnet-4-5", false, null),
                "x-api-key", "k");
        assertThat(noVersion.statusCode()).isEqualTo(400);
        JsonNode err = json(noVersion.body());
        assertThat(fields(err)).containsExactly("type", "error", "request_id");
        assertThat(err.get("type").asText()).isEqualTo("error");
        assertThat(err.at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(err.at("/error/message").asText()).contains("anthropic-version");
        assertThat(noVersion.headers().firstValue("request-id")).hasValue(err.get("request_id").asText());

        HttpResponse<String> noMax = post("{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}");
        assertThat(noMax.statusCode()).isEqualTo(400);
        assertThat(json(noMax.body()).at("/error/message").asText()).isEqualTo("max_tokens: Field required");

        HttpResponse<String> badBlock = post("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"video\"}]}]}");
        assertThat(badBlock.statusCode()).isEqualTo(400);
        assertThat(json(badBlock.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void apiKeyIsCheckedInXApiKey() {
        try (MockLlmServer secured = MockLlmServer.builder().apiKey("sk-ant-right").build().start()) {
            MockLlmClient c = new MockLlmClient(secured);
            String b = body("m", false, null);
            HttpResponse<String> none = c.post("/v1/messages", b, "anthropic-version", "2023-06-01");
            HttpResponse<String> wrong = c.post("/v1/messages", b, "anthropic-version", "2023-06-01",
                    "x-api-key", "sk-ant-wrong");
            HttpResponse<String> bearer = c.post("/v1/messages", b, "anthropic-version", "2023-06-01",
                    "Authorization", "Bearer sk-ant-right");
            HttpResponse<String> right = c.post("/v1/messages", b, "anthropic-version", "2023-06-01",
                    "x-api-key", "sk-ant-right");

            assertThat(List.of(none.statusCode(), wrong.statusCode(), bearer.statusCode(), right.statusCode()))
                    .containsExactly(401, 401, 401, 200);
            assertThat(json(none.body()).at("/error/type").asText()).isEqualTo("authentication_error");
            assertThat(json(wrong.body()).at("/error/message").asText()).isEqualTo("invalid x-api-key");
            assertThat(secured.requests()).extracting(RecordedRequest::protocol).containsOnly("anthropic");
            assertThat(secured.requests()).extracting(RecordedRequest::outcome)
                    .containsExactly("unauthorized", "unauthorized", "unauthorized", "ok");
            assertThat(secured.requests()).allSatisfy(r -> assertThat(r.headers()).doesNotContainKey("x-api-key"));
        }
    }

    @Test
    void maxTokensAndStopSequencesSetTheStopReason() {
        JsonNode max = json(post(body("claude-sonnet-4-5", false, null).replace("1024", "4")).body());
        assertThat(max.get("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(max.at("/usage/output_tokens").asInt()).isEqualTo(4);

        String full = json(post(body("claude-sonnet-4-5", false, null)).body()).at("/content/0/text").asText();
        String stopWord = full.split(" ")[3];
        JsonNode stopped = json(post(body("claude-sonnet-4-5", false,
                "\"stop_sequences\":[\"" + stopWord + "\"]")).body());
        assertThat(stopped.get("stop_reason").asText()).isEqualTo("stop_sequence");
        assertThat(stopped.get("stop_sequence").asText()).isEqualTo(stopWord);
        assertThat(full).startsWith(stopped.at("/content/0/text").asText());
        assertThat(stopped.at("/content/0/text").asText()).doesNotContain(stopWord);
    }

    @Test
    void forcedToolGivesAToolUseBlock() {
        JsonNode any = json(post(body("claude-sonnet-4-5", false, TOOLS + ",\"tool_choice\":{\"type\":\"any\"}")).body());
        assertThat(any.get("stop_reason").asText()).isEqualTo("tool_use");
        JsonNode block = any.at("/content/0");
        assertThat(fields(block)).containsExactly("type", "id", "name", "input");
        assertThat(block.get("type").asText()).isEqualTo("tool_use");
        assertThat(block.get("id").asText()).matches("toolu_01[A-Za-z0-9]{22}");
        assertThat(block.get("name").asText()).isEqualTo("get_weather");
        assertThat(block.at("/input/city")).isInstanceOf(TextNode.class);
        assertThat(block.at("/input/days")).isInstanceOf(IntNode.class);

        JsonNode named = json(post(body("claude-sonnet-4-5", false,
                TOOLS + ",\"tool_choice\":{\"type\":\"tool\",\"name\":\"other\"}")).body());
        assertThat(named.at("/content/0/name").asText()).isEqualTo("other");
        assertThat(named.get("stop_reason").asText()).isEqualTo("tool_use");

        JsonNode auto = json(post(body("claude-sonnet-4-5", false, TOOLS + ",\"tool_choice\":{\"type\":\"auto\"}")).body());
        assertThat(auto.at("/content/0/type").asText()).isEqualTo("text");
        JsonNode none = json(post(body("claude-sonnet-4-5", false, TOOLS + ",\"tool_choice\":{\"type\":\"none\"}")).body());
        assertThat(none.get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(post(body("m", false, TOOLS + ",\"tool_choice\":{\"type\":\"tool\",\"name\":\"nope\"}"))
                .statusCode()).isEqualTo(400);
    }

    @Test
    void streamSendsTheFullEventSequence() {
        HttpResponse<String> res = post(body("claude-sonnet-4-5", true, null));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("text/event-stream"));
        List<Frame> frames = SseFrames.parse(res.body(), "\n\n");
        List<String> names = frames.stream().map(Frame::event).toList();
        List<String> expected = new ArrayList<>(List.of("message_start", "content_block_start", "ping"));
        for (int i = 0; i < 10; i++) {
            expected.add("content_block_delta");
        }
        expected.addAll(List.of("content_block_stop", "message_delta", "message_stop"));
        assertThat(names).isEqualTo(expected);
        assertThat(frames).allSatisfy(f -> assertThat(json(f.data()).get("type").asText()).isEqualTo(f.event()));

        JsonNode start = json(frames.get(0).data()).get("message");
        assertThat(start.get("id").asText()).startsWith("msg_01");
        assertThat(start.get("content")).isEmpty();
        assertThat(start.get("stop_reason")).isInstanceOf(NullNode.class);
        assertThat(start.at("/usage/input_tokens").asInt()).isEqualTo(INPUT_TOKENS);
        assertThat(start.at("/usage/output_tokens").asInt()).isEqualTo(1);
        assertThat(start.at("/usage/cache_creation_input_tokens").asInt()).isZero();
        assertThat(start.at("/usage/cache_creation/ephemeral_1h_input_tokens").isInt()).isTrue();
        assertThat(json(frames.get(1).data()).get("content_block").toString())
                .isEqualTo("{\"type\":\"text\",\"text\":\"\"}");
        String text = frames.stream().filter(f -> "content_block_delta".equals(f.event()))
                .map(f -> json(f.data()).get("delta"))
                .peek(d -> assertThat(d.get("type").asText()).isEqualTo("text_delta"))
                .map(d -> d.get("text").asText()).collect(Collectors.joining());
        String whole = json(post(body("claude-sonnet-4-5", false, null)).body()).at("/content/0/text").asText();
        assertThat(text).isEqualTo(whole);
        JsonNode delta = json(frames.get(frames.size() - 2).data());
        assertThat(delta.at("/delta/stop_reason").asText()).isEqualTo("end_turn");
        assertThat(delta.at("/delta/stop_sequence")).isInstanceOf(NullNode.class);
        assertThat(delta.at("/usage/output_tokens").asInt()).isEqualTo(10);
    }

    /**
     * With thinking on, the answer starts with a signed thinking block (its words billed in output_tokens); the
     * stream sends it at index 0 as thinking_delta events and one signature_delta, as Anthropic does, the text then
     * at index 1. The text is the one the same request gets without thinking.
     */
    @Test
    void thinkingAnswersWithASignedThinkingBlock() {
        String thinking = "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}";
        JsonNode m = json(post(body("claude-sonnet-4-5", false, thinking)).body());
        JsonNode plain = json(post(body("claude-sonnet-4-5", false, null)).body());
        assertThat(m.get("content")).hasSize(2);
        assertThat(fields(m.at("/content/0"))).containsExactly("type", "thinking", "signature");
        assertThat(m.at("/content/0/type").asText()).isEqualTo("thinking");
        assertThat(m.at("/content/0/thinking").asText().split(" ")).hasSize(12);
        assertThat(m.at("/content/0/signature").asText()).isBase64();
        assertThat(m.at("/content/1")).isEqualTo(plain.at("/content/0"));
        assertThat(m.at("/usage/output_tokens").asInt()).isEqualTo(10 + 12);
        assertThat(json(post(body("claude-opus-4-7", false, "\"thinking\":{\"type\":\"adaptive\"}")).body())
                .at("/content/0/type").asText()).isEqualTo("thinking");

        List<Frame> frames = SseFrames.parse(post(body("claude-sonnet-4-5", true, thinking)).body(), "\n\n");
        List<String> expected = new ArrayList<>(List.of("message_start", "content_block_start", "ping"));
        expected.addAll(java.util.Collections.nCopies(12 + 1, "content_block_delta"));
        expected.addAll(List.of("content_block_stop", "content_block_start"));
        expected.addAll(java.util.Collections.nCopies(10, "content_block_delta"));
        expected.addAll(List.of("content_block_stop", "message_delta", "message_stop"));
        assertThat(frames.stream().map(Frame::event).toList()).isEqualTo(expected);
        assertThat(json(frames.get(1).data()).toString()).isEqualTo("{\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}");
        List<JsonNode> deltas = frames.stream().filter(f -> "content_block_delta".equals(f.event()))
                .map(f -> json(f.data())).toList();
        assertThat(deltas.subList(0, 12)).allSatisfy(d -> {
            assertThat(d.get("index").asInt()).isZero();
            assertThat(d.at("/delta/type").asText()).isEqualTo("thinking_delta");
        });
        assertThat(deltas.subList(0, 12).stream().map(d -> d.at("/delta/thinking").asText())
                .collect(Collectors.joining())).isEqualTo(m.at("/content/0/thinking").asText());
        assertThat(deltas.get(12).get("delta").toString()).isEqualTo("{\"type\":\"signature_delta\",\"signature\":\""
                + m.at("/content/0/signature").asText() + "\"}");
        assertThat(deltas.subList(13, deltas.size())).allSatisfy(d -> {
            assertThat(d.get("index").asInt()).isEqualTo(1);
            assertThat(d.at("/delta/type").asText()).isEqualTo("text_delta");
        });
        assertThat(json(frames.get(frames.size() - 2).data()).at("/usage/output_tokens").asInt()).isEqualTo(22);
    }

    @Test
    void streamedToolUseSplitsTheInputJson() {
        List<Frame> frames = SseFrames.parse(post(body("claude-sonnet-4-5", true,
                TOOLS + ",\"tool_choice\":{\"type\":\"any\"}")).body(), "\n\n");

        JsonNode block = json(frames.get(1).data()).get("content_block");
        assertThat(block.get("type").asText()).isEqualTo("tool_use");
        assertThat(block.get("name").asText()).isEqualTo("get_weather");
        assertThat(block.get("input")).isEmpty();
        List<JsonNode> deltas = frames.stream().filter(f -> "content_block_delta".equals(f.event()))
                .map(f -> json(f.data()).get("delta")).toList();
        assertThat(deltas).hasSizeGreaterThan(2)
                .allSatisfy(d -> assertThat(d.get("type").asText()).isEqualTo("input_json_delta"));
        String partial = deltas.stream().map(d -> d.get("partial_json").asText()).collect(Collectors.joining());
        assertThat(json(partial).get("city")).isInstanceOf(TextNode.class);
        assertThat(json(frames.get(frames.size() - 2).data()).at("/delta/stop_reason").asText()).isEqualTo("tool_use");
    }

    @Test
    void sharedFaultsMapToAnthropicStatusesAndTypes() {
        HttpResponse<String> limited = post(body("limited", false, null));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(json(limited.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertThat(limited.headers().firstValue("retry-after")).hasValue("3");
        assertThat(limited.headers().firstValue("anthropic-ratelimit-requests-remaining")).hasValue("0");
        assertThat(limited.headers().firstValue("anthropic-ratelimit-requests-reset"))
                .hasValue(NOW.plusMillis(2500).minusMillis(500).toString());
        assertThat(limited.headers().firstValue("anthropic-ratelimit-tokens-remaining")).isPresent();

        HttpResponse<String> busy = post(body("busy", true, null));
        assertThat(busy.statusCode()).isEqualTo(529);
        assertThat(json(busy.body()).at("/error/type").asText()).isEqualTo("overloaded_error");
        HttpResponse<String> broken = post(body("broken", false, null));
        assertThat(broken.statusCode()).isEqualTo(500);
        assertThat(json(broken.body()).at("/error/type").asText()).isEqualTo("api_error");
        HttpResponse<String> tooLong = post(body("long", false, null));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(json(tooLong.body()).at("/error/message").asText())
                .isEqualTo("prompt is too long: " + (200_000 + INPUT_TOKENS) + " tokens > 200000 maximum");
    }

    @Test
    void midStreamErrorEndsWithAnErrorEventAndCutEndsWithoutMessageStop() {
        List<Frame> mid = SseFrames.parse(post(body("midway", true, null)).body(), "\n\n");
        assertThat(mid).extracting(Frame::event).containsExactly("message_start", "content_block_start", "error");
        JsonNode err = json(mid.getLast().data());
        assertThat(err.get("type").asText()).isEqualTo("error");
        assertThat(err.at("/error/type").asText()).isEqualTo("overloaded_error");

        HttpResponse<String> plain = post(body("midway", false, null));
        assertThat(plain.statusCode()).isEqualTo(529);

        List<Frame> cut = SseFrames.parse(post(body("cut", true, null)).body(), "\n\n");
        assertThat(cut).extracting(Frame::event).containsExactly("message_start", "content_block_start", "ping");
        assertThat(server.requests("midway")).extracting(RecordedRequest::outcome)
                .containsExactly("mid_stream_error", "fault");
    }

    @Test
    void safetyBlockIsARefusal() {
        JsonNode m = json(post(body("refuses", false, null)).body());
        assertThat(m.get("stop_reason").asText()).isEqualTo("refusal");
        assertThat(m.get("content")).isEmpty();
        List<Frame> frames = SseFrames.parse(post(body("refuses", true, null)).body(), "\n\n");
        assertThat(frames).extracting(Frame::event).containsExactly("message_start", "message_delta", "message_stop");
        assertThat(server.requests("refuses")).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.outcome()).isEqualTo("content_filter");
            assertThat(r.protocol()).isEqualTo("anthropic");
        });
    }

    /** The error message of an answer that must be Anthropic's 400 {@code invalid_request_error}. */
    static String refusal(HttpResponse<String> res) {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
        JsonNode err = json(res.body());
        assertThat(fields(err)).containsExactly("type", "error", "request_id");
        assertThat(err.at("/error/type").asText()).isEqualTo("invalid_request_error");
        return err.at("/error/message").asText();
    }

    /**
     * Claude models from Opus 4.1 on refuse {@code temperature} and {@code top_p} together with the API's own 400;
     * the Claude 3 models and the first Claude 4 ones still take both, and every model takes either alone.
     */
    @Test
    void temperatureWithTopPIsRefusedByTheModelsThatRefuseIt() {
        String both = "\"temperature\":0.5,\"top_p\":0.9";
        for (String model : List.of("claude-sonnet-4-5", "claude-opus-4-1-20250805", "claude-haiku-4-5",
                "claude-sonnet-4-6", "claude-opus-4-7")) {
            assertThat(refusal(post(body(model, false, both)))).as(model)
                    .isEqualTo("`temperature` and `top_p` cannot both be specified for this model. Please use only "
                            + "one.");
        }
        for (String model : List.of("claude-3-5-haiku-20241022", "claude-3-7-sonnet-latest",
                "claude-sonnet-4-20250514", "claude-opus-4-0")) {
            assertThat(post(body(model, false, both)).statusCode()).as(model).isEqualTo(200);
        }
        assertThat(post(body("claude-sonnet-4-5", false, "\"temperature\":0.5")).statusCode()).isEqualTo(200);
        assertThat(post(body("claude-sonnet-4-5", false, "\"top_p\":0.9,\"top_k\":5")).statusCode())
                .isEqualTo(200);
        assertThat(server.requests("claude-haiku-4-5")).extracting(RecordedRequest::status, RecordedRequest::outcome)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(400, "bad_request"));
    }

    /** As Anthropic: no empty turn but a final assistant prefill, no empty or whitespace-only text block. */
    @Test
    void emptyTurnsAndBlankTextBlocksAreRefused() {
        String turns = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"messages\":[%s]}";
        assertThat(refusal(post(turns.formatted("{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\","
                + "\"content\":[]},{\"role\":\"user\",\"content\":\"again\"}"))))
                .isEqualTo("messages.1: all messages must have non-empty content except for the optional final "
                        + "assistant message");
        assertThat(refusal(post(turns.formatted("{\"role\":\"user\",\"content\":\"\"}"))))
                .startsWith("messages.0: all messages must have non-empty content");
        assertThat(refusal(post(turns.formatted("{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\" \\n\"}]}"))))
                .isEqualTo("messages: text content blocks must contain non-whitespace text");
        assertThat(refusal(post(turns.formatted("{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"\"}]}")))).isEqualTo("messages: text content blocks must be non-empty");
        assertThat(post(turns.formatted("{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\","
                + "\"content\":\"\"}")).statusCode()).as("an empty final assistant prefill").isEqualTo(200);
    }

    /** As Anthropic: a final assistant turn (a prefill) may not end in whitespace; an earlier one may. */
    @Test
    void aPrefillEndingInWhitespaceIsRefused() {
        String turns = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi \"},{\"role\":\"assistant\",\"content\":%s}%s]}";
        for (String prefill : List.of("\"Sure: \"", "[{\"type\":\"text\",\"text\":\"Sure:\\n\"}]")) {
            assertThat(refusal(post(turns.formatted(prefill, "")))).as(prefill)
                    .isEqualTo("messages: final assistant content cannot end with trailing whitespace");
            assertThat(post(turns.formatted(prefill, ",{\"role\":\"user\",\"content\":\"go\"}")).statusCode())
                    .as(prefill).isEqualTo(200);
        }
        assertThat(post(turns.formatted("\"Sure:\"", "")).statusCode()).isEqualTo(200);
    }

    /** As Anthropic: a base64 image is JPEG, PNG, GIF or WebP. */
    @Test
    void anImageOfAnotherMediaTypeIsRefused() {
        String image = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"what is it?\"},{\"type\":\"image\",\"source\":"
                + "{\"type\":\"base64\",\"media_type\":\"%s\",\"data\":\"AA==\"}}]}]}";
        assertThat(refusal(post(image.formatted("image/bmp")))).isEqualTo("messages.0.content.1.image.source.base64"
                + ".media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'");
        assertThat(refusal(post(image.formatted("application/pdf")))).contains("media_type");
        for (String type : List.of("image/jpeg", "image/png", "image/gif", "image/webp")) {
            assertThat(post(image.formatted(type)).statusCode()).as(type).isEqualTo(200);
        }
    }

    /** As Anthropic: a temperature from 0 to 1 (OpenAI's go to 2). */
    @Test
    void aTemperatureAboveOneIsRefused() {
        assertThat(refusal(post(body("claude-sonnet-4-5", false, "\"temperature\":1.2"))))
                .isEqualTo("temperature: Input should be less than or equal to 1");
        assertThat(post(body("claude-sonnet-4-5", false, "\"temperature\":1")).statusCode()).isEqualTo(200);
    }

    /** As Anthropic: metadata.user_id is an opaque id of at most 256 characters, not an email address. */
    @Test
    void aUserIdWithAnEmailOrTooLongIsRefused() {
        assertThat(refusal(post(body("claude-sonnet-4-5", false, "\"metadata\":{\"user_id\":\"ann@example.com\"}"))))
                .startsWith("metadata.user_id: user_id appears to contain an email address.");
        assertThat(refusal(post(body("claude-sonnet-4-5", false, "\"metadata\":{\"user_id\":\"" + "u".repeat(257)
                + "\"}")))).isEqualTo("metadata.user_id: String should have at most 256 characters");
        assertThat(post(body("claude-sonnet-4-5", false, "\"metadata\":{\"user_id\":\"" + "u".repeat(256) + "\"}"))
                .statusCode()).isEqualTo(200);
    }

    /** As Anthropic: a conversation with tool_use or tool_result blocks must define tools. */
    @Test
    void toolBlocksWithoutToolsAreRefused() {
        String loop = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"go\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t1\","
                + "\"name\":\"get_weather\",\"input\":{}}]},{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"tool_result\",\"tool_use_id\":\"t1\",\"content\":\"ok\"}]}]%s}";
        assertThat(refusal(post(loop.formatted(""))))
                .isEqualTo("Requests which include tool_use or tool_result blocks must define tools.");
        assertThat(post(loop.formatted("," + TOOLS)).statusCode()).isEqualTo(200);
    }

    /** Anthropic's ids are letters, digits, _ and -: another provider's (a Gemini signature, functions.f:1) fail. */
    @Test
    void toolCallIdsAreValidatedAsAnthropicValidatesThem() {
        String loop = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"go\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"%s\","
                + "\"name\":\"f\",\"input\":{}}]},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
                + "\"tool_use_id\":\"%s\",\"content\":\"ok\"}]}]," + TOOLS + "}";
        assertThat(refusal(post(loop.formatted("functions.f:1", "toolu_1"))))
                .isEqualTo("messages.1.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'");
        assertThat(refusal(post(loop.formatted("toolu_1", "call__thought__a+/="))))
                .isEqualTo("messages.2.content.0.tool_result.tool_use_id: String should match pattern "
                        + "'^[a-zA-Z0-9_-]+$'");
        assertThat(post(loop.formatted("toolu_01-A_b", "toolu_01-A_b")).statusCode()).isEqualTo(200);
    }

    /** With thinking on, the assistant turn that called the tool must come back starting with its thinking. */
    @Test
    void thinkingNeedsTheToolCallsThinkingBack() {
        String loop = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":2048,\"thinking\":{\"type\":\"enabled\","
                + "\"budget_tokens\":1024},\"messages\":[{\"role\":\"user\",\"content\":\"go\"},{\"role\":"
                + "\"assistant\",\"content\":[%s{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\","
                + "\"input\":{}}]},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":"
                + "\"toolu_1\",\"content\":\"ok\"}]}]," + TOOLS + "}";
        assertThat(refusal(post(loop.formatted("")))).startsWith("messages.1.content.0.type: Expected `thinking` or "
                + "`redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message");
        assertThat(post(loop.formatted("{\"type\":\"thinking\",\"thinking\":\"t\",\"signature\":\"s\"},"))
                .statusCode()).isEqualTo(200);
        assertThat(post(loop.formatted("").replace(",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}", ""))
                .statusCode()).as("without thinking there is nothing to send back").isEqualTo(200);
    }

    /**
     * With extended (or adaptive) thinking Anthropic refuses a temperature other than 1, any top_k, a top_p below
     * 0.95 and a forcing tool choice, each with its own message; the values it allows pass.
     */
    @Test
    void thinkingRefusesTheSamplingAndToolChoiceAnthropicRefuses() {
        String enabled = "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}";
        String docs = " Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/"
                + "extended-thinking#important-considerations-when-using-extended-thinking";
        assertThat(refusal(post(body("claude-sonnet-4-5", false, enabled + ",\"temperature\":0.5"))))
                .isEqualTo("`temperature` may only be set to 1 when thinking is enabled." + docs);
        assertThat(refusal(post(body("claude-opus-4-7", false,
                "\"thinking\":{\"type\":\"adaptive\"},\"temperature\":0"))))
                .isEqualTo("`temperature` may only be set to 1 when thinking is enabled or in adaptive mode." + docs);
        assertThat(refusal(post(body("claude-sonnet-4-5", false, enabled + ",\"top_k\":5"))))
                .isEqualTo("`top_k` must be unset when thinking is enabled." + docs);
        assertThat(refusal(post(body("claude-sonnet-4-5", false, enabled + ",\"top_p\":0.9"))))
                .isEqualTo("`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled." + docs);
        for (String choice : List.of("{\"type\":\"any\"}", "{\"type\":\"tool\",\"name\":\"other\"}")) {
            assertThat(refusal(post(body("claude-sonnet-4-5", false, enabled + "," + TOOLS + ",\"tool_choice\":"
                    + choice)))).isEqualTo("Thinking may not be enabled when tool_choice forces tool use.");
        }

        for (String allowed : List.of("\"temperature\":1", "\"top_p\":0.95", "\"top_p\":1",
                TOOLS + ",\"tool_choice\":{\"type\":\"auto\"}", TOOLS + ",\"tool_choice\":{\"type\":\"none\"}")) {
            assertThat(post(body("claude-sonnet-4-5", false, enabled + "," + allowed)).statusCode()).as(allowed)
                    .isEqualTo(200);
        }
        assertThat(post(body("claude-sonnet-4-5", false,
                "\"thinking\":{\"type\":\"disabled\"},\"temperature\":0.5,\"top_k\":5")).statusCode())
                .isEqualTo(200);
    }
}
