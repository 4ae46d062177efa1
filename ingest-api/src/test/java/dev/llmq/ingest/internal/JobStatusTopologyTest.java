package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.Attempt;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Random;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The status store's topology on TopologyTestDriver, with explicit record timestamps and a mock wall clock. */
class JobStatusTopologyTest {

    private static final TopicNames TOPICS = new TopicNames("store-test");
    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");
    private static final Duration RETENTION = Duration.ofHours(1);

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> jobs;
    private TestInputTopic<String, byte[]> interactive;
    private TestInputTopic<String, byte[]> status;
    private TestInputTopic<String, byte[]> results;
    private TestInputTopic<String, byte[]> batches;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "store-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(JobStatusTopology.topology(TOPICS, RETENTION, Json.mapper()), props, T0);
        jobs = input(TOPICS.jobs());
        interactive = input(TOPICS.jobsInteractive());
        status = input(TOPICS.status());
        results = input(TOPICS.results());
        batches = input(TOPICS.batches());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private TestInputTopic<String, byte[]> input(String topic) {
        return driver.createInputTopic(topic, Serdes.String().serializer(), Serdes.ByteArray().serializer());
    }

    private static JobRequest job(String id, String batch, String tenant, String key) {
        ObjectNode body = Json.mapper().createObjectNode().put("model", "gpt-4o");
        return new JobRequest(1, id, batch, "c-" + id, tenant, "gpt-4o", body, true, 0, null, null, null, T0, key);
    }

    private static JobResult result(String id, JobStatus st, String text) {
        ObjectNode response = Json.mapper().createObjectNode().put("object", "chat.completion").put("text", text);
        JobError error = st == JobStatus.SUCCEEDED ? null
                : new JobError(null, null, "boom", null, "server_error", 500, "openai");
        return new JobResult(1, id, null, null, null, "gpt-4o", st, st == JobStatus.SUCCEEDED ? response : null, error,
                TokenUsage.ZERO, null, null, "d-2", "openai", "gpt-4o",
                List.of(new Attempt(1, "d-1", "openai", "gpt-4o", "server_error", 500, 10, T0, "boom"),
                        new Attempt(2, "d-2", "openai", "gpt-4o", "ok", 200, 12, T0, null)),
                22L, null, T0, T0, T0, null, null, null);
    }

    private static JobStatusEvent running(String id, int attempt, Instant at, Integer tokens) {
        return new JobStatusEvent(1, id, null, JobStatus.RUNNING, "w-1", attempt, at, "run-" + attempt, "d-" + attempt,
                tokens);
    }

    private void send(TestInputTopic<String, byte[]> topic, String key, byte[] value, Instant at) {
        topic.pipeInput(key, value, at);
    }

    private void sendJob(JobRequest r, Instant at) {
        send(jobs, r.jobId(), JsonSerde.jobRequest().toBytes(r), at);
    }

    private KeyValueStore<String, byte[]> store(String name) {
        return driver.getKeyValueStore(name);
    }

    private JobSnapshot snapshot(String id) {
        byte[] v = store(JobStatusTopology.JOB_STORE).get(JobStatusTopology.jobKey(id));
        return v == null ? null : new StoredSnapshot.Codec(Json.mapper()).read(v).snapshot();
    }

