package dev.llmq.provider.anthropic;

import static dev.llmq.provider.testing.Fixtures.CLOCK;
import static dev.llmq.provider.testing.Fixtures.json;
import static dev.llmq.provider.testing.Fixtures.userRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.spi.MappedRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnthropicRequestMapperTest {

    private final AnthropicAdapter adapter = new AnthropicAdapter(CLOCK, m -> Optional.of(8192L));

    private static ProviderTarget target(boolean drop) {
        return ProviderTarget.builder("anthropic", "claude-x").apiKey("sk-ant-k").dropParams(drop).build();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"auto\"                                          | {\"type\":\"auto\"}",
            "\"required\"                                      | {\"type\":\"any\"}",
            "\"none\"                                          | {\"type\":\"none\"}",
            "{\"type\":\"function\",\"function\":{\"name\":\"f\"}} | {\"type\":\"tool\",\"name\":\"f\"}"})
    void mapsToolChoice(String openAi, String anthropic) {
        ObjectNode req = userRequest("\"max_tokens\":5,"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":" + openAi);
        JsonNode body = adapter.mapRequest(target(false), req, false).body();
        assertThat(body.get("tool_choice")).isEqualTo(json(anthropic));
    }

    @ParameterizedTest
    @CsvSource({"presence_penalty,0.5", "frequency_penalty,0.1", "seed,3", "logit_bias,{}", "n,2", "logprobs,true",
            "top_logprobs,2", "reasoning_effort,\"extreme\"", "service_tier,\"flex\""})
    void unsupportedParameterFailsNamingIt(String name, String value) {
        ObjectNode req = userRequest("\"" + name + "\":" + value);
        assertThatThrownBy(() -> adapter.prepare(target(false), req, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo(name);
                    assertThat(e.error().httpStatus()).isEqualTo(400);
                    assertThat(e.error().message()).contains(name).contains("drop_params");
                });
    }

    @Test
    void dropParamsDropsAndRecordsEveryUnsupportedParameter() {
        ObjectNode req = userRequest("\"seed\":1,\"n\":3,"
                + "\"max_tokens\":9");
        MappedRequest m = adapter.mapRequest(target(true), req, false);
        assertThat(m.adjustments()).containsExactly("dropped:seed", "dropped:n");
        assertThat(m.body().get("seed")).isNull();
        assertThat(m.body().get("max_tokens").asInt()).isEqualTo(9);
    }

    @Test
    void fillsMaxTokensFromTheModelLimitAndRecordsIt() {
        ObjectNode req = userRequest("");
        MappedRequest m = adapter.mapRequest(target(false), req, false);
        assertThat(m.body().get("max_tokens").asInt()).isEqualTo(8192);
        assertThat(m.adjustments()).containsExactly("filled:max_tokens=8192");
    }

    @Test
    void maxCompletionTokensWinsOverMaxTokens() {
        ObjectNode req = userRequest("\"max_tokens\":10,"
                + "\"max_completion_tokens\":20");
        assertThat(adapter.mapRequest(target(false), req, false).body().get("max_tokens").asInt()).isEqualTo(20);
    }

    @Test
    void whitespaceOnlyStopSequencesAreUnsupportedOrDroppedAndRecorded() {
        ObjectNode req = userRequest("\"max_tokens\":5,"
                + "\"stop\":[\"END\",\"\\n\",\" \"]");
        assertThatThrownBy(() -> adapter.prepare(target(false), req, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("stop");
                });
        MappedRequest m = adapter.mapRequest(target(true), req, false);
        assertThat(m.body().get("stop_sequences")).isEqualTo(json("{\"s\":[\"END\"]}").get("s"));
        assertThat(m.adjustments()).containsExactly("dropped:stop[1]", "dropped:stop[2]");
    }

    @ParameterizedTest
    @CsvSource({"claude-sonnet-4-5", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805", "claude-opus-4-6"})
    void temperatureWithTopPIsUnsupportedWhereTheModelRejectsThePair(String model) {
        ObjectNode req = userRequest("\"max_tokens\":5,\"temperature\":0.7,\"top_p\":0.9");
        ProviderTarget strict = ProviderTarget.builder("anthropic", model).apiKey("k").build();
        assertThatThrownBy(() -> adapter.prepare(strict, req, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("top_p");
                    assertThat(e.error().message()).contains("drop_params");
                });
        MappedRequest dropped = adapter.mapRequest(ProviderTarget.from(strict).dropParams(true).build(), req, false);
        assertThat(dropped.body().get("temperature").asDouble()).isEqualTo(0.7);
        assertThat(dropped.body().has("top_p")).isFalse();
        assertThat(dropped.adjustments()).containsExactly("dropped:top_p");
        ObjectNode topPOnly = userRequest("\"max_tokens\":5,\"top_p\":0.9");
        assertThat(adapter.mapRequest(strict, topPOnly, false).body().get("top_p").asDouble()).isEqualTo(0.9);
    }

    @ParameterizedTest
    @CsvSource({"claude-3-7-sonnet-20250219", "claude-3-5-haiku-latest", "claude-sonnet-4-20250514",
            "claude-opus-4-0"})
    void olderModelsStillGetTemperatureAndTopP(String model) {
        ObjectNode req = userRequest("\"max_tokens\":5,\"temperature\":0.7,\"top_p\":0.9");
        MappedRequest m = adapter.mapRequest(ProviderTarget.builder("anthropic", model).build(), req, false);
        assertThat(m.body().get("top_p").asDouble()).isEqualTo(0.9);
        assertThat(m.adjustments()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"minimal,1024", "low,1024", "medium,2048", "high,4096"})
    void reasoningEffortBecomesAThinkingBudget(String effort, int budget) {
        ObjectNode req = userRequest("\"max_tokens\":9000,"
                + "\"reasoning_effort\":\"" + effort + "\"");
        for (String model : new String[] {"claude-sonnet-4-5-20250929", "claude-opus-4-1", "claude-haiku-4-5",
                "claude-sonnet-4-20250514", "claude-3-7-sonnet-latest"}) {
            JsonNode body = adapter.mapRequest(ProviderTarget.builder("anthropic", model).build(), req, false).body();
            assertThat(body.get("thinking")).as(model)
                    .isEqualTo(json("{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}"));
            assertThat(body.has("output_config")).as(model).isFalse();
        }
    }

    @ParameterizedTest
    @CsvSource({"low,1000", "high,4096"})
    void aThinkingBudgetNotBelowTheRequestsMaxTokensIsUnsupportedOrDropped(String effort, int maxTokens) {
        ObjectNode req = userRequest("\"max_tokens\":" + maxTokens + ",\"reasoning_effort\":\"" + effort + "\"");
        ProviderTarget strict = ProviderTarget.builder("anthropic", "claude-sonnet-4-5").build();
        assertThatThrownBy(() -> adapter.prepare(strict, req, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("reasoning_effort");
                    assertThat(e.error().message()).contains("max_tokens").contains("drop_params");
                });
        MappedRequest m = adapter.mapRequest(ProviderTarget.from(strict).dropParams(true).build(), req, false);
        assertThat(m.body().has("thinking")).isFalse();
        assertThat(m.body().get("max_tokens").asInt()).isEqualTo(maxTokens);
        assertThat(m.adjustments()).containsExactly("dropped:reasoning_effort");
    }

    @Test
    void aFilledMaxTokensLeavesRoomAboveTheThinkingBudget() {
        AnthropicAdapter unknownLimit = new AnthropicAdapter(CLOCK, m -> Optional.empty());
        ObjectNode req = userRequest("\"reasoning_effort\":\"high\"");
        MappedRequest m = unknownLimit.mapRequest(ProviderTarget.builder("anthropic", "claude-sonnet-4-5").build(),
                req, false);
        assertThat(m.body().get("max_tokens").asInt()).isEqualTo(4096 + AnthropicRequestMapper.DEFAULT_MAX_TOKENS);
        assertThat(m.body().at("/thinking/budget_tokens").asInt()).isEqualTo(4096);
        assertThat(m.adjustments()).containsExactly("filled:max_tokens=8192");
    }

    @ParameterizedTest
    @CsvSource({"minimal,low", "low,low", "medium,medium", "high,high"})
    void laterModelsGetAdaptiveThinkingWithAnEffort(String effort, String anthropicEffort) {
        ObjectNode req = userRequest("\"max_tokens\":9000,"
                + "\"reasoning_effort\":\"" + effort + "\"");
        for (String model : new String[] {"claude-opus-4-7", "claude-sonnet-4-6", "claude-opus-4-6", "claude-opus-5"}) {
            JsonNode body = adapter.mapRequest(ProviderTarget.builder("anthropic", model).build(), req, false).body();
            assertThat(body.get("thinking")).as(model).isEqualTo(json("{\"type\":\"adaptive\"}"));
            assertThat(body.get("output_config")).as(model)
                    .isEqualTo(json("{\"effort\":\"" + anthropicEffort + "\"}"));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "temperature     | 0.5",
            "top_k           | 5",
            "top_p           | 0.9",
            "tool_choice     | \"required\"",
            "tool_choice     | {\"type\":\"function\",\"function\":{\"name\":\"f\"}}",
            "response_format | {\"type\":\"json_object\"}"})
    void whatThinkingCannotGoWithIsUnsupportedOrDropped(String name, String value) {
        ObjectNode req = userRequest("\"max_tokens\":5000,\"reasoning_effort\":\"low\","
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"" + name + "\":" + value);
        assertThatThrownBy(() -> adapter.prepare(target(false), req, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo(name);
                    assertThat(e.error().message()).contains("thinking");
                });
        MappedRequest m = adapter.mapRequest(target(true), req, false);
        assertThat(m.adjustments()).containsExactly("dropped:" + name);
        assertThat(m.body().has("thinking")).isTrue();
        assertThat(m.body().get("tool_choice")).isNull();
        assertThat(m.body().has(name)).isFalse();
    }

    @Test
    void thinkingKeepsWhatItIsCompatibleWith() {
        ObjectNode req = userRequest("\"max_tokens\":5000,\"reasoning_effort\":\"high\",\"temperature\":1,"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"auto\"");
        MappedRequest m = adapter.mapRequest(target(false), req, false);
        assertThat(m.body().get("temperature").asDouble()).isEqualTo(1.0);
        assertThat(m.body().get("tool_choice")).isEqualTo(json("{\"type\":\"auto\"}"));
        ObjectNode noThinking = userRequest("\"max_tokens\":5,\"reasoning_effort\":\"none\",\"temperature\":0.2");
        assertThat(adapter.mapRequest(target(false), noThinking, false).body().get("temperature").asDouble())
                .isEqualTo(0.2);
    }

    @Test
    void reasoningEffortNoneSendsNoThinking() {
        ObjectNode req = userRequest("\"max_tokens\":9,"
                + "\"reasoning_effort\":\"none\"");
        assertThat(adapter.mapRequest(target(false), req, false).body().get("thinking")).isNull();
        assertThat(adapter.mapRequest(target(false), req, false).body().get("output_config")).isNull();
    }

    @Test
    void parallelToolCallsFalseWithoutToolChoiceDisablesParallelUseUnderAuto() {
        ObjectNode req = userRequest("\"max_tokens\":5,"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"parallel_tool_calls\":false");
        assertThat(adapter.mapRequest(target(false), req, false).body().get("tool_choice"))
                .isEqualTo(json("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"));
    }

    @Test
    void jsonObjectGoesThroughTheJsonToolAndOverridesAToolChoice() {
        ObjectNode req = userRequest("\"max_tokens\":5,"
                + "\"tool_choice\":\"required\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                + "\"response_format\":{\"type\":\"json_object\"}");
        MappedRequest m = adapter.mapRequest(target(false), req, false);
        assertThat(m.body().get("tool_choice")).isEqualTo(json("{\"type\":\"tool\",\"name\":\"json_tool_call\"}"));
        assertThat(m.body().get("tools")).hasSize(2);
        assertThat(m.adjustments()).containsExactly("overridden:tool_choice", AnthropicWire.JSON_TOOL_ADJUSTMENT);
    }

    @Test
    void toolResultWithPartsKeepsTextAndImages() {
        ObjectNode req = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":"
                + "\"t1\",\"type\":\"function\",\"function\":{\"name\":\"shot\",\"arguments\":\"\"}}]},{\"role\":"
                + "\"tool\",\"tool_call_id\":\"t1\",\"content\":[{\"type\":\"text\",\"text\":\"see\"},{\"type\":"
                + "\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AA==\"}}]}]}");
        JsonNode messages = adapter.mapRequest(target(false), req, false).body().get("messages");
        assertThat(messages.at("/0/content/0/input")).isEqualTo(json("{}"));
        assertThat(messages.at("/1/content/0")).isEqualTo(json("{\"type\":\"tool_result\",\"tool_use_id\":\"t1\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"see\"},{\"type\":\"image\",\"source\":{\"type\":"
                + "\"base64\",\"media_type\":\"image/png\",\"data\":\"AA==\"}}]}"));
    }

    @Test
    void thinkingBlocksSentBackComeFirstInTheAssistantTurnAsTheyCame() {
        // extended thinking with tools: the next turn must carry the signed thinking that led to the call
        String blocks = "[{\"type\":\"thinking\",\"thinking\":\"Look it up.\",\"signature\":\"sig==\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"EmwK\"}]";
        ObjectNode req = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"go\"},"
                + "{\"role\":\"assistant\",\"content\":\"Checking.\",\"reasoning_content\":\"Look it up.\","
                + "\"thinking_blocks\":" + blocks + ",\"tool_calls\":[" + call("toolu_1") + "]},"
                + result("toolu_1") + "]}");
        JsonNode content = adapter.mapRequest(target(false), req, false).body().at("/messages/1/content");
        assertThat(content).hasSize(4);
        assertThat(content.get(0)).isEqualTo(json("{\"type\":\"thinking\",\"thinking\":\"Look it up.\","
                + "\"signature\":\"sig==\"}"));
        assertThat(content.get(1)).isEqualTo(json("{\"type\":\"redacted_thinking\",\"data\":\"EmwK\"}"));
        assertThat(content.get(2).path("text").asText()).isEqualTo("Checking.");
        assertThat(content.get(3).path("type").asText()).isEqualTo("tool_use");

        ObjectNode unsigned = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"assistant\",\"content\":\"a\","
                + "\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"t\"}]}]}");
        assertThatThrownBy(() -> adapter.mapRequest(target(false), unsigned, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                    assertThat(e.error().message()).contains("signature");
                });
    }

    @Test
    void anotherProvidersToolCallIdsAreSentAsAnthropicTakesThem() {
        // a Gemini call's id carries its thought signature (base64); other clients write functions.f:1
        String gemini = "call_r1_0_0__thought__CiQB+/x9Zz==";
        ObjectNode req = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"go\"},"
                + "{\"role\":\"assistant\",\"tool_calls\":[" + call(gemini) + "," + call("functions.f:1") + ","
                + call("functions.f.1") + "," + call("toolu_01A-b") + "]}," + result(gemini) + ","
                + result("functions.f:1") + "," + result("functions.f.1") + "," + result("toolu_01A-b") + "]}");
        JsonNode messages = adapter.mapRequest(target(false), req, false).body().get("messages");
        List<String> uses = new ArrayList<>();
        messages.at("/1/content").forEach(b -> uses.add(b.get("id").asText()));
        List<String> results = new ArrayList<>();
        messages.at("/2/content").forEach(b -> results.add(b.get("tool_use_id").asText()));
        assertThat(uses).allMatch(id -> id.matches("[a-zA-Z0-9_-]+")).doesNotHaveDuplicates()
                .as("each result still names its call").isEqualTo(results);
        assertThat(uses.get(0)).as("the signature means nothing to Anthropic").isEqualTo("call_r1_0_0");
        assertThat(uses.get(1)).startsWith("functions_f_1_");
        assertThat(uses.get(3)).as("a valid id is sent as it is").isEqualTo("toolu_01A-b");
    }

    private static String call(String id) {
        return "{\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}";
    }

    private static String result(String id) {
        return "{\"role\":\"tool\",\"tool_call_id\":\"" + id + "\",\"content\":\"ok\"}";
    }

    @Test
    void blankTextBlocksAreLeftOutWhitespaceOnlyOnesRecorded() {
        ObjectNode req = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"  \"},"
                + "{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":"
                + "[{\"id\":\"t\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}");
        MappedRequest m = adapter.mapRequest(target(false), req, false);
        assertThat(m.body().get("system")).as("blank system text is left out").isNull();
        assertThat(m.body().at("/messages/1/content")).hasSize(1);
        assertThat(m.adjustments()).containsExactly("dropped:blank_text");
        ObjectNode empty = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"\"}]}");
        assertThat(adapter.mapRequest(target(false), empty, false).adjustments()).isEmpty();
    }

    /** Anthropic refuses an empty turn: a message without content is left out and its neighbours merge. */
    @Test
    void aMessageWithoutContentIsLeftOutAndItsNeighboursMerge() {
        ObjectNode req = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"\"},{\"role\":\"user\",\"content\":[]},"
                + "{\"role\":\"assistant\",\"content\":null},{\"role\":\"user\",\"content\":\"again\"}]}");
        JsonNode messages = adapter.mapRequest(target(false), req, false).body().get("messages");
        assertThat(messages.toString()).isEqualTo("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                + "\"hi\"},{\"type\":\"text\",\"text\":\"again\"}]}]");

        for (String none : List.of("[{\"role\":\"system\",\"content\":\"Be terse.\"}]",
                "[{\"role\":\"user\",\"content\":\"\"}]")) {
            assertThatThrownBy(() -> adapter.mapRequest(target(true), json("{\"messages\":" + none + "}"), false))
                    .as(none).isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                        assertThat(e.error().param()).isEqualTo("messages");
                        assertThat(e.error().message()).contains("at least one user or assistant message");
                    });
        }
    }

    /** Anthropic refuses a final assistant turn ending in whitespace: the prefill is trimmed and that recorded. */
    @Test
    void aPrefillLosesItsTrailingWhitespace() {
        ObjectNode req = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi \"},"
                + "{\"role\":\"assistant\",\"content\":\"Sure: \"},{\"role\":\"user\",\"content\":\"go\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"One \"},"
                + "{\"type\":\"text\",\"text\":\"two:\\n \"}]}]}");
        MappedRequest m = adapter.mapRequest(target(false), req, false);
        assertThat(m.body().at("/messages/3/content").toString())
                .isEqualTo("[{\"type\":\"text\",\"text\":\"One \"},{\"type\":\"text\",\"text\":\"two:\"}]");
        assertThat(m.body().at("/messages/1/content/0/text").asText()).as("not the last turn").isEqualTo("Sure: ");
        assertThat(m.body().at("/messages/0/content/0/text").asText()).isEqualTo("hi ");
        assertThat(m.adjustments()).containsExactly("trimmed:assistant_prefill");
        assertThat(adapter.mapRequest(target(false), userRequest("\"max_tokens\":5"), false).adjustments())
                .isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "https://x.test/a.png | {\"type\":\"image\",\"source\":{\"type\":\"url\","
                    + "\"url\":\"https://x.test/a.png\"}}",
            "data:image/png;base64,AA== | {\"type\":\"image\",\"source\":{\"type\":\"base64\","
                    + "\"media_type\":\"image/png\",\"data\":\"AA==\"}}",
            "data:image/jpg;base64,AA== | {\"type\":\"image\",\"source\":{\"type\":\"base64\","
                    + "\"media_type\":\"image/jpeg\",\"data\":\"AA==\"}}",
            "data:application/pdf;base64,JVBE | {\"type\":\"document\",\"source\":{\"type\":\"base64\","
                    + "\"media_type\":\"application/pdf\",\"data\":\"JVBE\"}}"})
    void imagesBecomeTheSourceAnthropicTakes(String url, String block) {
        ObjectNode req = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"image_url\",\"image_url\":{\"url\":\"" + url + "\"}}]}]}");
        assertThat(adapter.mapRequest(target(false), req, false).body().at("/messages/0/content/0"))
                .isEqualTo(json(block));
    }

    /** What Anthropic would answer with a 400 is an invalid request naming what is wrong, and is not sent. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "data:image/bmp;base64,Qk0=  | media type 'image/bmp'",
            "data:image/png,rawbytes     | base64-encoded",
            "ftp://x.test/a.png          | only http(s) URLs",
            "file:///tmp/a.png           | only http(s) URLs"})
    void imagesAnthropicCannotReadAreInvalid(String url, String reason) {
        ObjectNode req = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"image_url\",\"image_url\":{\"url\":\"" + url + "\"}}]}]}");
        assertThatThrownBy(() -> adapter.mapRequest(target(true), req, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                    assertThat(e.error().param()).isEqualTo("messages");
                    assertThat(e.error().message()).contains("image_url").contains(reason);
                });
    }

    /** Anthropic takes a temperature from 0 to 1: above 1 is unsupported, or dropped (not clamped) and recorded. */
    @Test
    void aTemperatureAboveOneIsUnsupportedOrDropped() {
        ObjectNode req = userRequest("\"max_tokens\":5,\"temperature\":1.5,\"top_p\":0.9");
        assertThatThrownBy(() -> adapter.mapRequest(target(false), req, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("temperature");
                    assertThat(e.error().message()).contains("from 0 to 1").contains("1.5").contains("drop_params");
                });
        MappedRequest dropped = adapter.mapRequest(target(true), req, false);
        assertThat(dropped.body().has("temperature")).isFalse();
        assertThat(dropped.body().get("top_p").asDouble()).as("no temperature left to clash with").isEqualTo(0.9);
        assertThat(dropped.adjustments()).containsExactly("dropped:temperature");
        assertThat(adapter.mapRequest(target(false), userRequest("\"max_tokens\":5,\"temperature\":1"), false)
                .body().get("temperature").asDouble()).isEqualTo(1.0);
    }

    /** Anthropic refuses a user_id holding an email address or over 256 characters: unsupported, or dropped. */
    @ParameterizedTest
    @CsvSource({"jane.doe@example.com,an email address", "'user: ann@corp.example.org',an email address",
            "LONG,longer than 256"})
    void aUserAnthropicRefusesIsUnsupportedOrDropped(String user, String why) {
        String value = "LONG".equals(user) ? "u".repeat(257) : user;
        ObjectNode req = userRequest("\"max_tokens\":5,\"user\":\"" + value + "\"");
        assertThatThrownBy(() -> adapter.mapRequest(target(false), req, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("user");
                    assertThat(e.error().message()).contains(why).contains("drop_params");
                });
        MappedRequest dropped = adapter.mapRequest(target(true), req, false);
        assertThat(dropped.body().has("metadata")).isFalse();
        assertThat(dropped.adjustments()).containsExactly("dropped:user");
    }

    @Test
    void anOpaqueUserBecomesTheMetadataUserId() {
        for (String user : List.of("5f0c2a9e-1b7d-4e6a-9c1f-2d3b4a5c6d7e", "u".repeat(256), "team@", "a@b")) {
            ObjectNode req = userRequest("\"max_tokens\":5,\"user\":\"" + user + "\"");
            assertThat(adapter.mapRequest(target(false), req, false).body().at("/metadata/user_id").asText())
                    .isEqualTo(user);
        }
    }

    /** LiteLLM's message-level cache_control (string content, tool results) reaches the block it marks. */
    @Test
    void aMessagesOwnCacheControlGoesOnItsBlock() {
        String cache = "\"cache_control\":{\"type\":\"ephemeral\"}";
        ObjectNode req = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"Long rules.\","
                + cache + "},{\"role\":\"user\",\"content\":\"A long document.\"," + cache + "},{\"role\":"
                + "\"assistant\",\"tool_calls\":[{\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":"
                + "\"f\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"big\","
                + cache + "}]}");
        JsonNode body = adapter.mapRequest(target(false), req, false).body();
        JsonNode ephemeral = json("{\"type\":\"ephemeral\"}");
        assertThat(body.at("/system/0/text").asText()).isEqualTo("Long rules.");
        assertThat(body.at("/system/0/cache_control")).isEqualTo(ephemeral);
        assertThat(body.at("/messages/0/content/0/cache_control")).isEqualTo(ephemeral);
        assertThat(body.at("/messages/2/content/0/type").asText()).isEqualTo("tool_result");
        assertThat(body.at("/messages/2/content/0/cache_control")).isEqualTo(ephemeral);
    }

    /** Anthropic wants tools defined next to tool_use blocks: a history's names become tools it may not call. */
    @Test
    void aToolHistoryWithoutToolsGetsToolsOfItsNamesThatCannotBeCalled() {
        String history = "{\"role\":\"user\",\"content\":\"weather?\"},{\"role\":\"assistant\",\"tool_calls\":["
                + "{\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                + "\"{}\"}},{\"id\":\"t2\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"sunny\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"t2\",\"content\":\"warm\"},{\"role\":\"user\","
                + "\"content\":\"sum it up\"}";
        MappedRequest m = adapter.mapRequest(target(false), json("{\"max_tokens\":5,\"messages\":[" + history
                + "]}"), false);
        assertThat(m.body().get("tools")).hasSize(1);
        assertThat(m.body().at("/tools/0/name").asText()).isEqualTo("get_weather");
        assertThat(m.body().at("/tools/0/input_schema")).isEqualTo(json("{\"type\":\"object\"}"));
        assertThat(m.body().get("tool_choice")).isEqualTo(json("{\"type\":\"none\"}"));
        assertThat(m.adjustments()).contains("added:tools_from_history");

        MappedRequest withTools = adapter.mapRequest(target(false), json("{\"max_tokens\":5,\"messages\":["
                + history + "],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"other\"}}]}"), false);
        assertThat(withTools.body().at("/tools/0/name").asText()).isEqualTo("other");
        assertThat(withTools.body().has("tool_choice")).isFalse();
        assertThat(withTools.adjustments()).doesNotContain("added:tools_from_history");
    }

    @Test
    void rejectsWhatCannotBeSent() {
        ObjectNode audio = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"input_audio\",\"input_audio\":{\"data\":\"AA==\",\"format\":\"wav\"}}]}]}");
        ObjectNode badArgs = json("{\"max_tokens\":5,\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":"
                + "\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]}]}");
        ObjectNode empty = json("{\"max_tokens\":5,\"messages\":[]}");
        for (ObjectNode req : new ObjectNode[] {audio, badArgs, empty}) {
            assertThatThrownBy(() -> adapter.prepare(target(false), req, false))
                    .isInstanceOfSatisfying(ProviderException.class,
                            e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST));
        }
    }

    @ParameterizedTest
    @CsvSource({"http://h:1,http://h:1/v1/messages", "http://h:1/,http://h:1/v1/messages",
            "http://h:1/v1,http://h:1/v1/messages", "http://h:1/v1/messages,http://h:1/v1/messages",
            "https://gw.example/anthropic,https://gw.example/anthropic/v1/messages"})
    void endpointCompletesTheBase(String base, String expected) {
        ProviderTarget t = ProviderTarget.builder("anthropic", "m").apiBase(URI.create(base)).apiKey("k")
                .apiVersion("2024-01-01").build();
        var call = adapter.prepare(t, json("{\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                false);
        assertThat(call.uri()).isEqualTo(URI.create(expected));
        assertThat(call.headers()).containsEntry("x-api-key", "k").containsEntry("anthropic-version", "2024-01-01");
    }

    @Test
    void defaultEndpointIsAnthropics() {
        var call = adapter.prepare(target(false),
                json("{\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), true);
        assertThat(call.uri()).isEqualTo(URI.create("https://api.anthropic.com/v1/messages"));
        assertThat(call.headers()).containsEntry("anthropic-version", AnthropicWire.API_VERSION);
        assertThat(call.forwardUsageChunk()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"end_turn,stop", "stop_sequence,stop", "pause_turn,stop", "max_tokens,length",
            "model_context_window_exceeded,length", "tool_use,tool_calls", "refusal,content_filter"})
    void mapsStopReasons(String stop, String finish) {
        assertThat(AnthropicWire.finishReason(stop, false)).isEqualTo(finish);
    }
}
