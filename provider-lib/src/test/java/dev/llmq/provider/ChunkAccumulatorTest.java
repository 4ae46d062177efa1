package dev.llmq.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TokenUsage;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChunkAccumulatorTest {

    static ObjectNode chunk(String json) {
        try {
            return (ObjectNode) Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void assemblesInterleavedToolCallsByIndexAndLogprobs() {
        ChunkAccumulator acc = new ChunkAccumulator();
        acc.add(chunk("{\"id\":\"a\",\"created\":5,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":1,\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"{\\\"b\\\"\"}}]}}]}"));
        acc.add(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c0\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}"));
        acc.add(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\":1}\"}}]},\"logprobs\":{\"content\":[{\"token\":\"x\",\"logprob\":-1}]}}]}"));
        acc.add(chunk("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\",\"logprobs\":{\"content\":[{\"token\":\"y\",\"logprob\":-2}]}}]}"));
        acc.add(chunk("{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7,\"prompt_tokens_details\":{\"cached_tokens\":1}}}"));

        ObjectNode c = acc.completion();
        JsonNode calls = c.at("/choices/0/message/tool_calls");
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).path("id").asText()).isEqualTo("c0");
        assertThat(calls.get(0).path("type").asText()).isEqualTo("function");
        assertThat(calls.get(1).at("/function/arguments").asText()).isEqualTo("{\"b\":1}");
        assertThat(c.at("/choices/0/message/content")).as("content: null beside tool calls").isEqualTo(NullNode.instance);
        assertThat(c.at("/choices/0/logprobs/content")).hasSize(2);
        assertThat(c.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(c.get("id").asText()).isEqualTo("a");
        assertThat(c.get("created").asLong()).isEqualTo(5);
        assertThat(acc.usage()).isEqualTo(new TokenUsage(3, 4, 7, 1, 0));
        assertThat(acc.chunkCount()).isEqualTo(5);
    }

    @Test
    void keepsReasoningRefusalAndLegacyFunctionCall() {
        ChunkAccumulator acc = new ChunkAccumulator();
        acc.add(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"think \"}}]}"));
        acc.add(chunk("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"more\",\"refusal\":\"no\"}}]}"));
        acc.add(chunk("{\"choices\":[{\"index\":1,\"delta\":{\"function_call\":{\"name\":\"f\",\"arguments\":\"{\"}}}]}"));
        acc.add(chunk("{\"choices\":[{\"index\":1,\"delta\":{\"function_call\":{\"arguments\":\"}\"}},\"finish_reason\":\"function_call\"}]}"));
        ObjectNode c = acc.completion();
        assertThat(c.at("/choices/0/message/reasoning_content").asText()).isEqualTo("think more");
        assertThat(c.at("/choices/0/message/refusal").asText()).isEqualTo("no");
        assertThat(c.at("/choices/1/message/function_call/arguments").asText()).isEqualTo("{}");
        assertThat(c.get("usage")).isNull();
        assertThat(acc.usage()).isEqualTo(TokenUsage.ZERO);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}        | false",
            "{\"choices\":[{\"delta\":{\"content\":\"a\"}}]}                               | true",
            "{\"choices\":[{\"delta\":{\"refusal\":\"no\"}}]}                              | true",
            "{\"choices\":[{\"delta\":{\"reasoning_content\":\"hm\"}}]}                    | true",
            "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0}]}}]}                  | true",
            "{\"choices\":[{\"delta\":{\"function_call\":{\"name\":\"f\"}}}]}              | true",
            "{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}                     | false",
            "{\"choices\":[],\"usage\":{\"total_tokens\":1}}                             | false"})
    void chunksWithGeneratedOutputAreRecognised(String chunk, boolean hasOutput) {
        assertThat(ChunkAccumulator.hasOutput(chunk(chunk))).isEqualTo(hasOutput);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"choices\":[],\"usage\":{\"total_tokens\":1}}                             | true",
            "{\"choices\":[],\"prompt_filter_results\":[],\"usage\":{}}                  | false",
            "{\"choices\":[],\"usage\":null}                                             | false",
            "{\"choices\":[{\"delta\":{}}],\"usage\":{\"total_tokens\":1}}                | false"})
    void theUsageOnlyLastChunkIsRecognised(String chunk, boolean usageOnly) {
        assertThat(ChunkAccumulator.isUsageOnly(chunk(chunk))).isEqualTo(usageOnly);
    }

    @Test
    void laterMutationOfAChunkDoesNotChangeTheAssembly() {
        ChunkAccumulator acc = new ChunkAccumulator();
        ObjectNode usage = chunk("{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}");
        acc.add(usage);
        ((ObjectNode) usage.get("usage")).put("prompt_tokens", 99);
        assertThat(acc.usage().promptTokens()).isEqualTo(1);
    }
}
