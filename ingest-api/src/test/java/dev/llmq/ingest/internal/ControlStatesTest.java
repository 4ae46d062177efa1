package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.TopicNames;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/** The control states' topology on TopologyTestDriver: the control topic's latest record per key. */
class ControlStatesTest {

    private static final TopicNames TOPICS = new TopicNames("t");
    private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");

    @Test
    void theLatestRecordPerKeyIsKeptAndATombstoneRemovesIt() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "control-states-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(ControlStates.topology(TOPICS), props, T0)) {
            TestInputTopic<String, byte[]> control = driver.createInputTopic(TOPICS.control(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer());
            control.pipeInput("budget:tenant:acme", "{\"v\":1}".getBytes(), T0);
            control.pipeInput("budget:tenant:acme", "{\"v\":2}".getBytes(), T0.plusSeconds(1));
            control.pipeInput("budget:tag:eval", "{\"v\":3}".getBytes(), T0.plusSeconds(2));
            control.pipeInput("budget:tag:eval", null, T0.plusSeconds(3));

            KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ControlStates.STORE);
            assertThat(new String(store.get("budget:tenant:acme"))).isEqualTo("{\"v\":2}");
            assertThat(store.get("budget:tag:eval")).isNull();
        }
    }

    @Test
    void processingErrorsOfTheGlobalTableGoToTheHandlerAsFromKafka5() {
        // the control states are a global table; without it Kafka Streams logs a warning at every start
        Properties props = ControlStates.properties(IngestSettings.builder("kafka:9092", "ingest-1").build());
        String key = StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG;
        assertThat(new StreamsConfig(props).getBoolean(key)).isTrue();
    }
}
