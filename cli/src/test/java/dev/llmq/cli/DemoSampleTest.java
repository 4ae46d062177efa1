package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoSampleTest {

    @Test
    void sampleLinesAreBatchInputLinesWithMixedModelsAndStreaming() throws Exception {
        List<String> lines = DemoSample.lines(1000);
        assertThat(lines).hasSize(1000);
        long streaming = 0;
        long big = 0;
        for (String line : lines) {
            JsonNode node = Json.mapper().readTree(line);
            assertThat(node.path("url").asText()).isEqualTo("/v1/chat/completions");
            assertThat(node.path("body").path("messages")).hasSize(2);
            streaming += node.path("body").path("stream").asBoolean() ? 1 : 0;
            big += node.path("body").path("model").asText().equals("gpt-4o") ? 1 : 0;
        }
        assertThat(streaming).isEqualTo(500);
        assertThat(big).isEqualTo(334);
        assertThat(Json.mapper().readTree(lines.get(41)).path("custom_id").asText()).isEqualTo("demo-0042");
        assertThat(DemoSample.prompts()).hasSizeGreaterThanOrEqualTo(40);
    }
}
