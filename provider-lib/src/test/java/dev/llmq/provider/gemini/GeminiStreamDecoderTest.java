package dev.llmq.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ChunkAccumulator;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.sse.SseEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GeminiStreamDecoderTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private static GeminiStreamDecoder decoder() {
        return new GeminiStreamDecoder(new GeminiErrorClassifier(CLOCK), CLOCK, "gemini-2.5-flash", "k");
    }

    @Test
    void twoCandidatesEndOnlyWhenBothFinished() {
        GeminiStreamDecoder d = decoder();
        ChunkAccumulator acc = new ChunkAccumulator();
        for (String data : List.of(
                "{\"candidates\":[{\"index\":0,\"content\":{\"parts\":[{\"text\":\"Re\"}]}},"
                        + "{\"index\":1,\"content\":{\"parts\":[{\"text\":\"Bl\"}]}}],\"responseId\":\"r\"}",
                "{\"candidates\":[{\"index\":0,\"content\":{\"parts\":[{\"text\":\"d\"}]},\"finishReason\":\"STOP\"}],"
                        + "\"responseId\":\"r\"}")) {
            d.decode(SseEvent.data(data)).forEach(acc::add);
        }
        assertThat(d.ended()).as("candidate 1 has not finished").isFalse();
        List<ObjectNode> last = d.decode(SseEvent.data("{\"candidates\":[{\"index\":1,\"content\":{\"parts\":"
                + "[{\"text\":\"ue\"}]},\"finishReason\":\"MAX_TOKENS\"}],\"responseId\":\"r\",\"usageMetadata\":"
                + "{\"promptTokenCount\":3,\"candidatesTokenCount\":4,\"totalTokenCount\":7}}"));
        last.forEach(acc::add);
        assertThat(d.ended()).isTrue();
        assertThat(last).hasSize(2);
        assertThat(ChunkAccumulator.isUsageOnly(last.get(1))).as("usage-only: %s", last.get(1)).isTrue();
        ObjectNode c = acc.completion();
        assertThat(c.at("/choices/0/message/content").asText()).isEqualTo("Red");
        assertThat(c.at("/choices/1/message/content").asText()).isEqualTo("Blue");
        assertThat(c.at("/choices/1/finish_reason").asText()).isEqualTo("length");
        assertThat(c.at("/model").asText()).isEqualTo("gemini-2.5-flash");
        assertThat(acc.usage().totalTokens()).isEqualTo(7);
    }

    /** As LiteLLM's map_finish_reason: these cut the candidate off, so OpenAI clients must not take it as whole. */
    @ParameterizedTest
    @CsvSource({"LANGUAGE,content_filter", "OTHER,content_filter", "IMAGE_PROHIBITED_CONTENT,content_filter",
            "IMAGE_RECITATION,content_filter", "IMAGE_OTHER,content_filter", "NO_IMAGE,content_filter",
            "IMAGE_SAFETY,content_filter", "UNEXPECTED_TOOL_CALL,stop", "TOO_MANY_TOOL_CALLS,stop",
            "FINISH_REASON_UNSPECIFIED,stop"})
    void finishReasonsAsLiteLlmMapsThem(String reason, String finish) {
        GeminiStreamDecoder d = decoder();
        List<ObjectNode> chunks = d.decode(SseEvent.data("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
                + "\"Hi\"}]},\"finishReason\":\"" + reason + "\"}],\"responseId\":\"r\"}"));
        assertThat(d.ended()).isTrue();
        assertThat(chunks.get(0).at("/choices/0/finish_reason").asText()).isEqualTo(finish);
    }

    /**
     * Gemini sends a call whole, so a turn that MAX_TOKENS ended after it holds a complete call: the client must run
     * it (it loops on tool_calls), as LiteLLM's _check_finish_reason says; a safety stop still filters it.
     */
    @ParameterizedTest
    @CsvSource({"MAX_TOKENS,tool_calls", "OTHER,tool_calls", "SAFETY,content_filter"})
    void aCandidateThatCalledAFunctionFinishesToolCallsUnlessFlagged(String reason, String finish) {
        GeminiStreamDecoder d = decoder();
        ChunkAccumulator acc = new ChunkAccumulator();
        for (String data : List.of("{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":"
                + "\"f\",\"args\":{\"a\":1}}}]}}],\"responseId\":\"r\"}",
                "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}]},\"finishReason\":\"" + reason
                        + "\"}],\"responseId\":\"r\"}")) {
            d.decode(SseEvent.data(data)).forEach(acc::add);
        }
        assertThat(d.ended()).isTrue();
        assertThat(acc.completion().at("/choices/0/finish_reason").asText()).isEqualTo(finish);
        assertThat(acc.completion().at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("f");
    }

    /**
     * Thoughts are output: added to the candidates when the total counts them apart (10 + 10 + 40 = 60), not added
     * again when the candidates already hold them (10 + 50 = 60), as LiteLLM's is_candidate_token_count_inclusive.
     */
    @ParameterizedTest
    @CsvSource({"10,0,60", "50,0,60", "10,5,65", "50,5,65"})
    void thoughtsCountOnceInTheCompletionTokens(long candidates, long toolUsePrompt, long total) {
        GeminiStreamDecoder d = decoder();
        List<ObjectNode> chunks = d.decode(SseEvent.data("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
                + "\"Hi\"}]},\"finishReason\":\"STOP\"}],\"responseId\":\"r\",\"usageMetadata\":{"
                + "\"promptTokenCount\":10,\"candidatesTokenCount\":" + candidates + ",\"thoughtsTokenCount\":40,"
                + "\"toolUsePromptTokenCount\":" + toolUsePrompt + ",\"cachedContentTokenCount\":4,"
                + "\"totalTokenCount\":" + total + "}}"));
        ChunkAccumulator acc = new ChunkAccumulator();
        chunks.forEach(acc::add);
        assertThat(acc.usage().promptTokens()).isEqualTo(10);
        assertThat(acc.usage().completionTokens()).isEqualTo(50);
        assertThat(acc.usage().reasoningTokens()).isEqualTo(40);
        assertThat(acc.usage().cachedPromptTokens()).isEqualTo(4);
        assertThat(acc.usage().totalTokens()).isEqualTo(total);
    }

    @Test
    void aBlockedPromptInTheStreamIsAContentPolicyError() {
        assertThatThrownBy(() -> decoder().decode(SseEvent.data("{\"promptFeedback\":{\"blockReason\":\"OTHER\"}}")))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.CONTENT_POLICY));
    }

    @Test
    void thoughtPartsBecomeReasoningContent() {
        List<ObjectNode> chunks = decoder().decode(SseEvent.data("{\"candidates\":[{\"content\":{\"parts\":"
                + "[{\"text\":\"hmm\",\"thought\":true},{\"text\":\"ok\"}]}}],\"responseId\":\"r\"}"));
        assertThat(chunks).hasSize(1);
        assertThat(chunks.get(0).at("/choices/0/delta/reasoning_content").asText()).isEqualTo("hmm");
        assertThat(chunks.get(0).at("/choices/0/delta/content").asText()).isEqualTo("ok");
    }

    @Test
    void unparseableEventIsAServerError() {
        assertThatThrownBy(() -> decoder().decode(SseEvent.data("{not json")))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.SERVER_ERROR));
    }
}
