package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.config.GroupCommit;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.testkit.kafka.LogEnds;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Group commit on the embedded broker: concurrent multi-job submissions share transactions, a failed transaction
 * fails every member with nothing readable, a job too large fails alone, and a full queue answers 503 at once.
 * Failures are injected on real {@link KafkaProducer}s (a subclass throwing from {@code commitTransaction}).
 */
@ExtendWith(KafkaClusterExtension.class)
class GroupCommitIT {

    private static final int PARTITIONS = 3;
    /** The jobs' submission time, which stamps their records: now, as the test broker refuses old ones. */
    private static final Instant NOW = Instant.now();

    private final List<JobPublisher> publishers = new ArrayList<>();
    private final AtomicInteger commitAttempts = new AtomicInteger();
    private final AtomicInteger sends = new AtomicInteger();
    private final AtomicBoolean failCommits = new AtomicBoolean();
    private final AtomicBoolean dieInCommit = new AtomicBoolean();
    private final CountDownLatch beginHeld = new CountDownLatch(1);
    private final CountDownLatch releaseBegin = new CountDownLatch(1);
    private final AtomicBoolean holdBegin = new AtomicBoolean();

    @AfterEach
    void close() {
        releaseBegin.countDown();
        publishers.forEach(JobPublisher::close);
    }

    private static TopicNames topics(KafkaCluster kafka) throws InterruptedException {
        TopicNames topics = new TopicNames("it-group-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topics,
                PARTITIONS, (short) 1).ensureTopics(Duration.ofSeconds(30));
        return topics;
    }

    private JobPublisher publisher(KafkaCluster kafka, TopicNames topics, int producers, GroupCommit group,
                                   Map<String, String> kafkaProperties) {
        return publisher(kafka, topics, producers, group, kafkaProperties, Duration.ofSeconds(5));
    }

