package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.Json;
import org.junit.jupiter.api.Test;

class KafkaChunkPublisherTest {

    private static ObjectNode parse(String json) throws Exception {
        return (ObjectNode) Json.mapper().readTree(json);
    }

    @Test
    void onlyPlainContentDeltasAreMergeable() throws Exception {
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"id\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}")))
                .isEqualTo("hi");
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}"))).isNull();
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}"))).isNull();
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[]}}]}"))).isNull();
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[],\"usage\":{\"total_tokens\":3}}"))).isNull();
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}},{\"index\":1,\"delta\":{\"content\":\"b\"}}]}")))
                .isNull();
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"logprobs\":{\"content\":[]}}]}"))).isNull();
    }
}
