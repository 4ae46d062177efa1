package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StoredFile;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A file transaction (an upload, or a batch made from a file) whose commit was asked for and not confirmed is a 503
 * that says it may have been done, never "nothing was changed": on a real broker, with the commit's answer lost after
 * the coordinator committed it (or before it did). A batch's retry with its {@code Idempotency-Key} is answered with
 * the batch when the status store holds its first job, and submitted anew when the store read everything without it.
 */
@ExtendWith(KafkaClusterExtension.class)
class UnconfirmedFileCommitIT {

    private static final Instant NOW = Instant.parse("2026-12-07T06:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, java.time.ZoneOffset.UTC);
    private static final String LINES = line("a") + line("b");

    /** What the next commit of a file producer does. */
    private enum Commit { ANSWERED, COMMITTED_ANSWER_LOST, ANSWER_LOST_BEFORE_COMMIT }

    private final AtomicReference<Commit> next = new AtomicReference<>(Commit.ANSWERED);
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicInteger sends = new AtomicInteger();
    private final MapStatusView view = new MapStatusView();
    private TopicNames topics;
    private IngestSettings settings;
    private ControlStates table;
    private FileStore store;
    private JobPublisher publisher;
    private SubmissionService service;

    @BeforeEach
    void start(KafkaCluster kafka) throws InterruptedException {
        topics = new TopicNames("it-unconfirmed-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topics, 1,
                (short) 1).ensureTopics(Duration.ofSeconds(30));
        settings = IngestSettings.builder(kafka.bootstrapServers(), "unconfirmed-files").topics(topics)
                .kafkaTimeout(Duration.ofSeconds(5)).build();
        table = new ControlStates(settings);
        table.start();
        await().atMost(Duration.ofSeconds(30)).until(table::ready);
        store = new FileStore(settings, table, LosingProducer::new, KafkaConsumer::new, CLOCK);
        publisher = new JobPublisher(settings);
        ObjectMapper mapper = Json.mapper();
        service = new SubmissionService(new SubmissionParser(mapper, () -> Set.of("gpt-4o-mini")), publisher, view,
                new JobIds(CLOCK, new SplittableRandom(7)), mapper, CLOCK, Duration.ofSeconds(2));
    }

    @AfterEach
    void close() {
        store.close();
        publisher.close();
        table.close();
    }

    /** A producer whose commit does what {@link #next} says, once. */
    private final class LosingProducer extends KafkaProducer<String, byte[]> {
        LosingProducer(Map<String, Object> config) {
            super(config);
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
            sends.incrementAndGet();
            return super.send(record, callback);
        }

        @Override
        public void commitTransaction() {
            Commit commit = next.getAndSet(Commit.ANSWERED);
            if (commit != Commit.ANSWER_LOST_BEFORE_COMMIT) {
                super.commitTransaction();
                commits.incrementAndGet();
            }
            if (commit != Commit.ANSWERED) {
                throw new TimeoutException("Timeout expired after 5000ms while awaiting EndTxn(true)");
            }
        }
    }

    private static String line(String customId) {
        return "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n";
    }

    private StoredFile upload(String id) {
        return upload(id, LINES, 2);
    }

    private StoredFile upload(String id, String lines, int count) {
        byte[] content = lines.getBytes(StandardCharsets.UTF_8);
        StoredFile draft = new StoredFile(StoredFile.SCHEMA_VERSION, id, null, id + ".jsonl", "batch", 0, count, NOW,
                NOW.plus(Duration.ofDays(1)), 0, 1);
        return store.write(draft, new ByteArrayInputStream(content));
    }

    private Submission batch(StoredFile file, String key) {
        return batch(service, file, key);
    }

    private Submission batch(SubmissionService submissions, StoredFile file, String key) {
        return submissions.submitFile(store, file, new SubmissionService.FileOrigin(new BatchManifest.FileBatch(
                file.id(), FileService.ENDPOINT, null, null), null), Caller.withoutKey(null), key, null);
    }

    /**
     * A record the producer fails before sending it (here: its topic is unknown; while Kafka is down, after waiting
     * {@code max.block.ms} for its metadata) stops a batch's transaction at once, a 503 naming why, rather than going
     * on (and waiting as long again) with each of the file's next lines.
     */
    @Test
    void aBatchStopsAtTheFirstRecordTheProducerFailsBeforeSendingIt(KafkaCluster kafka) {
        StoredFile file = upload("file-20", IntStream.range(0, 20).mapToObj(i -> line("x-" + i))
                .collect(Collectors.joining()), 20);
        IngestSettings nowhere = IngestSettings.builder(kafka.bootstrapServers(), "unconfirmed-nowhere")
                .topics(new TopicNames("it-missing-" + UUID.randomUUID().toString().substring(0, 8))).build();
        try (JobPublisher elsewhere = new JobPublisher(nowhere)) {
            ObjectMapper mapper = Json.mapper();
            SubmissionService submissions = new SubmissionService(new SubmissionParser(mapper,
                    () -> Set.of("gpt-4o-mini")), elsewhere, view, new JobIds(CLOCK, new SplittableRandom(9)), mapper,
                    CLOCK, Duration.ofSeconds(2));
            int before = sends.get();

            assertThatThrownBy(() -> batch(submissions, file, null)).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.getMessage()).contains("does not host this topic-partition", "nothing was changed");
            });
            assertThat(sends.get() - before).as("the first line's record only").isEqualTo(1);
        }
        assertThat(batch(file, null).jobs()).as("the next batch goes through").hasSize(20);
    }

    /** The committed jobs on the jobs topic, as a {@code read_committed} reader sees them. */
    private List<JobRequest> committedJobs() {
        JsonSerde<JobRequest> serde = JsonSerde.jobRequest();
        List<JobRequest> jobs = new ArrayList<>();
        try (Consumer<String, byte[]> reader = new KafkaConsumer<>(KafkaClients.consumer(settings, "jobs-reader"))) {
            List<TopicPartition> partitions = reader.partitionsFor(topics.jobs()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = reader.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                reader.poll(Duration.ofMillis(100)).forEach(r -> jobs.add(serde.fromBytes(r.value())));
                return partitions.stream().allMatch(tp -> reader.position(tp) >= end.get(tp));
            });
        }
        return jobs;
    }

    @Test
    void anUploadWhoseCommitWasNotConfirmedNamesTheFileItMayHaveKept() {
        next.set(Commit.COMMITTED_ANSWER_LOST);

        assertThatThrownBy(() -> upload("file-lost")).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.unconfirmed()).isTrue();
            assertThat(e.getMessage()).contains("may have been kept as 'file-lost'").doesNotContain("nothing");
        });

        await().atMost(Duration.ofSeconds(30)).until(() -> store.file("file-lost").isPresent());
        assertThat(upload("file-next").id()).as("the next upload goes through").isEqualTo("file-next");
    }

    @Test
    void aBatchWhoseCommitWasNotConfirmedIsAnsweredOnRetryWhenTheStoreHoldsIt() {
        StoredFile file = upload("file-1");
        next.set(Commit.COMMITTED_ANSWER_LOST);

        assertThatThrownBy(() -> batch(file, "key-1")).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.unconfirmed()).isTrue();
            assertThat(e.getMessage()).contains("file-1", "may have been enqueued", "Idempotency-Key")
                    .doesNotContain("nothing");
        });
        List<JobRequest> committed = committedJobs();
        assertThat(committed).extracting(JobRequest::customId).containsExactlyInAnyOrder("a", "b");
        String batchId = committed.getFirst().batchId();
        committed.forEach(r -> view.put(JobSnapshot.queued(r, null))); // the status store has read them
        int before = commits.get();

        Submission retry = batch(file, "key-1");

        assertThat(retry.replayed()).isTrue();
        assertThat(retry.batchId()).isEqualTo(batchId);
        assertThat(retry.jobs()).extracting(Submission.JobRef::id)
                .containsExactlyInAnyOrderElementsOf(committed.stream().map(JobRequest::jobId).toList());
        assertThat(commits.get()).as("nothing enqueued again").isEqualTo(before);
        assertThat(committedJobs()).hasSize(2);
    }

    @Test
    void aBatchWhoseCommitWasNotConfirmedIsSubmittedAgainWhenItWasNotCommitted() {
        StoredFile file = upload("file-2");
        next.set(Commit.ANSWER_LOST_BEFORE_COMMIT);

        assertThatThrownBy(() -> batch(file, "key-2")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.unconfirmed()).isTrue());
        assertThat(committedJobs()).as("the fence aborted it").isEmpty();

        Submission retry = batch(file, "key-2");

        assertThat(retry.replayed()).isFalse();
        assertThat(committedJobs()).extracting(JobRequest::batchId).containsOnly(retry.batchId()).hasSize(2);
    }

    /**
     * A record the broker refuses fails the transaction before its commit is asked for: a plain 503 that says nothing
     * was changed and why.
     */
    @Test
    void aTransactionWhoseSendFailedIsNotTakenForUnconfirmed(KafkaCluster kafka) throws Exception {
        String small = topics.jobs() + "-small";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(small, 1, (short) 1).configs(Map.of("max.message.bytes",
                    "1024")))).all().get();
        }
        byte[] large = new byte[64 * 1024];
        new SplittableRandom(3).nextBytes(large); // not compressible below the topic's limit

        assertThatThrownBy(() -> store.inTransaction("batch", (Producer<String, byte[]> p) ->
                p.send(new ProducerRecord<>(small, "too-large", large)))).isInstanceOfSatisfying(ApiException.class,
                    e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.unconfirmed()).isFalse();
                        // the send's own reason, not the producer's refusal of a commit in its error state
                        assertThat(e.getMessage()).contains("nothing was changed", "larger than")
                                .doesNotContain("error state");
                    });
        assertThat(commits.get()).isZero();
    }
}