    private JobPublisher publisher(KafkaCluster kafka, TopicNames topics, int producers, GroupCommit group,
                                   Map<String, String> kafkaProperties, Duration kafkaTimeout) {
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "group-" + UUID.randomUUID())
                .topics(topics).transactionalProducers(producers).groupCommit(group)
                .kafkaProperties(kafkaProperties).kafkaTimeout(kafkaTimeout).build();
        JobPublisher p = new JobPublisher(settings, faulty());
        publishers.add(p);
        p.start();
        await().atMost(Duration.ofSeconds(30)).until(p::ready);
        return p;
    }

    /** A publisher with one transactional producer lingering {@code lingerMs} for each group, no other limits. */
    private JobPublisher lingering(KafkaCluster kafka, TopicNames topics, int lingerMs) {
        return publisher(kafka, topics, 1, new GroupCommit(Duration.ofMillis(lingerMs), 1 << 20, 1 << 24), Map.of());
    }

    /** Real producers; the transactional ones count commits, fail them while armed and can hold a begin. */
    private Function<Map<String, Object>, Producer<String, byte[]>> faulty() {
        AtomicBoolean died = new AtomicBoolean(); // this publisher's
        return config -> {
            if (!config.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)) {
                return new KafkaProducer<>(config);
            }
            return new KafkaProducer<String, byte[]>(config) {
                @Override
                public void initTransactions() {
                    if (died.get()) { // a dead process makes no producer again (which would fence the old one)
                        throw new KafkaException("injected: the ingest is dead");
                    }
                    super.initTransactions();
                }

                @Override
                public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
                    sends.incrementAndGet();
                    return super.send(record, callback);
                }

                @Override
                public void beginTransaction() {
                    if (holdBegin.compareAndSet(true, false)) {
                        beginHeld.countDown();
                        try {
                            releaseBegin.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    super.beginTransaction();
                }

                @Override
                public void commitTransaction() {
                    commitAttempts.incrementAndGet();
                    if (dieInCommit.get()) { // as a killed process would: its records written, no commit, no abort
                        died.set(true);
                        flush();
                        close(Duration.ZERO);
                        throw new KafkaException("injected: the ingest died before its commit");
                    }
                    if (failCommits.get()) {
                        throw new KafkaException("injected: the commit failed");
                    }
                    super.commitTransaction();
                }
            };
        };
    }

    private static JobRequest job(String content) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("model", "gpt-4o");
        body.putArray("messages").addObject().put("role", "user").put("content", content);
        return new JobRequest(JobRequest.SCHEMA_VERSION, "job-" + UUID.randomUUID(), "batch-1", null, "t", "gpt-4o",
                body, false, 0, null, null, null, NOW, null);
    }

    private static List<JobRequest> jobs(int n) {
        List<JobRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(job("hello " + i));
        }
        return out;
    }

    /** {@code count} submissions of {@code jobsEach} small jobs. */
    private static List<List<JobRequest>> submissions(int count, int jobsEach) {
        List<List<JobRequest>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(jobs(jobsEach));
        }
        return out;
    }

    /** Starts every submission at once on its own thread; each outcome is null (202) or the exception. */
    private static List<RuntimeException> concurrently(JobPublisher p, List<List<JobRequest>> submissions)
            throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<RuntimeException>> outcomes = new ArrayList<>();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (List<JobRequest> s : submissions) {
                outcomes.add(threads.submit(() -> {
                    go.await();
                    try {
                        p.publishAll(s, null);
                        return null;
                    } catch (RuntimeException e) {
                        return e;
                    }
                }));
            }
            go.countDown();
        }
        List<RuntimeException> out = new ArrayList<>();
        for (Future<RuntimeException> f : outcomes) {
            out.add(f.get());
        }
        return out;
    }

    /**
     * The keys a read_committed reader sees on the batch jobs topic once no transaction is open on it (a commit's
     * markers are written just after the producer's commit returns: {@link LogEnds}).
     */
    private static Set<String> committedKeys(KafkaCluster kafka, TopicNames topics) {
        Set<String> keys = new HashSet<>();
        committed(kafka, topics.jobs()).forEach(r -> {
            assertThat(r.headers().lastHeader(LlmqHeaders.BATCH_LISTED)).as("the job's batch is listed").isNotNull();
            keys.add(r.key());
        });
        return keys;
    }

    /** The job ids the committed parts on the batches topic list. */
    private static List<String> listedIds(KafkaCluster kafka, TopicNames topics) {
        List<String> ids = new ArrayList<>();
        committed(kafka, topics.batches()).forEach(r -> {
            BatchManifest part = JsonSerde.batchManifest().fromBytes(r.value());
            assertThat(r.key()).isEqualTo(part.batchId());
            ids.addAll(part.jobIds());
        });
        return ids;
    }

    /** What a read_committed reader sees on {@code topic} once no transaction is open on it. */
    private static List<ConsumerRecord<String, byte[]>> committed(KafkaCluster kafka, String topic) {
        List<TopicPartition> tps = partitions(topic);
        Map<TopicPartition, Long> end;
        try (Admin admin = admin(kafka)) {
            end = await().atMost(Duration.ofSeconds(20)).until(() -> LogEnds.read(admin, tps),
                    ends -> ends.held().isEmpty()).highWatermarks();
        }
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props)) {
            c.assign(tps);
            c.seekToBeginning(tps);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                c.poll(Duration.ofMillis(100)).forEach(records::add);
                return tps.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
            });
            return records;
        }
    }

    private static List<TopicPartition> partitions(String topic) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int i = 0; i < PARTITIONS; i++) {
            tps.add(new TopicPartition(topic, i));
        }
        return tps;
    }

    private static Admin admin(KafkaCluster kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static Set<String> ids(List<List<JobRequest>> submissions) {
        Set<String> ids = new HashSet<>();
        submissions.forEach(s -> s.forEach(j -> ids.add(j.jobId())));
        return ids;
    }

    @Test
    void concurrentSubmissionsShareFewerTransactionsAndAllAreReadable(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        JobPublisher p = lingering(kafka, topics, 50);
        List<List<JobRequest>> submissions = submissions(40, 3);

        List<RuntimeException> outcomes = concurrently(p, submissions);

        assertThat(outcomes).containsOnlyNulls();
        assertThat(p.groupedSubmissions()).isEqualTo(40);
        assertThat(p.transactions()).isBetween(1L, 20L);
        assertThat(committedKeys(kafka, topics)).containsExactlyInAnyOrderElementsOf(ids(submissions));
        // each submission's batch listed in the same transactions, in submission order
        List<String> listed = listedIds(kafka, topics);
        assertThat(listed).containsExactlyInAnyOrderElementsOf(ids(submissions));
        for (List<JobRequest> s : submissions) {
            int first = listed.indexOf(s.getFirst().jobId());
            assertThat(listed.subList(first, first + s.size())).isEqualTo(s.stream().map(JobRequest::jobId).toList());
        }
    }

    @Test
    void aFailedTransactionFailsEveryMemberAndNoneOfTheirJobsIsReadable(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        JobPublisher p = lingering(kafka, topics, 200);
        List<List<JobRequest>> submissions = submissions(10, 4);
        failCommits.set(true);

        List<RuntimeException> outcomes = concurrently(p, submissions);

        assertThat(outcomes).allSatisfy(e -> assertThat(e).isInstanceOfSatisfying(ApiException.class,
                a -> assertThat(a.code()).isEqualTo("kafka_unavailable")));
        assertThat(commitAttempts.get()).isLessThan(submissions.size());
        assertThat(p.transactions()).isZero();
        // the next group's producer fences the failed one and aborts its transaction
        failCommits.set(false);
        List<JobRequest> later = jobs(2);
        p.publishAll(later, null);
        Set<String> readable = committedKeys(kafka, topics);
        assertThat(readable).doesNotContainAnyElementsOf(ids(submissions))
                .containsExactlyInAnyOrderElementsOf(ids(List.of(later)));
        assertThat(listedIds(kafka, topics)).containsExactlyElementsOf(later.stream().map(JobRequest::jobId).toList());
    }

    /**
     * A record the producer fails before sending it (here: its topic does not exist; while Kafka is down, after
     * waiting {@code max.block.ms} for its metadata) ends the group's transaction at once, every member failed, rather
     * than each of the group's next records waiting as long again.
     */
    @Test
    void aGroupStopsAtTheFirstRecordTheProducerFailsBeforeSendingIt(KafkaCluster kafka) {
        TopicNames missing = new TopicNames("it-missing-" + UUID.randomUUID().toString().substring(0, 8));
        JobPublisher p = publisher(kafka, missing, 1, new GroupCommit(Duration.ZERO, 1 << 20, 1 << 24), Map.of(),
                Duration.ofSeconds(1));
        int before = sends.get();

        assertThatThrownBy(() -> p.publishAll(jobs(20), null)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo("kafka_unavailable"));

        assertThat(sends.get() - before).as("the first job's record only, of 20").isEqualTo(1);
    }

    /**
     * An ingest killed in a transaction, whose transactional id never comes back (a restarted ingest has a new
     * instance id), leaves it open, and a {@code read_committed} worker reads nothing past it on those partitions until
     * the broker aborts it: within three Kafka timeouts, not a minute.
     */
    @Test
    void jobsBehindADeadIngestsOpenTransactionAreReadableOnceTheBrokerAbortsIt(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        GroupCommit group = new GroupCommit(Duration.ZERO, 1 << 20, 1 << 24);
        Duration kafkaTimeout = Duration.ofSeconds(1);
        JobPublisher dead = publisher(kafka, topics, 1, group, Map.of(), kafkaTimeout);
        dieInCommit.set(true);
        List<JobRequest> lost = jobs(12);
        assertThatThrownBy(() -> dead.publishAll(lost, null)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo("kafka_unavailable"));
        dead.close(); // no producer of its transactional id starts again to fence it
        dieInCommit.set(false);
        List<JobRequest> later = jobs(12);
        publisher(kafka, topics, 1, group, Map.of(), kafkaTimeout).publishAll(later, null);
        try (Admin admin = admin(kafka)) {
            assertThat(LogEnds.read(admin, partitions(topics.jobs())).held())
                    .as("partitions held back by the dead ingest's transaction").isNotEmpty();
        }

        long began = System.nanoTime();
        Set<String> readable = committedKeys(kafka, topics); // waits up to 20 s for no transaction to be open
        System.out.printf("the dead ingest's transaction held its partitions for %d ms more%n",
                Duration.ofNanos(System.nanoTime() - began).toMillis());

        assertThat(readable).containsExactlyInAnyOrderElementsOf(ids(List.of(later)));
    }

    @Test
    void aJobLargerThanTheProducerAcceptsFailsAloneBeforeJoiningAGroup(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        JobPublisher p = publisher(kafka, topics, 1, new GroupCommit(Duration.ofMillis(100), 1 << 20, 1 << 24),
                Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "20000"));
        onlyTheLastFailsTooLarge(kafka, topics, p, List.of(job("small"), job("x".repeat(30_000))));
    }

    /** Five submissions of two small jobs and {@code big} at once: {@code big} alone fails, the others are readable. */
    private static void onlyTheLastFailsTooLarge(KafkaCluster kafka, TopicNames topics, JobPublisher p,
                                                 List<JobRequest> big) throws Exception {
        List<List<JobRequest>> submissions = submissions(5, 2);
        submissions.add(big);

        List<RuntimeException> outcomes = concurrently(p, submissions);

        assertThat(outcomes.subList(0, 5)).containsOnlyNulls();
        assertThat(outcomes.get(5)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo("request_too_large"));
        assertThat(committedKeys(kafka, topics)).containsExactlyInAnyOrderElementsOf(ids(submissions.subList(0, 5)));
    }

    @Test
    void aJobTheBrokerRefusesFailsAloneAndTheRestOfItsGroupIsWrittenAgain(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        try (Admin admin = admin(kafka)) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topics.jobs()),
                    List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "20000"),
                            AlterConfigOp.OpType.SET)))).all().get(10, TimeUnit.SECONDS);
        }
        JobPublisher p = lingering(kafka, topics, 200);
        byte[] noise = new byte[40_000];
        new Random(11).nextBytes(noise);
        // incompressible, so lz4 does not bring it under the topic's limit
        onlyTheLastFailsTooLarge(kafka, topics, p, List.of(job(java.util.Base64.getEncoder().encodeToString(noise))));
    }

    @Test
    void aFullQueueAnswersBusyAtOnceWithRetryAfter(KafkaCluster kafka) throws Exception {
        TopicNames topics = topics(kafka);
        JobPublisher p = publisher(kafka, topics, 1, new GroupCommit(Duration.ZERO, 1024, 1024), Map.of());
        holdBegin.set(true);
        List<JobRequest> first = jobs(1);
        List<JobRequest> second = jobs(4);
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> a = threads.submit(() -> p.publishAll(first, null));
            assertThat(beginHeld.await(10, TimeUnit.SECONDS)).isTrue();
            // the queue is empty, so a submission over the bound is still taken
            Future<?> b = threads.submit(() -> p.publishAll(second, null));
            await().atMost(Duration.ofSeconds(5)).until(() -> p.queuedBytes() > 0);
            assertThatThrownBy(() -> p.publishAll(jobs(1), null)).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.code()).isEqualTo("ingest_busy");
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.retryAfterSeconds()).isEqualTo(1L);
            });
            releaseBegin.countDown();
            a.get(20, TimeUnit.SECONDS);
            b.get(20, TimeUnit.SECONDS);
        }
        assertThat(committedKeys(kafka, topics)).containsExactlyInAnyOrderElementsOf(ids(List.of(first, second)));
    }
}
