package dev.llmq.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ChunkAccumulator;
import dev.llmq.provider.spi.Usages;
import dev.llmq.schemas.Json;
import dev.llmq.provider.sse.SseEvent;
import dev.llmq.schemas.TokenUsage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnthropicStreamDecoderTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private static ObjectNode run(boolean jsonTool, String... events) {
        AnthropicStreamDecoder d = new AnthropicStreamDecoder(new AnthropicErrorClassifier(CLOCK), CLOCK, jsonTool,
                "k");
        ChunkAccumulator acc = new ChunkAccumulator();
        for (int i = 0; i < events.length; i += 2) {
            List<ObjectNode> chunks = d.decode(new SseEvent(events[i], events[i + 1], null, null));
            chunks.forEach(acc::add);
        }
        assertThat(d.ended()).isTrue();
        return acc.completion();
    }

    private static final String START = "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\","
            + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}";

    @Test
    void jsonToolInputStreamsAsContentAndFinishesWithStop() {
        ObjectNode c = run(true,
                "message_start", START,
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
                        + "\"tool_use\",\"id\":\"t\",\"name\":\"json_tool_call\",\"input\":{}}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                        + "\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                        + "\"input_json_delta\",\"partial_json\":\"1}\"}}",
                "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},"
                        + "\"usage\":{\"output_tokens\":9}}",
                "message_stop", "{\"type\":\"message_stop\"}");
        assertThat(c.at("/choices/0/message/content").asText()).isEqualTo("{\"a\":1}");
        assertThat(c.at("/choices/0/message").get("tool_calls")).as("the JSON tool is no tool call").isNull();
        assertThat(c.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(c.at("/usage/completion_tokens").asLong()).isEqualTo(9);
    }

    @Test
    void thinkingStreamsAsReasoningContentAndEachBlockEndsWholeAndSigned() throws Exception {
        ObjectNode c = run(false,
                "message_start", START,
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
                        + "\"thinking\",\"thinking\":\"\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                        + "\"thinking_delta\",\"thinking\":\"Let me see.\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                        + "\"signature_delta\",\"signature\":\"abc\"}}",
                "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}",
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":"
                        + "\"redacted_thinking\",\"data\":\"EmwKAhgB\"}}",
                "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}",
                "content_block_start", "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":"
                        + "\"text\",\"text\":\"\"}}",
                "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":"
                        + "\"text_delta\",\"text\":\"42\"}}",
                "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}",
                "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"refusal\"},"
                        + "\"usage\":{\"output_tokens\":3}}",
                "future_event", "{\"type\":\"future_event\"}",
                "message_stop", "{\"type\":\"message_stop\"}");
        assertThat(c.at("/choices/0/message/reasoning_content").asText()).isEqualTo("Let me see.");
        assertThat(c.at("/choices/0/message/thinking_blocks")).as("to send back in the next turn").isEqualTo(
                Json.mapper().readTree("[{\"type\":\"thinking\",\"thinking\":\"Let me see.\",\"signature\":\"abc\"},"
                        + "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"}]"));
        assertThat(c.at("/choices/0/message/content").asText()).isEqualTo("42");
        assertThat(c.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
    }

    /**
     * A {@code message_delta}'s usage is cumulative: cache writes it reports, and their split by cache lifetime,
     * replace what {@code message_start} said; the 1-hour share reaches the usage llmq prices.
     */
    @Test
    void cacheWritesByLifetimeInTheMessageDeltaAreTheOnesCounted() {
        AnthropicStreamDecoder d = new AnthropicStreamDecoder(new AnthropicErrorClassifier(CLOCK), CLOCK, false,
                "k");
        ChunkAccumulator acc = new ChunkAccumulator();
        for (String[] e : new String[][] {
                {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\","
                        + "\"usage\":{\"input_tokens\":5,\"cache_creation_input_tokens\":0,"
                        + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},"
                        + "\"output_tokens\":1}}}"},
                {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                        + "\"usage\":{\"input_tokens\":5,\"cache_creation_input_tokens\":1500,"
                        + "\"cache_read_input_tokens\":0,\"cache_creation\":{\"ephemeral_5m_input_tokens\":300,"
                        + "\"ephemeral_1h_input_tokens\":1200},\"output_tokens\":4}}"},
                {"message_stop", "{\"type\":\"message_stop\"}"}}) {
            d.decode(new SseEvent(e[0], e[1], null, null)).forEach(acc::add);
        }

        assertThat(acc.usage()).isEqualTo(new TokenUsage(1505, 4, 1509, 0, 0, 1500, 1200));
        assertThat(acc.completion().at("/usage/cache_creation").toString())
                .isEqualTo("{\"ephemeral_5m_input_tokens\":300,\"ephemeral_1h_input_tokens\":1200}");
    }

    @Test
    void withoutASplitByLifetimeCacheWritesAreFiveMinuteOnesAndNoSplitIsMadeUp() {
        ObjectNode c = run(false,
                "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\","
                        + "\"usage\":{\"input_tokens\":5,\"cache_creation_input_tokens\":700,\"output_tokens\":1}}}",
                "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                        + "\"usage\":{\"output_tokens\":2}}",
                "message_stop", "{\"type\":\"message_stop\"}");
        assertThat(c.get("usage").has("cache_creation")).isFalse();
        assertThat(Usages.fromOpenAi(c.get("usage"))).isEqualTo(new TokenUsage(705, 2, 707, 0, 0, 700, 0));
    }
}
