package dev.llmq.provider.model;

import static dev.llmq.provider.model.JsonAssert.assertSameJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalModelTest {

    static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode resource(String path) {
        try (InputStream in = CanonicalModelTest.class.getResourceAsStream(path)) {
            return Json.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void fullRequestRoundTripsWithUnknownFieldsKept() {
        JsonNode body = resource("/model/request-full.json");
        ChatRequest r = ChatRequest.fromJson(body);

        assertSameJson(r.toJson(), body);
        assertThat(r.messages()).hasSize(6);
        assertThat(r.systemText()).isEqualTo("Be terse.\n\nAnswer in French.");
        var parts = ((MessageContent.Parts) r.messages().get(2).content()).parts();
        assertThat(parts.get(0)).isEqualTo(new ContentPart.Text("What is in this image?"));
        assertThat(parts.get(1)).isEqualTo(new ContentPart.ImageUrl("https://example.com/cat.png", "high"));
        assertThat(parts.get(2)).isEqualTo(new ContentPart.ImageUrl("data:image/png;base64,iVBORw0KGgo=", null))
                .matches(p -> ((ContentPart.ImageUrl) p).isData(), "is a data URL");
        assertThat(parts.get(3)).isInstanceOf(ContentPart.Unknown.class);
        assertThat(r.messages().get(3).toolCalls()).containsExactly(
                new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"));
        assertThat(r.messages().get(4).toolCallId()).isEqualTo("call_1");
        assertThat(r.messages().get(5).extra().get("x_vendor")).isEqualTo(json("{\"a\":1}"));
        assertThat(r.toolChoice()).isEqualTo(new ToolChoice.Function("get_weather"));
        assertThat(r.responseFormat()).isInstanceOfSatisfying(ResponseFormat.JsonSchema.class,
                f -> assertThat(f.strict()).isTrue());
        assertThat(r.stop()).containsExactly("END", "STOP");
        assertThat(r.n()).isEqualTo(2);
        assertThat(r.seed()).isEqualTo(42L);
        assertThat(r.outputTokenLimit()).isEqualTo(200);
        assertThat(r.streamOptions().includeUsage()).isTrue();
        assertThat(r.streamOptions().extra().get("include_obfuscation")).isEqualTo(BooleanNode.FALSE);
        assertThat(r.reasoningEffort()).isEqualTo("low");
        assertThat(r.extra().fieldNames()).toIterable().containsExactlyInAnyOrder("metadata", "store", "prediction");
    }

    @Test
    void stopAsStringStaysAString() {
        JsonNode body = json("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":\"\\n\"}");
        ChatRequest r = ChatRequest.fromJson(body);
        assertThat(r.stop()).containsExactly("\n");
        assertSameJson(r.toJson(), body);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\"none\"|Of",
            "\"auto\"|Of",
            "\"required\"|Of",
            "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}|Function",
            "{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"auto\",\"tools\":[]}}|Unknown",
            "\"something_new\"|Unknown"})
    void toolChoiceForms(String raw, String variant) {
        ToolChoice c = ToolChoice.fromJson(json(raw));
        assertThat(c.getClass().getSimpleName()).isEqualTo(variant);
        assertThat(c.toJson()).isEqualTo(json(raw));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"text\"}|Text",
            "{\"type\":\"json_object\"}|JsonObject",
            "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\",\"schema\":{\"type\":\"object\"},\"strict\":true}}|JsonSchema",
            "{\"type\":\"grammar\",\"grammar\":\"root ::= x\"}|Unknown"})
    void responseFormatForms(String raw, String variant) {
        ResponseFormat f = ResponseFormat.fromJson(json(raw));
        assertThat(f.getClass().getSimpleName()).isEqualTo(variant);
        assertThat(f.toJson()).isEqualTo(json(raw));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}|request.temperature must be a number",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":1.5}|request.n must be an integer",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":5}|request.stop must be a string",
            "{\"messages\":\"hi\"}|request.messages must be an array",
            "{\"messages\":[{\"content\":\"x\"}]}|message.role is required",
            "{\"messages\":[{\"role\":\"user\",\"content\":5}]}|message content must be",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{}}]}|tool.function.name is required",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":0}|n must be >= 1"})
    void wrongTypesNameTheField(String raw, String message) {
        assertThatThrownBy(() -> ChatRequest.fromJson(json(raw)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void recordsCopyTheirCollections() {
        var list = new java.util.ArrayList<ChatMessage>(List.of(ChatMessage.of("user", "hi")));
        ChatRequest r = ChatRequest.fromJson(json("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        ChatRequest copy = new ChatRequest(null, list, null, null, null, null, null, false, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null);
        list.clear();
        assertThat(copy.messages()).hasSize(1);
        assertThat(copy).isEqualTo(r);
    }
}
