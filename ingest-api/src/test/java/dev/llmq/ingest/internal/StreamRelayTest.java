package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class StreamRelayTest {

    @Test
    void partitionMatchesKafkasDefaultPartitionerForStringKeys() {
        for (int i = 0; i < 2000; i++) {
            String key = "job_" + Integer.toHexString(i * 7919);
            for (int partitions : new int[] {1, 3, 12, 50}) {
                assertThat(StreamRelay.partitionFor(key, partitions)).isEqualTo(
                        BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), partitions));
            }
        }
    }
}
