package dev.llmq.worker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.Deployment;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.worker.ChunkPublisher;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a stream ended before its answer counts: the usage its provider had reported before the end where it has
 * one (a provider that reports as it streams), the output at least the deltas streamed, estimates for the rest.
 */
class CutStreamsTest {

    private static final Deployment DEPLOYMENT = ConfigLoader.parse("""
            model_list:
              - { model_name: g, litellm_params: { model: openai/gpt-4o-mini, api_key: k }, model_info: { id: d } }
            """, Map.of()).deployments().getFirst();

    private static ObjectNode delta(String text) {
        ObjectNode chunk = Json.mapper().createObjectNode().put("object", "chat.completion.chunk");
        chunk.putArray("choices").addObject().putObject("delta").put("content", text);
        return chunk;
    }

    private static CutStreams streamed(int deltas) {
        CutStreams streams = new CutStreams(ChunkPublisher.discarding(), 40);
        streams.callStarted();
        for (int i = 0; i < deltas; i++) {
            streams.publish(delta("w" + i));
        }
        return streams;
    }

    @Test
    void withoutReportedUsageThePromptIsEstimatedAndTheOutputIsTheDeltasStreamed() {
        CutStreams streams = streamed(7);
        streams.callCut(DEPLOYMENT, null);

        assertThat(streams.usage()).isEqualTo(new TokenUsage(40, 7, 47, 0, 0));
        assertThat(streams.adjustment())
                .isEqualTo("usage_estimated:cut_streams=1,prompt_tokens=40,completion_tokens=7");
    }

    @Test
    void whatTheProviderReportedBeforeTheEndIsTakenTheOutputAtLeastWhatWasStreamed() {
        CutStreams streams = streamed(7);
        streams.callCut(DEPLOYMENT, new TokenUsage(1200, 3, 1203, 1024, 0)); // its count lags the deltas

        assertThat(streams.usage()).isEqualTo(new TokenUsage(1200, 7, 1207, 1024, 0));

        CutStreams counted = streamed(2);
        counted.callCut(DEPLOYMENT, new TokenUsage(1200, 9, 1209, 0, 0));
        assertThat(counted.usage().completionTokens()).isEqualTo(9);
    }

    @Test
    void theCacheWritesAReportedPromptHadAreKeptWithTheirOneHourPart() {
        CutStreams streams = streamed(3);
        streams.callCut(DEPLOYMENT, new TokenUsage(3020, 1, 3021, 0, 0, 3000, 2000));

        assertThat(streams.usage()).isEqualTo(new TokenUsage(3020, 3, 3023, 0, 0, 3000, 2000));
    }

    @Test
    void aCallThatStreamedNothingCountsOnlyAPromptItsProviderReported() {
        CutStreams silent = streamed(0);
        silent.callCut(DEPLOYMENT, null);
        assertThat(silent.cuts()).isEmpty();

        CutStreams read = streamed(0);
        read.callCut(DEPLOYMENT, new TokenUsage(300, 0, 300, 0, 0));
        assertThat(read.usage()).isEqualTo(new TokenUsage(300, 0, 300, 0, 0));
    }

    @Test
    void eachCallCountsAfresh() {
        CutStreams streams = streamed(5);
        streams.callCut(DEPLOYMENT, null);
        streams.callStarted();
        streams.publish(delta("x"));
        streams.callCut(DEPLOYMENT, null);

        assertThat(streams.cuts()).extracting(c -> c.usage().completionTokens()).containsExactly(5L, 1L);
        assertThat(streams.adjustment()).startsWith("usage_estimated:cut_streams=2,prompt_tokens=80,");
    }
}
