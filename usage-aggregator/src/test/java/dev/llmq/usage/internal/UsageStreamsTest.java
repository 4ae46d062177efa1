package dev.llmq.usage.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.usage.UsageSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/** The usage aggregator's Streams settings: what its guarantees rest on stays, the rest is the user's. */
class UsageStreamsTest {

    private static final HostInfo SELF = new HostInfo("127.0.0.1", 4003);

    /** The properties of an aggregator whose user set no Kafka property. */
    private static Properties defaults() {
        return UsageStreams.properties(UsageSettings.builder("127.0.0.1:9092", "u1").build(), Path.of("/tmp/unused"),
                SELF);
    }

    @Test
    void exactlyOnceAndItsStateHandlingAreNotTheUsersToChange() {
        Properties props = UsageStreams.properties(UsageSettings.builder("127.0.0.1:9092", "u1")
                .kafkaProperties(Map.of("processing.guarantee", "at_least_once", "state.cleanup.delay.ms", "600000",
                        "num.stream.threads", "4"))
                .build(), Path.of("/tmp/unused"), SELF);

        assertThat(props.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
                .isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        // a task directory without a checkpoint must be gone before the task can come back (ExactlyOnceState)
        assertThat(props.getProperty(StreamsConfig.STATE_CLEANUP_DELAY_MS_CONFIG)).isEqualTo("1000");
        assertThat(props.getProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo("1");
        assertThat(props.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG)).isEqualTo("127.0.0.1:4003");
    }

    @Test
    void theTransactionalProducerRetriesSoonUnlessTheUserSaysOtherwise() {
        Properties props = defaults();
        assertThat(props.getProperty(StreamsConfig.producerPrefix("retry.backoff.ms"))).isEqualTo("10");

        Properties theirs = UsageStreams.properties(UsageSettings.builder("127.0.0.1:9092", "u1")
                .kafkaProperties(Map.of("retry.backoff.ms", "250")).build(), Path.of("/tmp/unused"), SELF);
        assertThat(theirs.getProperty(StreamsConfig.producerPrefix("retry.backoff.ms"))).isNull();
        assertThat(theirs.getProperty("retry.backoff.ms")).isEqualTo("250");
    }

    @Test
    void fetchesWaitForSomeDataUnlessTheUserSaysOtherwise() {
        Properties props = defaults();
        assertThat(props).containsEntry(StreamsConfig.consumerPrefix("fetch.min.bytes"), "32768")
                .containsEntry(StreamsConfig.consumerPrefix("fetch.max.wait.ms"), "100");

        Properties theirs = UsageStreams.properties(UsageSettings.builder("127.0.0.1:9092", "u1")
                .kafkaProperties(Map.of("fetch.min.bytes", "1")).build(), Path.of("/tmp/unused"), SELF);
        assertThat(theirs).containsEntry("fetch.min.bytes", "1")
                .doesNotContainKey(StreamsConfig.consumerPrefix("fetch.min.bytes"))
                .containsEntry(StreamsConfig.consumerPrefix("fetch.max.wait.ms"), "100");
    }

    @Test
    void aKilledMembersTasksMoveAfterTenSecondsNotFortyFive() {
        Properties props = defaults();
        assertThat(props).containsEntry(StreamsConfig.consumerPrefix("session.timeout.ms"), "10000")
                .containsEntry(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), "2000")
                .containsEntry(StreamsConfig.mainConsumerPrefix("group.instance.id"), "u1-usage");
    }

    @Test
    void rocksDbMemoryIsBoundedForTheProcessUnlessTheUserNamesASetterOfTheirOwn() {
        Properties props = defaults();
        assertThat(props.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo(UsageRocksDbMemory.class);
        assertThat(props.get(UsageRocksDbMemory.BYTES_CONFIG)).isEqualTo(Long.toString(256L << 20));
        assertThat(UsageStreams.properties(UsageSettings.builder("127.0.0.1:9092", "u1")
                .rocksDbMemoryBytes(1L << 30).build(), Path.of("/tmp/unused"), SELF)
                .get(UsageRocksDbMemory.BYTES_CONFIG)).isEqualTo(Long.toString(1L << 30));

        Properties theirs = UsageStreams.properties(UsageSettings.builder("127.0.0.1:9092", "u1")
                .kafkaProperties(Map.of("rocksdb.config.setter", "com.example.TheirSetter")).build(),
                Path.of("/tmp/unused"), SELF);
        assertThat(theirs.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo("com.example.TheirSetter");
    }

    @Test
    void processingErrorsOfGlobalTablesGoToTheHandlerAsFromKafka5() {
        // without it Kafka Streams logs a warning at every start, also from its partition assignor, which builds its
        // own StreamsConfig of the main consumer's configs
        Properties props = defaults();
        String key = StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG;
        assertThat(new StreamsConfig(props).getBoolean(key)).isTrue();
        assertThat(new StreamsConfig(props).getMainConsumerConfigs("group", "client", 0)).containsEntry(key, "true");
    }
}
