package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code bench kafka}'s traffic on a real broker: every job's records written once, read back with a plain client. */
@ExtendWith(KafkaClusterExtension.class)
class KafkaFloorIT {

    private static final int JOBS = 1_000;

    @Test
    void everyJobGetsItsResultInATransactionAndTwoChangelogRecords(KafkaCluster kafka) throws Exception {
        String prefix = "it-" + UUID.randomUUID() + ".";
        KafkaFloor.Sizes sizes = new KafkaFloor.Sizes(200, 300, 100);
        long sent;
        try (KafkaFloor floor = KafkaFloor.start(kafka.bootstrapServers(), prefix,
                KafkaFloor.Options.endToEnd(3, sizes, Duration.ZERO, true))) {
            sent = floor.run(32, Duration.ofMinutes(2), JOBS, 0);
            assertThat(sent).isEqualTo(JOBS);
            assertThat(floor.completed()).isEqualTo(JOBS);
            assertThat(floor.results()).isEqualTo(JOBS);
            assertThat(floor.transactions()).isBetween(1L, (long) JOBS);
            // a job completes when the status loop reads its result, which it may read before the job's own record
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(floor.changelog())
                    .as("a snapshot per job and per result").isEqualTo(2L * JOBS));
            floor.check();
        }
        try (KafkaFloor paced = KafkaFloor.start(kafka.bootstrapServers(), prefix + "paced.",
                KafkaFloor.Options.endToEnd(3, sizes, Duration.ofMillis(50), false))) {
            long begun = System.nanoTime();
            assertThat(paced.run(64, 200, Duration.ofSeconds(1), Long.MAX_VALUE, 0)).as("one second at 200 jobs/s")
                    .isEqualTo(200);
            assertThat(System.nanoTime() - begun).as("paced, not sent at once").isGreaterThan(900_000_000L);
            assertThat(paced.completed()).isEqualTo(200);
            assertThat(paced.transactions()).as("at most one transaction every 50 ms").isBetween(1L, 30L);
            assertThat(paced.changelog()).as("no status changelog").isZero();
        }
        List<ConsumerRecord<String, byte[]>> results = read(kafka, prefix + KafkaFloor.RESULTS, JOBS);
        assertThat(results).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(
                LongStream.range(0, JOBS).mapToObj(KafkaFloor::jobId).toList());
        assertThat(results).allSatisfy(r -> {
            assertThat(r.value()).hasSize(300);
            assertThat(r.headers().lastHeader("ce_id").value()).asString().isEqualTo(r.key());
        });
        List<ConsumerRecord<String, byte[]>> changelog = read(kafka, prefix + KafkaFloor.CHANGELOG, 2 * JOBS);
        assertThat(endOffsets(kafka, prefix + "paced." + KafkaFloor.CHANGELOG)).as("nothing written").isZero();
        assertThat(endOffsets(kafka, prefix + "paced." + KafkaFloor.JOBS)).isEqualTo(200);
        Map<Integer, Long> bySize = new HashMap<>();
        changelog.forEach(r -> bySize.merge(r.value().length, 1L, Long::sum));
        assertThat(bySize).as("a job's snapshot and its result's, for every job").containsExactlyInAnyOrderEntriesOf(
                Map.of(100, (long) JOBS, 400, (long) JOBS));
        assertThat(committed(kafka, prefix + KafkaFloor.WORKERS)).as("the results transactions' offsets")
                .isEqualTo(JOBS);
        assertThat(committed(kafka, prefix + KafkaFloor.WORKERS + ".starts")).as("the start offsets").isEqualTo(JOBS);
    }

    @Test
    void submissionsWriteTheirJobsAndTheirListInOneTransactionAndCompleteWhenCommittedWithoutAWorker(KafkaCluster kafka)
            throws Exception {
        String prefix = "it-" + UUID.randomUUID() + ".";
        KafkaFloor.Options options = new KafkaFloor.Options(3, new KafkaFloor.Sizes(200, 300, 100), Duration.ZERO,
                true, 50, false);
        try (KafkaFloor floor = KafkaFloor.start(kafka.bootstrapServers(), prefix, options)) {
            assertThat(floor.run(2, Duration.ofMinutes(2), 10, 0)).as("jobs sent").isEqualTo(500);
            assertThat(floor.completed()).isEqualTo(500);
            assertThat(floor.transactions()).as("no worker loop").isZero();
            // the status loop reads behind the writes
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(floor.changelog())
                    .as("a snapshot per job and the lists").isEqualTo(510));
        }
        assertThat(read(kafka, prefix + KafkaFloor.JOBS, 500)).extracting(ConsumerRecord::key)
                .containsExactlyInAnyOrderElementsOf(LongStream.range(0, 500).mapToObj(KafkaFloor::jobId).toList());
        List<ConsumerRecord<String, byte[]>> lists = read(kafka, prefix + KafkaFloor.BATCHES, 10);
        assertThat(lists).hasSize(10).allSatisfy(r -> assertThat(r.value()).hasSize(50 * 48));
        List<ConsumerRecord<String, byte[]>> changelog = read(kafka, prefix + KafkaFloor.CHANGELOG, 510);
        assertThat(changelog).as("a snapshot per job and the lists").hasSize(510);
        assertThat(endOffsets(kafka, prefix + KafkaFloor.RESULTS)).isZero();

        // single jobs at a rate, sent without a thread each: every one written and acknowledged when run returns
        long closed;
        try (KafkaFloor single = KafkaFloor.start(kafka.bootstrapServers(), prefix + "single.",
                new KafkaFloor.Options(3, new KafkaFloor.Sizes(200, 300, 100), Duration.ZERO, true, 1, false))) {
            long begun = System.nanoTime();
            assertThat(single.run(8, 300, Duration.ofSeconds(1), Long.MAX_VALUE, 0)).as("one second at 300 jobs/s")
                    .isEqualTo(300);
            assertThat(System.nanoTime() - begun).as("paced, not sent at once").isGreaterThan(900_000_000L);
            assertThat(single.completed()).as("acknowledged before run returned").isEqualTo(300);
            // then a closed loop of single jobs, also without a thread each, that stops when its duration is up
            closed = single.run(8, Duration.ofMillis(500), Long.MAX_VALUE, 300);
            assertThat(closed).as("jobs of a closed loop of 8 over half a second").isPositive();
            assertThat(single.completed()).as("acknowledged before run returned").isEqualTo(300 + closed);
        }
        assertThat(endOffsets(kafka, prefix + "single." + KafkaFloor.JOBS)).isEqualTo(300 + closed);
    }

    /** Reads {@code topic} from the start ({@code read_committed}) until it held more than {@code expected} or 5 s
     * passed with nothing new after {@code expected} records. */
    private static List<ConsumerRecord<String, byte[]>> read(KafkaCluster kafka, String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                int before = out.size();
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                if (out.size() >= expected && (quietUntil == Long.MAX_VALUE || out.size() > before)) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                }
            }
        }
        return out;
    }

    /** The sum of the end offsets of the topic's partitions. */
    private static long endOffsets(KafkaCluster kafka, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            assertThat(partitions).isNotEmpty();
            return c.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** The sum of the group's committed offsets: the records it consumed, for topics that start at offset 0. */
    private static long committed(KafkaCluster kafka, String group) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            return offsets.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
        }
    }
}
