package dev.llmq.provider.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ChunkAccumulator;
import dev.llmq.provider.spi.Usages;
import dev.llmq.schemas.TokenUsage;
import org.junit.jupiter.api.Test;

/** The response shapes as OpenAI writes them, field order included (compared as text). */
class CompletionsTest {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test
    void aCompletionHasOpenAisFieldsInOpenAisOrder() {
        ArrayNode calls = F.arrayNode();
        Completions.addToolCall(calls, "call_1", "f", "{}");
        ObjectNode completion = Completions.completion("chatcmpl-1", 7, "m");
        completion.putArray("choices").add(Completions.messageChoice(0,
                Completions.assistantMessage().toolCalls(calls).build(), "tool_calls"));
        completion.set("usage", Completions.usage(10, 20).totalTokens(31).cachedTokens(4).reasoningTokens(12).build());

        assertThat(completion.toString()).isEqualTo("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\","
                + "\"created\":7,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":31,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":4},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":12}}}");
        assertThat(Usages.fromOpenAi(completion.get("usage"))).isEqualTo(new TokenUsage(10, 20, 31, 4, 12));
    }

    @Test
    void aMessageCarriesOnlyWhatItHas() {
        assertThat(Completions.assistantMessage().content("hi").toolCalls(F.arrayNode()).build().toString())
                .isEqualTo("{\"role\":\"assistant\",\"content\":\"hi\"}");
        assertThat(Completions.assistantMessage().role(null).refusal("no").reasoning("hmm").build().toString())
                .isEqualTo("{\"role\":\"assistant\",\"content\":null,\"refusal\":\"no\",\"reasoning_content\":\"hmm\"}");
    }

    @Test
    void usageLeavesOutTheDetailsAProviderDoesNotReport() {
        assertThat(Completions.usage(3, 4).build().toString())
                .isEqualTo("{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}");
        assertThat(Completions.usage(3, 4).cachedTokens(0).build().toString()).isEqualTo(
                "{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7,"
                        + "\"prompt_tokens_details\":{\"cached_tokens\":0}}");
    }

    @Test
    void chunksAssembleIntoTheCompletionTheyAddUpTo() {
        ObjectNode first = F.objectNode().put("role", "assistant").put("content", "Hel");
        ObjectNode call = F.objectNode();
        Completions.addToolCallDelta(call.putArray("tool_calls"), 0, "call_1", "f", "");
        ObjectNode fragment = F.objectNode();
        Completions.addToolCallFragment(fragment.putArray("tool_calls"), 0, "{\"a\":1}");
        ObjectNode usageChunk = Completions.usageChunk("c", 7, "m", Completions.usage(3, 4).build());

        assertThat(Completions.chunk("c", 7, "m", 0, first, null).toString()).isEqualTo(
                "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m\",\"choices\":"
                        + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"logprobs\":null,"
                        + "\"finish_reason\":null}]}");
        assertThat(usageChunk.toString()).isEqualTo("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":7,"
                + "\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}");
        assertThat(ChunkAccumulator.isUsageOnly(usageChunk)).as("usage-only: %s", usageChunk).isTrue();

        ChunkAccumulator acc = new ChunkAccumulator();
        acc.add(Completions.chunk("c", 7, "m", 0, first, null));
        acc.add(Completions.chunk("c", 7, "m", 0, F.objectNode().put("content", "lo"), null));
        acc.add(Completions.chunk("c", 7, "m", 0, call, null));
        acc.add(Completions.chunk("c", 7, "m", 0, fragment, "tool_calls"));
        acc.add(usageChunk);

        ArrayNode calls = F.arrayNode();
        Completions.addToolCall(calls, "call_1", "f", "{\"a\":1}");
        ObjectNode expected = Completions.completion("c", 7, "m");
        expected.putArray("choices").add(Completions.messageChoice(0,
                Completions.assistantMessage().content("Hello").toolCalls(calls).build(), "tool_calls"));
        expected.set("usage", Completions.usage(3, 4).build());
        assertThat(acc.completion().toString()).isEqualTo(expected.toString());
    }
}
