package dev.llmq.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The settings llmq gives its Kafka Streams applications step aside for the user's. */
class StreamsDefaultsTest {

    private static final String GLOBAL = "processing.exception.handler.global.enabled";

    @Test
    void globalTablesGetTheProcessingHandlerAlsoWhereThePartitionAssignorLooks() {
        Properties props = new Properties();
        StreamsDefaults.globalProcessingErrorsHandled(props, Map.of());
        assertThat(props).containsEntry(GLOBAL, "true").containsEntry("main.consumer." + GLOBAL, "true");
    }

    @Test
    void theUsersChoiceForGlobalTablesStandsAndReachesTheAssignorToo() {
        Properties props = new Properties();
        props.put(GLOBAL, "false"); // as the roles copy the user's Kafka properties in first
        StreamsDefaults.globalProcessingErrorsHandled(props, Map.of(GLOBAL, "false"));
        assertThat(props).containsEntry(GLOBAL, "false").containsEntry("main.consumer." + GLOBAL, "false");
    }

    @Test
    void aConsumerDefaultStepsAsideForTheUsersKey() {
        Properties props = new Properties();
        StreamsDefaults.consumer(props, Map.of(), "fetch.min.bytes", 32_768);
        StreamsDefaults.consumer(props, Map.of("fetch.max.wait.ms", "500"), "fetch.max.wait.ms", 100);
        assertThat(props).containsEntry("consumer.fetch.min.bytes", "32768")
                .doesNotContainKey("consumer.fetch.max.wait.ms");
    }

    @Test
    void aShortSessionUnlessTheUserChoseOne() {
        Properties props = new Properties();
        StreamsDefaults.shortSession(props, Map.of());
        assertThat(props).containsEntry("consumer.session.timeout.ms", "10000")
                .containsEntry("consumer.heartbeat.interval.ms", "2000");
        Properties chosen = new Properties();
        StreamsDefaults.shortSession(chosen, Map.of("session.timeout.ms", "45000"));
        assertThat(chosen).doesNotContainKey("consumer.session.timeout.ms")
                .containsEntry("consumer.heartbeat.interval.ms", "2000");
    }

    @Test
    void theMainConsumerIsAStaticMemberUnlessTheUserChoseAnId() {
        Properties props = new Properties();
        StreamsDefaults.staticMember(props, Map.of(), "ingest-1-status");
        assertThat(props).containsEntry("main.consumer.group.instance.id", "ingest-1-status")
                .doesNotContainKey("consumer.group.instance.id");
        Properties chosen = new Properties();
        StreamsDefaults.staticMember(chosen, Map.of("group.instance.id", "mine"), "ingest-1-status");
        assertThat(chosen).isEmpty();
    }
}
