package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.ingest.IngestSettings;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.StoredFile;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The file store on the embedded broker: the file topics compact deleted bytes away within a day, what it writes comes
 * back whole, and expired files are deleted.
 */
@ExtendWith(KafkaClusterExtension.class)
class FileStoreIT {

    @Test
    void anExpiredFileIsSweptAwayAndAFreshOneStays(KafkaCluster kafka) throws InterruptedException {
        TopicNames topics = new TopicNames("it-files-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topics, 1,
                (short) 1).ensureTopics(Duration.ofSeconds(30));
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "files-store").topics(topics)
                .build();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers()))) {
            ConfigResource parts = new ConfigResource(ConfigResource.Type.TOPIC, topics.fileParts());
            Config config = admin.describeConfigs(List.of(parts)).all().get(10, TimeUnit.SECONDS).get(parts);
            // a deleted file's bytes are compacted away within a day, in segments of an hour
            assertThat(config.get("max.compaction.lag.ms").value()).isEqualTo("86400000");
            assertThat(config.get("segment.ms").value()).isEqualTo("3600000");
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError(e);
        }
        StepClock clock = new StepClock(Instant.now());
        try (ControlStates table = new ControlStates(settings);
             FileStore store = new FileStore(settings, table, KafkaProducer::new, KafkaConsumer::new, clock)) {
            table.start();
            await().atMost(Duration.ofSeconds(30)).until(table::ready);
            Instant now = clock.instant();
            StoredFile hour = store.write(draft("file-1", now, now.plus(Duration.ofHours(1))), bytes("one\n"));
            StoredFile month = store.write(draft("file-2", now, now.plus(Duration.ofDays(30))), bytes("two\n"));
            assertThat(store.files(null, 10, f -> true)).extracting(StoredFile::id).containsExactly("file-2",
                    "file-1");
            assertThat(store.sweep()).isZero();

            clock.advance(Duration.ofHours(2));
            assertThat(store.file("file-1")).as("expired: not found even before the sweep").isEmpty();
            assertThat(store.files(null, 10, f -> true)).extracting(StoredFile::id).containsExactly("file-2");
            assertThat(store.sweep()).isEqualTo(1);
            assertThat(table.file("file-1")).as("deleted from the table").isEmpty();
            assertThat(store.sweep()).isZero();
            assertThat(hour.parts()).isEqualTo(1);
            assertThat(new String(store.content(month), StandardCharsets.UTF_8)).isEqualTo("two\n");
        }
    }

    private static StoredFile draft(String id, Instant created, Instant expires) {
        return new StoredFile(StoredFile.SCHEMA_VERSION, id, null, id + ".jsonl", "batch", 4, 1, created, expires, 0,
                1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