    private List<String> index(String partitionKey) {
        String prefix = JobStatusTopology.indexPrefix(partitionKey);
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store(JobStatusTopology.INDEX_STORE)
                .prefixScan(prefix, Serdes.String().serializer())) {
            it.forEachRemaining(kv -> ids.add(kv.key.substring(prefix.length())));
        }
        return ids;
    }

    /** The store's entries, without the index store's mark of its list entries' backfill. */
    private long entries(String name) {
        long n = 0;
        try (KeyValueIterator<String, byte[]> it = store(name).all()) {
            while (it.hasNext()) {
                if (!it.next().key.equals(JobStatusTopology.BACKFILLED)) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void jobGoesQueuedRunningDoneAndTheFirstResultWins() {
        sendJob(job("job_1", null, null, null), T0);
        assertThat(snapshot("job_1").status()).isEqualTo(JobStatus.QUEUED);
        assertThat(snapshot("job_1").customId()).isEqualTo("c-job_1");

        send(status, "job_1", JsonSerde.jobStatusEvent().toBytes(running("job_1", 1, T0.plusSeconds(1), null)), T0);
        send(status, "job_1", JsonSerde.jobStatusEvent().toBytes(running("job_1", 2, T0.plusSeconds(3), 17)), T0);
        JobSnapshot run = snapshot("job_1");
        assertThat(run.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(run.running()).isEqualTo(new JobSnapshot.Running(2, "run-2", "d-2", 17, "w-1", T0.plusSeconds(3)));

        // an older event (a zombie run's) does not replace the newer detail
        send(status, "job_1", JsonSerde.jobStatusEvent().toBytes(running("job_1", 1, T0.plusSeconds(2), 5)), T0);
        assertThat(snapshot("job_1").running().attempt()).isEqualTo(2);

        send(results, "job_1", JsonSerde.jobResult().toBytes(result("job_1", JobStatus.SUCCEEDED, "first")), T0);
        send(results, "job_1", JsonSerde.jobResult().toBytes(result("job_1", JobStatus.FAILED, null)), T0);
        send(status, "job_1", JsonSerde.jobStatusEvent().toBytes(running("job_1", 3, T0.plusSeconds(9), 1)), T0);

        JobSnapshot done = snapshot("job_1");
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.result().response().path("text").asText()).isEqualTo("first");
        assertThat(done.result().attempts()).extracting(Attempt::number).containsExactly(1, 2);
        assertThat(done.customId()).isEqualTo("c-job_1");
    }

    @Test
    void aResultBeforeItsJobRecordIsKeptAndTheJobFillsTheRest() {
        send(results, "job_2", JsonSerde.jobResult().toBytes(result("job_2", JobStatus.FAILED, null)), T0);
        assertThat(snapshot("job_2").status()).isEqualTo(JobStatus.FAILED);
        assertThat(snapshot("job_2").customId()).isNull();

        sendJob(job("job_2", null, "acme", null), T0);
        JobSnapshot s = snapshot("job_2");
        assertThat(s.status()).isEqualTo(JobStatus.FAILED);
        assertThat(s.customId()).isEqualTo("c-job_2");
        assertThat(s.tenant()).isEqualTo("acme");
        assertThat(s.stream()).isTrue();
        assertThat(s.result()).isEqualTo(result("job_2", JobStatus.FAILED, null)); // kept through the update
    }

    @Test
    void aSnapshotStoredWholeByAnEarlierVersionIsReadAndRewrittenWithItsResultKept() {
        JobResult first = result("job_old_layout", JobStatus.SUCCEEDED, "kept");
        JobSnapshot whole = new JobSnapshot("job_old_layout", null, null, null, "g", false, null, JobStatus.QUEUED,
                null, null, null).withResult(first);
        store(JobStatusTopology.JOB_STORE).put(JobStatusTopology.jobKey("job_old_layout"),
                new JsonSerde<>(JobSnapshot.class, Json.mapper()).toBytes(whole));
        assertThat(snapshot("job_old_layout")).isEqualTo(whole);

        sendJob(job("job_old_layout", null, "acme", null), T0);
        byte[] rewritten = store(JobStatusTopology.JOB_STORE).get(JobStatusTopology.jobKey("job_old_layout"));
        assertThat(rewritten[0]).isEqualTo(StoredSnapshot.FORMAT);
        JobSnapshot s = snapshot("job_old_layout");
        assertThat(s.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(s.tenant()).isEqualTo("acme");
        assertThat(s.result()).isEqualTo(first);
    }

    @Test
    void interactiveJobsAreStoredLikeBatchOnes() {
        JobRequest r = job("job_i", null, null, null);
        send(interactive, r.jobId(), JsonSerde.jobRequest().toBytes(r), T0);
        assertThat(snapshot("job_i").status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void batchesAndIdempotencyKeysListTheirJobsInSubmissionOrder() {
        // out of order on arrival: the index sorts by job id, which is time-ordered
        sendJob(job("job_0003", "batch_1", "acme", "k-1"), T0);
        sendJob(job("job_0001", "batch_1", "acme", "k-1"), T0);
        sendJob(job("job_0002", "batch_1", "acme", "k-1"), T0);
        sendJob(job("job_0004", null, "other", "k-1"), T0);
        sendJob(job("job_0005", null, null, "k-1"), T0);

        assertThat(index(JobStatusTopology.batchKey("batch_1"))).containsExactly("job_0001", "job_0002", "job_0003");
        assertThat(index(JobStatusTopology.idempotencyKey("acme", "k-1")))
                .containsExactly("job_0001", "job_0002", "job_0003");
        assertThat(index(JobStatusTopology.idempotencyKey("other", "k-1"))).containsExactly("job_0004");
        assertThat(index(JobStatusTopology.idempotencyKey(null, "k-1"))).containsExactly("job_0005");
        assertThat(index(JobStatusTopology.batchKey("batch_2"))).isEmpty();
        // a record delivered twice is indexed once
        sendJob(job("job_0001", "batch_1", "acme", "k-1"), T0);
        assertThat(index(JobStatusTopology.batchKey("batch_1"))).hasSize(3);
    }

    @Test
    void entriesExpireAfterTheRetentionAndOldRecordsAreNotStored() {
        sendJob(job("job_old", "batch_old", "acme", "k-old"), T0);
        driver.advanceWallClockTime(Duration.ofMinutes(40));
        sendJob(job("job_new", "batch_new", "acme", "k-new"), T0.plus(Duration.ofMinutes(40)));
        send(results, "job_old", JsonSerde.jobResult().toBytes(result("job_old", JobStatus.SUCCEEDED, "x")),
                T0.plus(Duration.ofMinutes(40)));
        assertThat(snapshot("job_old").status()).isEqualTo(JobStatus.SUCCEEDED);

        // one retention after the first job's record: it, its batch and its key are gone; the later job stays
        driver.advanceWallClockTime(Duration.ofMinutes(21));
        assertThat(snapshot("job_old")).isNull();
        assertThat(index(JobStatusTopology.batchKey("batch_old"))).isEmpty();
        assertThat(index(JobStatusTopology.idempotencyKey("acme", "k-old"))).isEmpty();
        assertThat(snapshot("job_new").status()).isEqualTo(JobStatus.QUEUED);
        assertThat(index(JobStatusTopology.batchKey("batch_new"))).containsExactly("job_new");
        // what remains: the new job's snapshot, batch entry and key entry, each with its expiry line
        assertThat(entries(JobStatusTopology.JOB_STORE)).isEqualTo(2);
        assertThat(entries(JobStatusTopology.INDEX_STORE)).isEqualTo(4);

        // a record older than the retention when read (a store rebuilt from old topics) is not stored
        sendJob(job("job_ancient", "batch_ancient", null, null), T0.minus(Duration.ofHours(2)));
        assertThat(snapshot("job_ancient")).isNull();
        assertThat(index(JobStatusTopology.batchKey("batch_ancient"))).isEmpty();

        driver.advanceWallClockTime(Duration.ofMinutes(40));
        assertThat(entries(JobStatusTopology.JOB_STORE)).isZero();
        assertThat(entries(JobStatusTopology.INDEX_STORE)).isZero();
    }

    @Test
    void jobsWithTheIngestsTimeOrderedIdsExpireByTheirIdsTimeWithoutExpiryLines() {
        String early = new JobIds(Clock.fixed(T0, ZoneOffset.UTC), new Random(1)).nextJobId();
        String later = new JobIds(Clock.fixed(T0.plus(Duration.ofMinutes(40)), ZoneOffset.UTC), new Random(2))
                .nextJobId();
        sendJob(job(early, null, null, null), T0);
        send(status, early, JsonSerde.jobStatusEvent().toBytes(running(early, 1, T0, null)), T0);
        // a result before its job record creates the snapshot too
        send(results, later, JsonSerde.jobResult().toBytes(result(later, JobStatus.SUCCEEDED, "x")),
                T0.plus(Duration.ofMinutes(40)));
        sendJob(job("job_foreign", null, null, null), T0);
        // two snapshots and no expiry line for the ingest's ids; a snapshot and its line for the other writer's id
        assertThat(entries(JobStatusTopology.JOB_STORE)).isEqualTo(4);

        driver.advanceWallClockTime(Duration.ofMinutes(61));
        assertThat(snapshot(early)).isNull();
        assertThat(snapshot("job_foreign")).isNull();
        assertThat(snapshot(later).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(entries(JobStatusTopology.JOB_STORE)).isEqualTo(1);

        driver.advanceWallClockTime(Duration.ofMinutes(40));
        assertThat(entries(JobStatusTopology.JOB_STORE)).isZero();
    }

    @Test
    void theIngestsBatchesAreIndexedWithoutExpiryLinesAndExpireByTheirIdsTime() {
        JobIds early = new JobIds(Clock.fixed(T0, ZoneOffset.UTC), new Random(1));
        String batch = early.nextBatchId();
        String first = early.nextJobId();
        String second = early.nextJobId();
        String later = new JobIds(Clock.fixed(T0.plus(Duration.ofMinutes(40)), ZoneOffset.UTC), new Random(2))
                .nextBatchId();
        // the second job's record is written ten minutes after its batch was made (a long upload)
        sendJob(job(second, batch, null, null), T0.plus(Duration.ofMinutes(10)));
        sendJob(job(first, batch, null, null), T0);
        sendJob(job(first, batch, null, null), T0); // delivered twice: the same line
        sendJob(job("job_l", later, null, null), T0.plus(Duration.ofMinutes(40)));
        sendJob(job("job_f", "batch_0", null, null), T0); // another writer's batch id
        assertThat(index(JobStatusTopology.batchKey(batch))).containsExactly(first, second);
        assertThat(index(JobStatusTopology.batchKey(later))).containsExactly("job_l");
        // three lines for the ingest's batches, none with an expiry line; the other writer's line and its expiry line
        assertThat(entries(JobStatusTopology.INDEX_STORE)).isEqualTo(5);

        // one retention after the batch was made, every line of it is gone, the later batch's stays
        driver.advanceWallClockTime(Duration.ofMinutes(61));
        assertThat(index(JobStatusTopology.batchKey(batch))).isEmpty();
        assertThat(index(JobStatusTopology.batchKey("batch_0"))).isEmpty();
        assertThat(index(JobStatusTopology.batchKey(later))).containsExactly("job_l");
        assertThat(entries(JobStatusTopology.INDEX_STORE)).isEqualTo(1);

        driver.advanceWallClockTime(Duration.ofMinutes(40));
        assertThat(entries(JobStatusTopology.INDEX_STORE)).isZero();
    }

    @Test
    void aJobsIndexLinesCarryItsTimestampButNoneOfItsHeaders() {
        JobRequest r = job("job_h", "batch_h", "acme", "k-h");
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_id", "job_h".getBytes(StandardCharsets.UTF_8));
        headers.add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(
                StandardCharsets.UTF_8));
        jobs.pipeInput(new TestRecord<>(r.jobId(), JsonSerde.jobRequest().toBytes(r), headers, T0));

        TestOutputTopic<String, byte[]> lines = driver.createOutputTopic("store-test-"
                + JobStatusTopology.INDEX_REPARTITION + "-repartition", Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        List<TestRecord<String, byte[]>> written = lines.readRecordsToList();
        assertThat(written).extracting(TestRecord::key).containsExactlyInAnyOrder(
                JobStatusTopology.batchKey("batch_h"), JobStatusTopology.idempotencyKey("acme", "k-h"));
        assertThat(written).allSatisfy(line -> {
            assertThat(new String(line.value(), StandardCharsets.UTF_8)).isEqualTo("job_h");
            assertThat(line.timestamp()).isEqualTo(T0.toEpochMilli());
            assertThat(line.headers().toArray()).isEmpty();
        });
        assertThat(index(JobStatusTopology.batchKey("batch_h"))).containsExactly("job_h");
    }

    private TestRecord<String, byte[]> listedJob(JobRequest r, Instant at) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(LlmqHeaders.BATCH_LISTED, LlmqHeaders.BATCH_LISTED_VALUE.getBytes(StandardCharsets.UTF_8));
        return new TestRecord<>(r.jobId(), JsonSerde.jobRequest().toBytes(r), headers, at);
    }

    /** A listed batch's job ids as the store holds them: its parts in order. */
    private List<String> listed(String batchId) {
        return JobStatusTopology.listed(store(JobStatusTopology.INDEX_STORE), batchId, JsonSerde.batchManifest())
                .jobIds();
    }

    private void sendParts(String batchId, List<String> jobIds, Instant at) {
        for (BatchManifest part : BatchManifest.of(batchId, jobIds, at, null)) {
            send(batches, batchId, JsonSerde.batchManifest().toBytes(part), at);
        }
    }

    @Test
    void aListedBatchIsIndexedFromItsPartsNotJobByJob() {
        JobIds ids = new JobIds(Clock.fixed(T0, ZoneOffset.UTC), new Random(3));
        String batch = ids.nextBatchId();
        List<String> jobIds = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            jobIds.add(ids.nextJobId());
        }
        TestOutputTopic<String, byte[]> lines = driver.createOutputTopic("store-test-"
                + JobStatusTopology.INDEX_REPARTITION + "-repartition", Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        jobs.pipeInput(listedJob(job(jobIds.get(0), batch, "acme", null), T0));
        jobs.pipeInput(listedJob(job(jobIds.get(1), batch, "acme", "k-l"), T0));
        // the listed jobs' snapshots are stored; only the idempotency key goes through the repartition topic
        assertThat(snapshot(jobIds.get(0)).batchId()).isEqualTo(batch);
        assertThat(lines.readRecordsToList()).extracting(TestRecord::key)
                .containsExactly(JobStatusTopology.idempotencyKey("acme", "k-l"));
        assertThat(index(JobStatusTopology.batchKey(batch))).isEmpty();

        // three parts, the last first: listed in submission order once all are read (none before: a part of the
        // batch's jobs is not the batch); a part delivered twice is the same entry
        List<BatchManifest> parts = BatchManifest.of(batch, jobIds, T0, null);
        send(batches, batch, JsonSerde.batchManifest().toBytes(parts.get(2)), T0);
        send(batches, batch, JsonSerde.batchManifest().toBytes(parts.get(0)), T0);
        assertThat(listed(batch)).isEmpty();
        for (int p : new int[] {1, 0}) {
            send(batches, batch, JsonSerde.batchManifest().toBytes(parts.get(p)), T0);
        }
        assertThat(listed(batch)).isEqualTo(jobIds);
        // another writer's batch id: its part has an expiry line
        sendParts("batch_0", List.of("job_f1", "job_f2"), T0.plus(Duration.ofMinutes(40)));
        assertThat(listed("batch_0")).containsExactly("job_f1", "job_f2");
        // 3 parts and the list entry, 1 foreign part and its expiry line, 1 idempotency line and its expiry line
        assertThat(entries(JobStatusTopology.INDEX_STORE)).isEqualTo(8);

        // one retention after the batch was made its parts are gone, the foreign one's stays until its own
        driver.advanceWallClockTime(Duration.ofMinutes(61));
        assertThat(listed(batch)).isEmpty();
        assertThat(listed("batch_0")).containsExactly("job_f1", "job_f2");
        assertThat(entries(JobStatusTopology.INDEX_STORE)).isEqualTo(2);
        driver.advanceWallClockTime(Duration.ofMinutes(40));
        assertThat(entries(JobStatusTopology.INDEX_STORE)).isZero();

        // a part older than the retention when read is not stored
        sendParts(batch, jobIds.subList(0, 3), T0);
        assertThat(listed(batch)).isEmpty();
    }

    private List<String> listedBatches(String before, int limit, Predicate<String> visible) {
        return JobStatusTopology.listedBatches(store(JobStatusTopology.INDEX_STORE), before, limit, visible);
    }

    @Test
    void listedBatchesAreFoundNewestFirstByTenantUntilTheyExpire() {
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // batch ids a minute apart, the ingest's: time-ordered
            JobIds ids = new JobIds(Clock.fixed(T0.plus(Duration.ofMinutes(i)), ZoneOffset.UTC), new Random(i));
            made.add(ids.nextBatchId());
        }
        // parts come second part first (the list entry comes with the first); a repeat changes nothing
        sendParts(made.get(0), List.of("job_0"), T0);
        sendTenantParts(made.get(1), "acme");
        sendTenantParts(made.get(2), "globex");
        sendTenantParts(made.get(3), "acme");
        sendTenantParts(made.get(4), "acme");
        sendTenantParts(made.get(4), "acme");
        sendParts("batch_0", List.of("job_f"), T0); // another writer's id: not listed

        assertThat(listedBatches(null, 10, t -> true)).containsExactly(made.get(4), made.get(3), made.get(2),
                made.get(1), made.get(0));
        assertThat(listedBatches(null, 10, "acme"::equals)).containsExactly(made.get(4), made.get(3), made.get(1));
        assertThat(listedBatches(null, 10, Objects::isNull)).containsExactly(made.get(0));
        assertThat(listedBatches(null, 2, "acme"::equals)).containsExactly(made.get(4), made.get(3));
        // the next page starts after the last id of the one before
        assertThat(listedBatches(made.get(3), 2, "acme"::equals)).containsExactly(made.get(1));
        assertThat(listedBatches(made.get(1), 2, "acme"::equals)).isEmpty();

        // each expires one retention after its id was made, the oldest first
        driver.advanceWallClockTime(Duration.ofMinutes(62).plusSeconds(30));
        assertThat(listedBatches(null, 10, t -> true)).containsExactly(made.get(4), made.get(3));
        driver.advanceWallClockTime(Duration.ofMinutes(3));
        assertThat(listedBatches(null, 10, t -> true)).isEmpty();
    }

    @Test
    void aStoreWrittenBeforeListEntriesGetsThemOnceAfterItStarts() {
        KeyValueStore<String, byte[]> index = store(JobStatusTopology.INDEX_STORE);
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            made.add(new JobIds(Clock.fixed(T0.plus(Duration.ofMinutes(i)), ZoneOffset.UTC), new Random(i))
                    .nextBatchId());
        }
        // the parts as a store written before list entries held them: one batch of two parts, one without a tenant
        // (written before parts named it), one with; another writer's batch id
        List<String> jobIds = new ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            jobIds.add("job_" + i);
        }
        Map<String, List<BatchManifest>> old = new LinkedHashMap<>();
        old.put(made.get(0), BatchManifest.of(made.get(0), jobIds, T0, "acme"));
        old.put(made.get(1), BatchManifest.of(made.get(1), List.of("job_x"), T0, null));
        old.put(made.get(2), BatchManifest.of(made.get(2), List.of("job_y"), T0, "globex"));
        old.put("batch_0", BatchManifest.of("batch_0", List.of("job_z"), T0, "acme"));
        old.forEach((batch, parts) -> parts.forEach(p -> index.put(JobStatusTopology.manifestPrefix(batch)
                + String.format("%08d", p.part()), JsonSerde.batchManifest().toBytes(p))));
        assertThat(listedBatches(null, 10, t -> true)).isEmpty();

        // the processor's backfill, at its first punctuation after the start: every batch, then the mark
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(listedBatches(null, 10, t -> true)).containsExactly(made.get(2), made.get(1), made.get(0));
        assertThat(listedBatches(null, 10, "acme"::equals)).containsExactly(made.get(0));
        assertThat(listedBatches(null, 10, Objects::isNull)).containsExactly(made.get(1));
        assertThat(index.get(JobStatusTopology.BACKFILLED)).isNotNull();
        // once: an entry gone since is not written again
        index.delete(JobStatusTopology.listKey(made.get(1)));
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        assertThat(listedBatches(null, 10, t -> true)).containsExactly(made.get(2), made.get(0));

        // a batch at a time: each call goes on where the one before stopped
        index.delete(JobStatusTopology.BACKFILLED);
        String from = null;
        int calls = 0;
        do {
            from = JobStatusTopology.backfillListEntries(index, from, 1, JsonSerde.batchManifest());
            calls++;
        } while (from != null && calls < 10);
        assertThat(calls).as("four batches, then the end").isEqualTo(5);
        assertThat(listedBatches(null, 10, t -> true)).containsExactly(made.get(2), made.get(1), made.get(0));
        assertThat(index.get(JobStatusTopology.BACKFILLED)).isNotNull();
    }

    private void sendTenantParts(String batchId, String tenant) {
        List<String> jobIds = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
            jobIds.add("job_" + i);
        }
        List<BatchManifest> parts = BatchManifest.of(batchId, jobIds, T0, tenant);
        send(batches, batchId, JsonSerde.batchManifest().toBytes(parts.get(1)), T0);
        send(batches, batchId, JsonSerde.batchManifest().toBytes(parts.get(0)), T0);
    }

    @Test
    void unreadablePartsAreSkipped() {
        BatchManifest part = BatchManifest.of("batch_p", List.of("job_1"), T0, null).getFirst();
        send(batches, "batch_other", JsonSerde.batchManifest().toBytes(part), T0); // keyed by another batch
        send(batches, "batch_p", "not json".getBytes(StandardCharsets.UTF_8), T0);
        send(batches, "batch_p", "{\"batch_id\":\"batch_p\",\"part\":0,\"parts\":1,\"job_ids\":[]}"
                .getBytes(StandardCharsets.UTF_8), T0);
        assertThat(listed("batch_p")).isEmpty();
        assertThat(listed("batch_other")).isEmpty();
        assertThat(entries(JobStatusTopology.INDEX_STORE)).isZero();
        send(batches, "batch_p", JsonSerde.batchManifest().toBytes(part), T0);
        assertThat(listed("batch_p")).containsExactly("job_1");
    }

    @Test
    void unreadableRecordsAreSkipped() {
        send(jobs, "job_x", "not json".getBytes(), T0);
        send(results, "job_y", "{\"job_id\":\"job_y\"}".getBytes(), T0);
        JobRequest wrongKey = job("job_z", null, null, null);
        send(jobs, "job_other", JsonSerde.jobRequest().toBytes(wrongKey), T0);
        sendJob(job("job_ok", null, null, null), T0);
        assertThat(snapshot("job_x")).isNull();
        assertThat(snapshot("job_y")).isNull();
        assertThat(snapshot("job_z")).isNull();
        assertThat(snapshot("job_ok").status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void purgeIntervalIsAQuarterOfTheRetentionWithinBounds() {
        assertThat(JobStatusTopology.purgeInterval(Duration.ofDays(7))).isEqualTo(Duration.ofMinutes(1));
        assertThat(JobStatusTopology.purgeInterval(Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(500));
        assertThat(JobStatusTopology.purgeInterval(Duration.ofMillis(10))).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void theJobsAndBatchesTopicsAreMarkedAsFarAsProcessedWhateverTheRecordHeld() {
        ReadProgress progress = new ReadProgress();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "store-progress-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver marked = new TopologyTestDriver(
                JobStatusTopology.topology(TOPICS, RETENTION, Json.mapper(), progress), props, T0)) {
            TopicPartition jobs0 = new TopicPartition(TOPICS.jobs(), 0);
            TopicPartition interactive0 = new TopicPartition(TOPICS.jobsInteractive(), 0);
            TopicPartition batches0 = new TopicPartition(TOPICS.batches(), 0);
            assertThat(progress.processed(jobs0)).as("nothing processed yet").isEqualTo(-1);

            TestInputTopic<String, byte[]> jobsIn = marked.createInputTopic(TOPICS.jobs(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer());
            TestInputTopic<String, byte[]> batchesIn = marked.createInputTopic(TOPICS.batches(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer());
            for (String id : List.of("job_1", "job_2")) {
                jobsIn.pipeInput(id, JsonSerde.jobRequest().toBytes(job(id, null, null, null)), T0);
            }
            jobsIn.pipeInput("job_3", "not a job".getBytes(StandardCharsets.UTF_8), T0); // skipped, still read
            batchesIn.pipeInput("batch_1", JsonSerde.batchManifest().toBytes(new BatchManifest(
                    BatchManifest.SCHEMA_VERSION, "batch_1", 0, 1, List.of("job_1"), T0, null, null)), T0);

            assertThat(progress.processed(jobs0)).isEqualTo(2);
            assertThat(progress.processed(batches0)).isZero();
            assertThat(progress.processed(interactive0)).as("nothing came on it").isEqualTo(-1);
            assertThat(progress.processed(new TopicPartition(TOPICS.status(), 0))).as("not marked").isEqualTo(-1);
        }
    }
}
