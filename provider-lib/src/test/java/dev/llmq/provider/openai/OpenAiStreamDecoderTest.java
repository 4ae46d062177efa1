package dev.llmq.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.sse.SseEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * OpenAI-compatible servers' own finish reasons become OpenAI's, as LiteLLM's map_finish_reason has them, streamed or
 * not: clients built on OpenAI's contract reject any other value.
 */
class OpenAiStreamDecoderTest {

    private static final OpenAiErrorClassifier CLASSIFIER = new OpenAiErrorClassifier(Clock.systemUTC());

    @ParameterizedTest
    @CsvSource({"stop,stop", "length,length", "tool_calls,tool_calls", "content_filter,content_filter",
            "function_call,function_call", "eos,stop", "eos_token,stop", "end_turn,stop", "network_error,stop",
            "an_unknown_one,stop", "model_length,length", "max_tokens,length", "tool_use,tool_calls",
            "sensitive,content_filter", "content_filtered,content_filter", "refusal,content_filter"})
    void aFinishReasonIsOneOfOpenAis(String given, String expected) {
        List<ObjectNode> chunks = new OpenAiStreamDecoder(CLASSIFIER, "k").decode(SseEvent.data(
                "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" + given + "\"}]}"));
        assertThat(chunks.get(0).at("/choices/0/finish_reason").asText()).isEqualTo(expected);

        ObjectNode completion = new OpenAiResponseMapper(CLASSIFIER).map(("{\"id\":\"c\",\"object\":"
                + "\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + "\"Hi\"},\"finish_reason\":\"" + given + "\"}]}").getBytes(StandardCharsets.UTF_8), "k");
        assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"[]", "null"})
    void aTwoHundredWithAnErrorAndNoChoicesIsThatError(String choices) {
        byte[] body = ("{\"id\":\"c\",\"choices\":" + choices + ",\"error\":{\"message\":\"Upstream error from "
                + "the model\",\"code\":502}}").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> new OpenAiResponseMapper(CLASSIFIER).map(body, "k"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.SERVER_ERROR);
                    assertThat(e.error().httpStatus()).isEqualTo(502);
                    assertThat(e.error().message()).isEqualTo("Upstream error from the model");
                });
    }

    @Test
    void anEmptyFinishReasonIsNoneInAStreamAndStopOnAWholeAnswer() {
        List<ObjectNode> chunks = new OpenAiStreamDecoder(CLASSIFIER, "k").decode(SseEvent.data(
                "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"\"},"
                        + "{\"index\":1,\"delta\":{\"content\":\"Yo\"},\"finish_reason\":null}]}"));
        assertThat(chunks.get(0).at("/choices/0/finish_reason").isNull()).isTrue();
        assertThat(chunks.get(0).at("/choices/1/finish_reason").isNull()).isTrue();

        ObjectNode completion = new OpenAiResponseMapper(CLASSIFIER).map(("{\"id\":\"c\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null},{\"index\":1,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"Yo\"},\"finish_reason\":\"\"}]}")
                .getBytes(StandardCharsets.UTF_8), "k");
        for (JsonNode choice : completion.get("choices")) {
            assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        }
    }
}
