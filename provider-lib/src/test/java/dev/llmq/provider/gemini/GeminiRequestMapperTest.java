package dev.llmq.provider.gemini;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GeminiRequestMapperTest {

    private final GeminiAdapter adapter = new GeminiAdapter(CLOCK);

    private static ProviderTarget target(boolean drop) {
        return ProviderTarget.builder("gemini", "gemini-2.5-flash").apiKey("AIzaKey").dropParams(drop).build();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"auto\"                                          | {\"mode\":\"AUTO\"}",
            "\"required\"                                      | {\"mode\":\"ANY\"}",
            "\"none\"                                          | {\"mode\":\"NONE\"}",
            "{\"type\":\"function\",\"function\":{\"name\":\"f\"}} | {\"mode\":\"ANY\",\"allowedFunctionNames\":[\"f\"]}"})
    void mapsToolChoice(String openAi, String gemini) {
        ObjectNode req = userRequest(
                "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":" + openAi);
        JsonNode body = adapter.mapRequest(target(false), req).body();
        assertThat(body.path("toolConfig").get("functionCallingConfig")).isEqualTo(json(gemini));
    }

    /**
     * A function-calling config without function declarations is Gemini's 400: without tools, auto and none are left
     * out; a choice that forces a call, or names a function that is not among the tools, is an invalid request.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"auto\"                                          | ",
            "\"none\"                                          | ",
            "\"required\"                                      | tool_choice requires tools",
            "{\"type\":\"function\",\"function\":{\"name\":\"f\"}} | tool_choice requires tools"})
    void toolChoiceWithoutToolsIsLeftOutOrRefused(String openAi, String refusal) {
        ObjectNode req = userRequest("\"tool_choice\":" + openAi);
        if (refusal == null) {
            assertThat(adapter.mapRequest(target(false), req).body().has("toolConfig")).isFalse();
        } else {
            assertThatThrownBy(() -> adapter.mapRequest(target(true), req))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                        assertThat(e.error().param()).isEqualTo("tool_choice");
                        assertThat(e.error().message()).startsWith(refusal);
                    });
        }
        ObjectNode other = userRequest("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"g\"}}");
        assertThatThrownBy(() -> adapter.mapRequest(target(true), other))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.error().message())
                        .isEqualTo("tool_choice names function 'g', which is not among the tools"));
    }

    @ParameterizedTest
    @CsvSource({"user,\"u\"", "logit_bias,{}", "top_logprobs,2", "logprobs,true", "parallel_tool_calls,false",
            "reasoning_effort,\"extreme\"", "service_tier,\"flex\""})
    void unsupportedParameterFailsNamingIt(String name, String value) {
        ObjectNode req = userRequest("\"" + name + "\":" + value);
        assertThatThrownBy(() -> adapter.prepare(target(false), req, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo(name);
                    assertThat(e.error().message()).contains(name);
                });
    }

    @ParameterizedTest
    @CsvSource({"none,0,false", "minimal,128,true", "low,1024,true", "medium,2048,true", "high,4096,true"})
    void reasoningEffortBecomesAThinkingBudget(String effort, int budget, boolean includeThoughts) {
        ObjectNode req = userRequest("\"reasoning_effort\":\"" + effort + "\"");
        JsonNode thinking = adapter.mapRequest(target(false), req).body().path("generationConfig")
                .get("thinkingConfig");
        assertThat(thinking.get("thinkingBudget").asInt()).isEqualTo(budget);
        assertThat(thinking.path("includeThoughts").asBoolean(false)).isEqualTo(includeThoughts);
    }

    @ParameterizedTest
    @CsvSource({"gemini-2.5-pro", "models/gemini-2.5-pro-preview-06-05", "gemini-3-pro-preview",
            "gemini-3.1-pro-preview", "gemini-3.7-flash", "gemini-pro-latest", "gemini-flash-latest"})
    void thinkingCannotBeTurnedOffOnTheModelsThatAlwaysThink(String model) {
        ProviderTarget strict = ProviderTarget.builder("gemini", model).apiKey("k").build();
        ObjectNode off = userRequest("\"reasoning_effort\":\"none\"");
        assertThatThrownBy(() -> adapter.prepare(strict, off, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("reasoning_effort");
                    assertThat(e.error().message()).contains(model);
                });
        MappedRequest dropped = adapter.mapRequest(ProviderTarget.from(strict).dropParams(true).build(), off);
        assertThat(dropped.adjustments()).containsExactly("dropped:reasoning_effort");
        assertThat(dropped.body().path("generationConfig").has("thinkingConfig"))
                .as("the model thinks as it does by default").isFalse();
        JsonNode low = adapter.mapRequest(strict, userRequest("\"reasoning_effort\":\"low\"")).body();
        assertThat(low.at("/generationConfig/thinkingConfig").path("includeThoughts").asBoolean()).isTrue();
    }

    /**
     * Gemini 3 takes a thinking level, never a budget: the effort's own level where the model takes it, else the
     * nearest above; {@code none} is the lowest level without thoughts where the model has {@code minimal}. Google's
     * {@code -latest} aliases point at Gemini 3 models and move: the Pro and Flash ones as a model without
     * {@code minimal} (Flash from 3.7 has none), whichever they point at.
     */
    @ParameterizedTest
    @CsvSource({"gemini-3-flash-preview,none,minimal,false", "gemini-3-flash-preview,minimal,minimal,true",
            "gemini-3-flash-preview,low,low,true", "gemini-3-flash-preview,medium,medium,true",
            "gemini-3-flash-preview,high,high,true", "models/gemini-3.1-flash-lite-preview,none,minimal,false",
            "gemini-3-pro-preview,minimal,low,true", "gemini-3-pro-preview,low,low,true",
            "gemini-3-pro-preview,medium,high,true", "gemini-3-pro-preview,high,high,true",
            "gemini-3.1-pro-preview,minimal,low,true", "gemini-3.1-pro-preview,medium,medium,true",
            "gemini-3.7-flash,minimal,low,true", "gemini-3.7-flash,medium,medium,true",
            "gemini-pro-latest,minimal,low,true", "gemini-pro-latest,medium,medium,true",
            "gemini-flash-latest,minimal,low,true", "gemini-flash-latest,high,high,true",
            "models/gemini-flash-lite-latest,none,minimal,false", "gemini-flash-lite-latest,low,low,true"})
    void gemini3TakesAThinkingLevel(String model, String effort, String level, boolean includeThoughts) {
        JsonNode thinking = adapter.mapRequest(ProviderTarget.builder("gemini", model).apiKey("k").build(),
                userRequest("\"reasoning_effort\":\"" + effort + "\"")).body().at("/generationConfig/thinkingConfig");
        assertThat(thinking.path("thinkingLevel").asText()).isEqualTo(level);
        assertThat(thinking.has("thinkingBudget")).as("a budget next to a level is Gemini's 400").isFalse();
        assertThat(thinking.path("includeThoughts").asBoolean(false)).isEqualTo(includeThoughts);
    }

    @ParameterizedTest
    @CsvSource({"gemini-2.5-flash,128", "gemini-2.5-pro,128", "gemini-2.5-flash-lite,512",
            "models/gemini-2.5-flash-lite-preview-06-17,512"})
    void minimalIsTheSmallestBudgetTheModelTakes(String model, int budget) {
        JsonNode body = adapter.mapRequest(ProviderTarget.builder("gemini", model).apiKey("k").build(),
                userRequest("\"reasoning_effort\":\"minimal\"")).body();
        assertThat(body.at("/generationConfig/thinkingConfig/thinkingBudget").asInt()).isEqualTo(budget);
    }

    @ParameterizedTest
    @CsvSource({"gemini-2.5-flash", "gemini-2.5-flash-lite", "models/gemini-2.0-flash-thinking-exp"})
    void flashModelsTurnThinkingOff(String model) {
        JsonNode off = adapter.mapRequest(ProviderTarget.builder("gemini", model).apiKey("k").build(),
                userRequest("\"reasoning_effort\":\"none\"")).body();
        assertThat(off.at("/generationConfig/thinkingConfig/thinkingBudget").asInt()).isZero();
    }

    @ParameterizedTest
    @CsvSource({"gemini-2.5-flash", "gemini-2.5-pro", "models/gemini-2.5-flash-lite", "gemini-3-pro-preview"})
    void penaltiesAreUnsupportedWhereGeminiHasThemOff(String model) {
        ProviderTarget strict = ProviderTarget.builder("gemini", model).apiKey("k").build();
        ObjectNode req = userRequest("\"presence_penalty\":0.5,\"frequency_penalty\":0");
        assertThatThrownBy(() -> adapter.prepare(strict, req, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("presence_penalty");
                    assertThat(e.error().message()).contains(model);
                });
        MappedRequest dropped = adapter.mapRequest(ProviderTarget.from(strict).dropParams(true).build(), req);
        assertThat(dropped.adjustments()).containsExactly("dropped:presence_penalty");
        assertThat(dropped.body().path("generationConfig").has("presencePenalty")).isFalse();
        assertThat(dropped.body().path("generationConfig").has("frequencyPenalty"))
                .as("a zero penalty, OpenAI's default, is left out").isFalse();
    }

    /** Gemini's seed is an int32 (a larger one is its 400); OpenAI's is 64 bits. */
    @ParameterizedTest
    @CsvSource({"2147483648", "-2147483649", "9223372036854775807"})
    void aSeedBeyond32BitsIsUnsupported(String seed) {
        ObjectNode req = userRequest("\"seed\":" + seed);
        assertThatThrownBy(() -> adapter.prepare(target(false), req, false))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("seed");
                });
        MappedRequest dropped = adapter.mapRequest(target(true), req);
        assertThat(dropped.adjustments()).containsExactly("dropped:seed");
        assertThat(dropped.body().path("generationConfig").has("seed")).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"2147483647", "-2147483648", "0"})
    void a32BitSeedIsSent(String seed) {
        JsonNode gen = adapter.mapRequest(target(false), userRequest("\"seed\":" + seed)).body()
                .get("generationConfig");
        assertThat(gen.get("seed").asLong()).isEqualTo(Long.parseLong(seed));
    }

    @Test
    void olderModelsGetThePenalties() {
        ObjectNode req = userRequest("\"presence_penalty\":0.5,\"frequency_penalty\":0.25");
        JsonNode gen = adapter.mapRequest(ProviderTarget.builder("gemini", "gemini-2.0-flash").build(), req).body()
                .get("generationConfig");
        assertThat(gen.get("presencePenalty").asDouble()).isEqualTo(0.5);
        assertThat(gen.get("frequencyPenalty").asDouble()).isEqualTo(0.25);
    }

    /**
     * A function without arguments, as OpenAI clients declare it, has no {@code parameters} on Gemini: Gemini answers
     * an object schema without properties with 400 "properties: should be non-empty for OBJECT type".
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"{\"type\":\"object\",\"properties\":{}}", "{\"type\":\"object\"}", "{}",
            "{\"type\":\"object\",\"properties\":{},\"required\":[],\"additionalProperties\":false}"})
    void aFunctionWithoutArgumentsIsDeclaredWithoutParameters(String parameters) {
        ObjectNode req = userRequest("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"now\","
                + "\"description\":\"d\",\"parameters\":" + parameters + "}}]");
        JsonNode declaration = adapter.mapRequest(target(false), req).body().at("/tools/0/functionDeclarations/0");
        assertThat(declaration).isEqualTo(json("{\"name\":\"now\",\"description\":\"d\"}"));
    }

    @Test
    void toolParametersAreSanitisedAndTheStripsRecorded() {
        ObjectNode req = userRequest("\"tools\":[{\"type\":"
                + "\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\",\"properties\":"
                + "{\"a\":{\"type\":[\"string\",\"number\"],\"const\":\"q\"}},\"additionalProperties\":false}}}]");
        MappedRequest m = adapter.mapRequest(target(false), req);
        assertThat(m.body().at("/tools/0/functionDeclarations/0/parameters")).isEqualTo(json(
                "{\"type\":\"object\",\"properties\":{\"a\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"number\"}]}}}"));
        assertThat(m.adjustments()).containsExactly("stripped:tools.f.parameters.additionalProperties",
                "stripped:tools.f.parameters.const");
    }

    /**
     * Pydantic's {@code Optional} fields ({@code anyOf} with a null branch) become {@code nullable}, as type lists with
     * {@code "null"} do; a string {@code const} a one-value enum: exact rewrites, nothing recorded.
     */
    @Test
    void nullBranchesBecomeNullableAndAStringConstAnEnum() {
        List<String> adjustments = new ArrayList<>();
        JsonNode out = GeminiSchema.sanitise(json("""
                {"type": "object", "properties": {
                  "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null, "description": "d"},
                  "at": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"x": {"type": "integer"}}}]},
                  "id": {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
                  "kind": {"const": "point"}, "version": {"type": "string", "const": "v1"},
                  "flag": {"const": true}}}"""), "s", adjustments);
        assertThat(out.get("properties")).isEqualTo(json("""
                {"note": {"default": null, "description": "d", "type": "string", "nullable": true},
                 "at": {"type": "object", "properties": {"x": {"type": "integer"}}, "nullable": true},
                 "id": {"anyOf": [{"type": "string", "nullable": true}, {"type": "integer", "nullable": true}]},
                 "kind": {"type": "string", "enum": ["point"]}, "version": {"type": "string", "enum": ["v1"]},
                 "flag": {}}"""));
        assertThat(adjustments).as("Gemini's enum holds strings only").containsExactly("stripped:s.const");
    }

    /** Gemini's enum holds strings: an enum of other values is stripped and recorded, a string one kept. */
    @Test
    void anEnumOfOtherValuesThanStringsIsStripped() {
        List<String> adjustments = new ArrayList<>();
        JsonNode out = GeminiSchema.sanitise(json("""
                {"type": "object", "properties": {"level": {"type": "integer", "enum": [1, 2, 3]},
                  "mixed": {"enum": ["a", null]}, "unit": {"type": "string", "enum": ["c", "f"]}}}"""), "s",
                adjustments);
        assertThat(out.get("properties")).isEqualTo(json("""
                {"level": {"type": "integer"}, "mixed": {}, "unit": {"type": "string", "enum": ["c", "f"]}}"""));
        assertThat(adjustments).containsExactly("stripped:s.enum");
    }

    /** Gemini orders a response's keys alphabetically unless told the order: the schema's own, as OpenAI keeps it. */
    @Test
    void aResponseSchemaKeepsItsPropertiesOrder() {
        ObjectNode req = userRequest("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":"
                + "\"r\",\"schema\":{\"type\":\"object\",\"properties\":{\"reasoning\":{\"type\":\"string\"},"
                + "\"answer\":{\"type\":\"object\",\"properties\":{\"value\":{\"type\":\"number\"},\"unit\":"
                + "{\"type\":\"string\"}}},\"notes\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
                + "\"properties\":{\"z\":{\"type\":\"string\"},\"a\":{\"type\":\"string\"}},"
                + "\"propertyOrdering\":[\"a\",\"z\"]}}}}}}");
        JsonNode schema = adapter.mapRequest(target(false), req).body().at("/generationConfig/responseSchema");
        assertThat(schema.get("propertyOrdering")).isEqualTo(json("{\"o\":[\"reasoning\",\"answer\",\"notes\"]}")
                .get("o"));
        assertThat(schema.at("/properties/answer/propertyOrdering")).isEqualTo(json("{\"o\":[\"value\",\"unit\"]}")
                .get("o"));
        assertThat(schema.at("/properties/notes/items/propertyOrdering")).as("the caller's own is kept")
                .isEqualTo(json("{\"o\":[\"a\",\"z\"]}").get("o"));
    }

    @Test
    void localRefsAreInlinedFromTheirDefinitions() {
        // as OpenAI's SDK writes a Pydantic model with a nested model: $defs at the root, $ref (with a sibling)
        ObjectNode req = userRequest("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":"
                + "\"order\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"ship_to\":{\"$ref\":"
                + "\"#/$defs/Address\",\"description\":\"where\"},\"items\":{\"type\":\"array\",\"items\":{\"$ref\":"
                + "\"#/$defs/Item\"}}},\"required\":[\"ship_to\",\"items\"],\"additionalProperties\":false,"
                + "\"$defs\":{\"Address\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                + "\"required\":[\"city\"],\"additionalProperties\":false},\"Item\":{\"type\":\"object\","
                + "\"properties\":{\"sku\":{\"type\":\"string\"},\"ship_to\":{\"$ref\":\"#/$defs/Address\"}}}}}}}");
        MappedRequest m = adapter.mapRequest(target(false), req);
        JsonNode schema = m.body().at("/generationConfig/responseSchema");
        assertThat(schema.at("/properties/ship_to")).isEqualTo(json("{\"type\":\"object\",\"properties\":"
                + "{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"],\"description\":\"where\"}"));
        assertThat(schema.at("/properties/items/items/properties/ship_to/properties/city/type").asText())
                .isEqualTo("string");
        assertThat(schema.has("$defs")).isFalse();
        assertThat(m.adjustments()).containsExactly("stripped:response_schema.additionalProperties");
    }

    @Test
    void aRecursiveRefCannotBeInlinedAndIsStrippedAndRecorded() {
        List<String> adjustments = new ArrayList<>();
        JsonNode out = GeminiSchema.sanitise(json("{\"$ref\":\"#/definitions/Node\",\"definitions\":{\"Node\":"
                + "{\"type\":\"object\",\"properties\":{\"next\":{\"$ref\":\"#/definitions/Node\"}}}}}"), "s",
                adjustments);
        assertThat(out).isEqualTo(json("{\"type\":\"object\",\"properties\":{\"next\":{}}}"));
        assertThat(adjustments).containsExactly("stripped:s.$ref");
        adjustments.clear();
        JsonNode notASchemaObject = GeminiSchema.sanitise(json("{\"type\":\"object\",\"properties\":{\"a\":"
                + "{\"$ref\":\"#/$defs/Any\"}},\"$defs\":{\"Any\":true}}"), "s", adjustments);
        assertThat(notASchemaObject.at("/properties/a")).isEqualTo(json("{}"));
        assertThat(adjustments).containsExactly("stripped:s.$ref");
    }

    /** Definitions using the next one twice, 24 levels deep: inlined whole, 2^24 copies of the innermost. */
    @Test
    void inliningStopsAtItsBudgetAndStripsTheRefsLeft() {
        StringBuilder defs = new StringBuilder();
        for (int level = 0; level < 24; level++) {
            defs.append(level == 0 ? "" : ",").append("\"L").append(level).append("\":{\"type\":\"object\","
                    + "\"properties\":{\"a\":{\"$ref\":\"#/$defs/L").append(level + 1).append("\"},\"b\":"
                    + "{\"$ref\":\"#/$defs/L").append(level + 1).append("\"}}}");
        }
        defs.append(",\"L24\":{\"type\":\"string\"}");
        List<String> adjustments = new ArrayList<>();
        JsonNode out = GeminiSchema.sanitise(json("{\"$ref\":\"#/$defs/L0\",\"$defs\":{" + defs + "}}"), "s",
                adjustments);
        int[] nodes = {0};
        out.findParents("type").forEach(n -> nodes[0]++);
        assertThat(nodes[0]).isPositive().isLessThan(GeminiSchema.MAX_INLINED_NODES);
        assertThat(out.at("/properties/a/type").asText()).as("the first levels inlined").isEqualTo("object");
        assertThat(adjustments).containsExactly("stripped:s.$ref");
    }

    @Test
    void aPropertyNamedLikeAKeywordIsKept() {
        List<String> adjustments = new ArrayList<>();
        JsonNode out = GeminiSchema.sanitise(json("{\"type\":\"object\",\"properties\":{\"additionalProperties\":"
                + "{\"type\":\"string\"}}}"), "s", adjustments);
        assertThat(out.at("/properties/additionalProperties/type").asText()).isEqualTo("string");
        assertThat(adjustments).isEmpty();
    }

    @Test
    void thoughtSignatureTravelsInTheToolCallIdAndComesBack() {
        GeminiResponseMapper mapper = new GeminiResponseMapper(new GeminiErrorClassifier(CLOCK), CLOCK);
        ObjectNode completion = mapper.map(("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{"
                + "\"functionCall\":{\"name\":\"f\",\"args\":{\"a\":1}},\"thoughtSignature\":\"c2ln\"}]},"
                + "\"finishReason\":\"STOP\"}],\"responseId\":\"r\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "m", null);
        JsonNode call = completion.at("/choices/0/message/tool_calls/0");
        assertThat(call.path("id").asText()).isEqualTo("call_r_0_0__thought__c2ln");
        ObjectNode next = json("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\","
                + "\"tool_calls\":[" + call + "]},{\"role\":\"tool\",\"tool_call_id\":\"" + call.path("id").asText()
                + "\",\"content\":\"ok\"}]}");
        JsonNode contents = adapter.mapRequest(target(false), next).body().get("contents");
        assertThat(contents.at("/1/parts/0")).isEqualTo(json("{\"functionCall\":{\"name\":\"f\",\"args\":{\"a\":1}},"
                + "\"thoughtSignature\":\"c2ln\"}"));
        assertThat(contents.at("/2/parts/0/functionResponse/name").asText()).isEqualTo("f");
    }

    /** Gemini refuses a turn without parts: an empty message adds none; a request without any turn is invalid. */
    @Test
    void emptyMessagesAddNoTurn() {
        JsonNode body = adapter.mapRequest(target(false), json("{\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"hi\"},{\"role\":\"assistant\",\"content\":\"\"},{\"role\":\"user\",\"content\":[]},"
                + "{\"role\":\"assistant\",\"content\":\"yes\"},{\"role\":\"user\",\"content\":\"more\"}]}")).body();
        assertThat(body.get("contents")).isEqualTo(json("{\"c\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]},"
                + "{\"role\":\"model\",\"parts\":[{\"text\":\"yes\"}]},{\"role\":\"user\",\"parts\":"
                + "[{\"text\":\"more\"}]}]}").get("c"));
        for (String messages : List.of("[{\"role\":\"system\",\"content\":\"s\"}]",
                "[{\"role\":\"user\",\"content\":\"\"}]")) {
            assertThatThrownBy(() -> adapter.mapRequest(target(true), json("{\"messages\":" + messages + "}")))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                        assertThat(e.error().param()).isEqualTo("messages");
                        assertThat(e.error().message()).startsWith("gemini needs a user or assistant message with "
                                + "content");
                    });
        }
    }

    @Test
    void aToolResultWithoutItsCallIsRejected() {
        ObjectNode req = json("{\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"nope\",\"content\":\"x\"}]}");
        assertThatThrownBy(() -> adapter.prepare(target(false), req, false))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "           | gemini-2.5-flash        | false | https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
            "           | models/gemini-2.0-flash | true  | https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
            "http://h:1/ | gemini-2.5-pro         | false | http://h:1/v1beta/models/gemini-2.5-pro:generateContent",
            "http://h:1/v1beta | gemini-2.5-pro   | true  | http://h:1/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"})
    void endpoint(String base, String model, boolean stream, String expected) {
        ProviderTarget t = ProviderTarget.builder("gemini", model).apiBase(base == null ? null : URI.create(base))
                .apiKey("AIzaKey").build();
        var call = adapter.prepare(t, userRequest(""), stream);
        assertThat(call.uri()).isEqualTo(URI.create(expected));
        assertThat(call.headers()).containsEntry("x-goog-api-key", "AIzaKey");
        assertThat(call.uri().toString()).doesNotContain("AIzaKey");
    }

    @Test
    void apiVersionSelectsThePath() {
        ProviderTarget t = ProviderTarget.builder("gemini", "gemini-2.5-flash").apiKey("k").apiVersion("v1").build();
        var call = adapter.prepare(t, userRequest(""), false);
        assertThat(call.uri().getPath()).isEqualTo("/v1/models/gemini-2.5-flash:generateContent");
    }

    @ParameterizedTest
    @CsvSource({"STOP,false,stop", "STOP,true,tool_calls", "MAX_TOKENS,false,length", "SAFETY,false,content_filter",
            "RECITATION,false,content_filter", "BLOCKLIST,false,content_filter",
            "PROHIBITED_CONTENT,false,content_filter", "SPII,false,content_filter", "OTHER,false,content_filter",
            "MALFORMED_FUNCTION_CALL,false,stop", "MAX_TOKENS,true,tool_calls", "OTHER,true,tool_calls",
            "LANGUAGE,true,tool_calls", "SAFETY,true,content_filter", "PROHIBITED_CONTENT,true,content_filter",
            "IMAGE_SAFETY,true,content_filter"})
    void mapsFinishReasons(String reason, boolean calledFunction, String finish) {
        assertThat(GeminiWire.finishReason(reason, calledFunction)).isEqualTo(finish);
    }
}
