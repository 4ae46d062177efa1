package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.llmq.ingest.IngestSettings;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.StoredFile;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The file store on the embedded broker: the file topics compact deleted bytes away within a day, what it writes comes
 * back whole (also with another file's parts between its own), expired files are deleted, and a transaction whose
 * work throws leaves nothing behind.
 */
@ExtendWith(KafkaClusterExtension.class)
class FileStoreIT {

    @Test
    void anExpiredFileIsSweptAwayAndAFreshOneStays(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
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
            try (InputStream in = store.open(month)) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("two\n");
            }
        }
    }

    /**
     * A file's parts with another file's between them on the one partition (two instances writing at once) come back
     * whole and in order, read a part at a time; what the store itself writes too.
     */
    @Test
    void aFileWhosePartsLieBetweenAnothersReadsBackWhole(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "files-parts").topics(topics)
                .build();
        Random random = new Random(7);
        byte[][] x = new byte[3][];
        byte[][] y = new byte[3][];
        for (int i = 0; i < 3; i++) {
            x[i] = new byte[i == 2 ? 17 : StoredFile.PART_BYTES];
            y[i] = new byte[StoredFile.PART_BYTES];
            random.nextBytes(x[i]);
            random.nextBytes(y[i]);
        }
        byte[] big = new byte[5 * StoredFile.PART_BYTES + 1];
        random.nextBytes(big);
        Instant now = Instant.now();
        try (ControlStates table = new ControlStates(settings);
             FileStore store = new FileStore(settings, table, KafkaProducer::new, KafkaConsumer::new,
                     Clock.systemUTC())) {
            table.start();
            await().atMost(Duration.ofSeconds(30)).until(table::ready);
            long first = store.inTransaction("upload", p -> {
                Future<RecordMetadata> x0 = null;
                for (int i = 0; i < 3; i++) { // y's parts first, then x's: y0 x0 y1 x1 y2 x2
                    p.send(new ProducerRecord<>(topics.fileParts(), 0, StoredFile.partKey("file-y", i), y[i]));
                    Future<RecordMetadata> sent = p.send(new ProducerRecord<>(topics.fileParts(), 0,
                            StoredFile.partKey("file-x", i), x[i]));
                    x0 = i == 0 ? sent : x0;
                }
                p.flush();
                return x0.get().offset();
            });
            StoredFile interleaved = new StoredFile(StoredFile.SCHEMA_VERSION, "file-x", null, "x.jsonl", "batch",
                    2L * StoredFile.PART_BYTES + 17, 1, now, null, first, 3);
            try (InputStream in = store.open(interleaved)) {
                assertThat(in.readAllBytes()).isEqualTo(concat(x));
            }
            StoredFile written = store.write(draft("file-big", now, null), new ByteArrayInputStream(big));
            assertThat(written.parts()).isEqualTo(6);
            assertThat(written.bytes()).isEqualTo(big.length);
            try (InputStream in = store.open(written)) {
                assertThat(in.readAllBytes()).isEqualTo(big);
            }
        }
    }

    private static byte[] concat(byte[][] parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /**
     * Work that throws inside a file transaction (a batch whose line is refused halfway) leaves nothing a
     * {@code read_committed} reader sees, and the next transaction goes through.
     */
    @Test
    void aTransactionWhoseWorkThrowsLeavesNothingBehind(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "files-tx").topics(topics).build();
        try (ControlStates table = new ControlStates(settings);
             FileStore store = new FileStore(settings, table, KafkaProducer::new, KafkaConsumer::new,
                     Clock.systemUTC())) {
            ApiException refused = ApiException.invalid("invalid_value", "model", "line 2: refused");
            assertThatThrownBy(() -> store.inTransaction("batch", p -> {
                p.send(new ProducerRecord<>(topics.jobs(), "job-1", bytes("{}").readAllBytes()));
                p.flush();
                throw refused;
            })).isSameAs(refused);
            store.inTransaction("batch", p -> p.send(new ProducerRecord<>(topics.jobs(), "job-2",
                    bytes("{}").readAllBytes())));
            Map<String, Object> config = KafkaClients.consumer(settings, "files-tx-reader");
            try (Consumer<String, byte[]> reader = new KafkaConsumer<>(config)) {
                List<TopicPartition> partitions = reader.partitionsFor(topics.jobs()).stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                reader.assign(partitions);
                reader.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = reader.endOffsets(partitions);
                List<String> keys = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    reader.poll(Duration.ofMillis(100)).forEach(r -> keys.add(r.key()));
                    return partitions.stream().allMatch(tp -> reader.position(tp) >= end.get(tp));
                });
                assertThat(keys).containsExactly("job-2");
            }
        }
    }

    private static TopicNames topics(KafkaCluster kafka) throws InterruptedException {
        TopicNames topics = new TopicNames("it-files-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topics, 1,
                (short) 1).ensureTopics(Duration.ofSeconds(30));
        return topics;
    }

    private static StoredFile draft(String id, Instant created, Instant expires) {
        return new StoredFile(StoredFile.SCHEMA_VERSION, id, null, id + ".jsonl", "batch", 4, 1, created, expires, 0,
                1);
    }

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An instance killed while it wrote a batch from a file leaves its transaction open; the same instance started
     * again aborts it at once (its file producer is made at start), rather than after the transaction timeout, so
     * the workers read past it.
     */
    @Test
    void aRestartedInstanceAbortsTheFileTransactionItsPredecessorLeftOpen(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "files-restart").topics(topics)
                .build();
        CountDownLatch written = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        TopicPartition tp = new TopicPartition(topics.jobs(), 0);
        try (ControlStates table = new ControlStates(settings);
             FileStore killed = new FileStore(settings, table, KafkaProducer::new, KafkaConsumer::new,
                     Clock.systemUTC());
             ExecutorService pool = Executors.newSingleThreadExecutor();
             Consumer<String, byte[]> reader = new KafkaConsumer<>(KafkaClients.consumer(settings, "restart-reader"))) {
            Future<Object> open = pool.submit(() -> killed.inTransaction("batch", p -> {
                p.send(new ProducerRecord<>(topics.jobs(), 0, "job-1", new byte[] {'{', '}'}));
                p.flush();
                written.countDown();
                return never.await(2, TimeUnit.MINUTES);
            }));
            assertThat(written.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(reader.endOffsets(List.of(tp)).get(tp)).as("the open transaction holds the reader back")
                    .isZero();
            long started = System.nanoTime();
            try (FileStore restarted = new FileStore(settings, table, KafkaProducer::new, KafkaConsumer::new,
                    Clock.systemUTC())) {
                restarted.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> reader.endOffsets(List.of(tp)).get(tp) > 0);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(FileStore.TRANSACTION_TIMEOUT);
            }
            never.countDown();
            assertThatThrownBy(() -> open.get(60, TimeUnit.SECONDS)).as("the fenced transaction cannot commit")
                    .isInstanceOf(ExecutionException.class);
            reader.assign(List.of(tp));
            reader.seekToBeginning(List.of(tp));
            assertThat(reader.poll(Duration.ofSeconds(1))).as("what it wrote was aborted").isEmpty();
        }
    }
}
