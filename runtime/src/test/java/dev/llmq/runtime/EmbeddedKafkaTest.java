package dev.llmq.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    @Test
    void requestPoolsFollowTheCoresUpToKafkasDefaults() {
        assertThat(EmbeddedKafka.threadPools(1)).containsOnly(entry("num.network.threads", "1"),
                entry("num.io.threads", "2"));
        assertThat(EmbeddedKafka.threadPools(2)).containsOnly(entry("num.network.threads", "1"),
                entry("num.io.threads", "2"));
        assertThat(EmbeddedKafka.threadPools(4)).containsOnly(entry("num.network.threads", "2"),
                entry("num.io.threads", "4"));
        assertThat(EmbeddedKafka.threadPools(8)).containsOnly(entry("num.network.threads", "3"),
                entry("num.io.threads", "8"));
        assertThat(EmbeddedKafka.threadPools(64)).containsOnly(entry("num.network.threads", "3"),
                entry("num.io.threads", "8"));
    }

    @Test
    void theBrokerGetsThePoolsForThisMachineUnlessAPropertySaysOtherwise(@TempDir Path dir) {
        Properties sized = EmbeddedKafka.builder().dataDir(dir).build().brokerProperties(9092, 9093);
        EmbeddedKafka.threadPools(Runtime.getRuntime().availableProcessors())
                .forEach((key, value) -> assertThat(sized).containsEntry(key, value));

        Properties overridden = EmbeddedKafka.builder().dataDir(dir).brokerProperty("num.io.threads", "5").build()
                .brokerProperties(9092, 9093);
        assertThat(overridden).containsEntry("num.io.threads", "5");
    }
}
