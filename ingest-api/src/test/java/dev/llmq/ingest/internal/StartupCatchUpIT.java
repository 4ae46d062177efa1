package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.StartupCatchUp;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.testkit.kafka.LogEnds;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The status store's start-up catch-up on a real broker: a group committed right after a partition's last record,
 * with only a transaction's commit marker after it, has caught up (a stream may never commit past that marker); a
 * group that has not processed the last record has not; a record written to a derived (repartition) topic after the
 * catch-up started, from an input record it had to reach, must be processed too.
 */
@ExtendWith(KafkaClusterExtension.class)
class StartupCatchUpIT {

    private static KafkaProducer<String, String> transactional(KafkaCluster kafka) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "catch-up-" + UUID.randomUUID()), new StringSerializer(),
                new StringSerializer());
    }

    @Test
    void aCommitMarkerAloneAfterTheCommittedOffsetIsCaughtUpARecordIsNot(KafkaCluster kafka) throws Exception {
        String topic = "catch-up-" + UUID.randomUUID();
        TopicPartition tp = new TopicPartition(topic, 0);
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            try (KafkaProducer<String, String> producer = transactional(kafka)) {
                producer.initTransactions();
                producer.beginTransaction();
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i));
                }
                producer.commitTransaction();
            }
            // records at 0..2, the commit marker at 3: read_committed readers end at 4 (once it is written)
            await().atMost(Duration.ofSeconds(30)).until(() -> LogEnds.read(admin, List.of(tp)).lastStable().get(tp),
                    end -> end == 4);
            admin.alterConsumerGroupOffsets("done", Map.of(tp, new OffsetAndMetadata(3))).all().get();
            admin.alterConsumerGroupOffsets("behind", Map.of(tp, new OffsetAndMetadata(2))).all().get();

            try (StartupCatchUp done = new StartupCatchUp("test", admin, "done", List.of(topic), List.of(),
                    Duration.ofSeconds(5), props);
                 StartupCatchUp behind = new StartupCatchUp("test", admin, "behind", List.of(topic), List.of(),
                         Duration.ofSeconds(5), props)) {
                done.start();
                behind.start();
                await().atMost(Duration.ofSeconds(30)).until(done::caughtUp);
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> !behind.caughtUp());
                assertThat(behind.caughtUp()).isFalse();
            }
        }
    }

    @Test
    void aPartitionOfAbortedRecordsOnlyIsCaughtUpWithoutACommittedOffsetOneWithARecordIsNot(KafkaCluster kafka)
            throws Exception {
        String topic = "catch-up-aborted-" + UUID.randomUUID();
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            try (KafkaProducer<String, String> producer = transactional(kafka)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, 0, "k", "v")).get();
                producer.abortTransaction();
            }
            TopicPartition p0 = new TopicPartition(topic, 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> LogEnds.read(admin, List.of(p0)).lastStable().get(p0),
                    end -> end == 2); // the abort's marker written
            // partition 0: an aborted record and its marker (a read_committed reader ends at 2), partition 1 empty:
            // a group that never read a record has nothing to commit, and has caught up
            try (StartupCatchUp aborted = new StartupCatchUp("test", admin, "never-committed-" + UUID.randomUUID(),
                    List.of(topic), List.of(), Duration.ofSeconds(5), props)) {
                aborted.start();
                await().atMost(Duration.ofSeconds(30)).until(aborted::caughtUp);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, 1, "k", "v")).get();
            }
            try (StartupCatchUp unread = new StartupCatchUp("test", admin, "never-committed-" + UUID.randomUUID(),
                    List.of(topic), List.of(), Duration.ofSeconds(5), props)) {
                unread.start();
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> !unread.caughtUp());
            }
        }
    }

    @Test
    void aDerivedRecordWrittenAfterTheStartFromAnInputRecordMustBeProcessedToo(KafkaCluster kafka) throws Exception {
        String input = "catch-up-in-" + UUID.randomUUID();
        String derived = "catch-up-derived-" + UUID.randomUUID();
        TopicPartition in = new TopicPartition(input, 0);
        TopicPartition out = new TopicPartition(derived, 0);
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(props);
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                     new StringSerializer(), new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic(input, 1, (short) 1), new NewTopic(derived, 1, (short) 1)))
                    .all().get();
            producer.send(new ProducerRecord<>(input, 0, "job", "accepted just before the start")).get();
            try (StartupCatchUp catchUp = new StartupCatchUp("test", admin, "staged", List.of(input), List.of(derived),
                    Duration.ofSeconds(5), props)) {
                catchUp.start();
                await().atMost(Duration.ofSeconds(30)).until(catchUp::targetsNoted);
                // the application processes the input record: it writes the derived record, then commits the input
                producer.send(new ProducerRecord<>(derived, 0, "job", "re-keyed")).get();
                admin.alterConsumerGroupOffsets("staged", Map.of(in, new OffsetAndMetadata(1))).all().get();
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> !catchUp.caughtUp());
                assertThat(catchUp.caughtUp()).as("the derived record is not processed yet").isFalse();

                admin.alterConsumerGroupOffsets("staged", Map.of(in, new OffsetAndMetadata(1),
                        out, new OffsetAndMetadata(1))).all().get();
                await().atMost(Duration.ofSeconds(30)).until(catchUp::caughtUp);
            }
        }
    }
}
