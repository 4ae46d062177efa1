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
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
 * back whole (also with another file's parts between its own), expired files are deleted, a transaction whose
 * work throws leaves nothing behind, a long one does not hold up the others, and a restart aborts what a killed
 * instance left open.
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
            assertThat(store.files(null, false, 10, f -> true)).extracting(StoredFile::id).containsExactly("file-2",
                    "file-1");
            assertThat(store.files(null, true, 10, f -> true)).extracting(StoredFile::id).containsExactly("file-1",
                    "file-2");
            assertThat(store.files("file-1", true, 10, f -> true)).extracting(StoredFile::id).containsExactly("file-2");
            assertThat(store.files("file-2", false, 10, f -> true)).extracting(StoredFile::id)
                    .containsExactly("file-1");
            assertThat(store.files("file-2", true, 10, f -> true)).isEmpty();
            assertThat(store.sweep()).isZero();

            clock.advance(Duration.ofHours(2));
            assertThat(store.file("file-1")).as("expired: not found even before the sweep").isEmpty();
            assertThat(store.files(null, false, 10, f -> true)).extracting(StoredFile::id).containsExactly("file-2");
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

    /**
     * A job line may be as large as a request body ({@code llmq.ingest.max_body_bytes}), larger than a file producer's
     * own buffer: the producer takes it; and {@code llmq.kafka} may set the producer's sizes and timeout as strings.
     */
    @Test
    void aRecordAsLargeAsARequestBodyFitsAFileProducer(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        int size = (int) FileStore.BUFFER_BYTES + 1024 * 1024; // zeros: the lz4 batch the broker gets is small
        for (Map<String, String> kafkaProperties : List.of(Map.<String, String>of(),
                Map.of("max.request.size", "12582912", "transaction.timeout.ms", "90000"))) {
            IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "files-large").topics(topics)
                    .kafkaProperties(kafkaProperties).build();
            try (ControlStates table = new ControlStates(settings);
                 FileStore store = new FileStore(settings, table, KafkaProducer::new, KafkaConsumer::new,
                         Clock.systemUTC())) {
                long offset = store.inTransaction("batch", p -> p.send(new ProducerRecord<>(topics.jobs(), 0,
                        "job-large", new byte[size])).get().offset());
                assertThat(offset).as("with %s", kafkaProperties).isNotNegative();
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
     * An instance killed while it wrote two batches from files leaves both transactions open (in two of its file
     * producers); the same instance started again aborts both at once (its file producers are made at start), rather
     * than after the transaction timeout, so the workers read past them.
     */
    @Test
    void aRestartedInstanceAbortsTheFileTransactionsItsPredecessorLeftOpen(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "files-restart").topics(topics)
                .build();
        CountDownLatch written = new CountDownLatch(2);
        CountDownLatch never = new CountDownLatch(1);
        TopicPartition tp = new TopicPartition(topics.jobs(), 0);
        try (ControlStates table = new ControlStates(settings);
             FileStore killed = new FileStore(settings, table, KafkaProducer::new, KafkaConsumer::new,
                     Clock.systemUTC());
             ExecutorService pool = Executors.newFixedThreadPool(2);
             Consumer<String, byte[]> reader = new KafkaConsumer<>(KafkaClients.consumer(settings, "restart-reader"))) {
            List<Future<Object>> open = new ArrayList<>();
            for (String job : List.of("job-1", "job-2")) {
                open.add(pool.submit(() -> killed.inTransaction("batch", p -> {
                    p.send(new ProducerRecord<>(topics.jobs(), 0, job, new byte[] {'{', '}'}));
                    p.flush();
                    written.countDown();
                    return never.await(2, TimeUnit.MINUTES);
                })));
            }
            assertThat(written.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(reader.endOffsets(List.of(tp)).get(tp)).as("the open transactions hold the reader back")
                    .isZero();
            long started = System.nanoTime();
            try (FileStore restarted = new FileStore(settings, table, KafkaProducer::new, KafkaConsumer::new,
                    Clock.systemUTC())) {
                restarted.start();
                // both records, then both abort markers: readable up to 4 only once the second is aborted too
                await().atMost(Duration.ofSeconds(30)).until(() -> reader.endOffsets(List.of(tp)).get(tp) == 4);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(FileStore.TRANSACTION_TIMEOUT);
            }
            never.countDown();
            for (Future<Object> f : open) {
                assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).as("a fenced transaction cannot commit")
                        .isInstanceOf(ExecutionException.class);
            }
            reader.assign(List.of(tp));
            reader.seekToBeginning(List.of(tp));
            assertThat(reader.poll(Duration.ofSeconds(1))).as("what they wrote was aborted").isEmpty();
        }
    }

    /**
     * A file transaction that lasts (a batch of 50,000 lines) does not hold up the instance's other file requests: with
     * two file transactions, an upload goes through while one is open; with both open, the next request waits for
     * one of them and answers 503 {@code ingest_busy} when none ends in time, having written nothing; once they end,
     * uploads go through again. {@code llmq.ingest.file_transactions} counts those being written.
     */
    @Test
    void aLongFileTransactionDoesNotHoldUpTheOthers(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "files-slots").topics(topics)
                .fileTransactions(2).build();
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Instant now = Instant.now();
        try (ControlStates table = new ControlStates(settings);
             FileStore store = new FileStore(settings, table, KafkaProducer::new, KafkaConsumer::new,
                     Clock.systemUTC(), Duration.ofSeconds(1));
             ExecutorService pool = Executors.newFixedThreadPool(2)) {
            MeterRegistry registry = new SimpleMeterRegistry();
            new IngestMetrics(registry).files(store);
            Gauge inUse = registry.get("llmq.ingest.file_transactions").gauge();
            table.start();
            await().atMost(Duration.ofSeconds(30)).until(table::ready);
            assertThat(inUse.value()).isZero();
            Future<Boolean> long1 = pool.submit(() -> store.inTransaction("batch", p -> {
                first.countDown();
                return release.await(2, TimeUnit.MINUTES);
            }));
            assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();
            StoredFile beside = store.write(draft("file-beside", now, null), bytes("one\n"));
            assertThat(store.file(beside.id())).as("written while a long transaction is open").isPresent();

            Future<Boolean> long2 = pool.submit(() -> store.inTransaction("batch", p -> {
                second.countDown();
                return release.await(2, TimeUnit.MINUTES);
            }));
            assertThat(second.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(inUse.value()).as("both in use, of %s", store.capacity()).isEqualTo(2);
            assertThatThrownBy(() -> store.write(draft("file-busy", now, null), bytes("two\n")))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.code()).isEqualTo("ingest_busy");
                        assertThat(e.getMessage()).contains("all 2 file transactions", "upload was not started");
                        assertThat(e.retryAfterSeconds()).isPositive();
                    });
            assertThat(store.file("file-busy")).isEmpty();

            release.countDown();
            assertThat(long1.get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(long2.get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(inUse.value()).isZero();
            StoredFile after = store.write(draft("file-after", now, null), bytes("three\n"));
            try (InputStream in = store.open(after)) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("three\n");
            }
        }
    }
}
