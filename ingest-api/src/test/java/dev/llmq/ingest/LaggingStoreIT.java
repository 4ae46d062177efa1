package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.ingest.internal.JobIds;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A status store behind its topics (a backlog written straight to them) is waited for: a job or batch it has not read
 * yet is answered once it has, by either instance, not called unknown. An id nobody wrote is still a 404.
 */
@ExtendWith(KafkaClusterExtension.class)
class LaggingStoreIT {

    private static final Logger LOG = LoggerFactory.getLogger(LaggingStoreIT.class);
    /** Job records written ahead of the one looked up; as many batch lists ahead of the batch looked up, halved. */
    private static final int BACKLOG = Integer.getInteger("llmq.it.backlog", 40_000);
    /** Older than {@code JustMade}'s ten seconds: a miss of such an id was not looked at again. */
    private static final Duration MADE_AGO = Duration.ofSeconds(20);

    private static IngestPair ingests;

    @BeforeAll
    static void start(KafkaCluster kafka) {
        // a lookup waits for a store behind its topics up to the Kafka timeout
        ingests = new IngestPair(kafka, "lag", settings -> settings.kafkaTimeout(Duration.ofSeconds(25)));
    }

    @AfterAll
    static void stop() {
        ingests.close();
    }

    /** The value of the committed record keyed {@code key} on {@code topics}, as text. */
    private static String recordOf(String key, String... topics) {
        for (String topic : topics) {
            for (ConsumerRecord<String, byte[]> r : ingests.fixture.committedRecords(topic)) {
                if (key.equals(r.key())) {
                    return new String(r.value(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new AssertionError("no record keyed " + key + " on " + List.of(topics));
    }

    /** {@code count} copies of {@code template}, each with {@code id} replaced by a fresh id of {@code ids}. */
    private static List<Map.Entry<String, byte[]>> copies(String template, String id, int count,
                                                          java.util.function.Supplier<String> ids) {
        List<Map.Entry<String, byte[]>> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String fresh = ids.get();
            out.add(Map.entry(fresh, template.replace(id, fresh).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static CompletableFuture<HttpTestClient.Response> getAsync(HttpTestClient http, String path) {
        return CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            HttpTestClient.Response r = http.get(path);
            LOG.info("GET {}: {} after {} ms", path, r.status(), (System.nanoTime() - t0) / 1_000_000);
            return r;
        });
    }

    @Test
    void aJobAndABatchTheStoreHasNotReadYetAreWaitedForAndAnIdNobodyWroteIsUnknown() {
        HttpTestClient.Response single = ingests.httpA.post("/v1/jobs", SubmitIT.CHAT, "application/json");
        HttpTestClient.Response two = ingests.httpA.post("/v1/jobs", SubmitIT.CHAT + "\n" + SubmitIT.CHAT + "\n",
                "application/x-ndjson");
        assertThat(single.status()).as(single.body()).isEqualTo(202);
        assertThat(two.status()).as(two.body()).isEqualTo(202);
        String jobId = single.json().path("id").asText();
        String batchId = two.json().path("batch_id").asText();
        String job = recordOf(jobId, ingests.fixture.topics().jobsInteractive(), ingests.fixture.topics().jobs());
        String list = recordOf(batchId, ingests.fixture.topics().batches());

        JobIds now = new JobIds(Clock.systemUTC(), new Random(1));
        TopicsFixture topics = ingests.fixture;
        long t0 = System.nanoTime();
        topics.sendAll(topics.topics().jobs(), copies(job, jobId, BACKLOG, now::nextJobId));
        topics.sendAll(topics.topics().batches(), copies(list, batchId, BACKLOG / 2, now::nextBatchId));
        JobIds earlier = new JobIds(Clock.offset(Clock.systemUTC(), MADE_AGO.negated()), new Random(2));
        String lateJob = earlier.nextJobId();
        String lateBatch = earlier.nextBatchId();
        topics.sendAll(topics.topics().jobs(), List.of(Map.entry(lateJob,
                job.replace(jobId, lateJob).getBytes(StandardCharsets.UTF_8))));
        topics.sendAll(topics.topics().batches(), List.of(Map.entry(lateBatch,
                list.replace(batchId, lateBatch).getBytes(StandardCharsets.UTF_8))));
        LOG.info("backlog of {} jobs and {} batch lists written in {} ms", BACKLOG, BACKLOG / 2,
                (System.nanoTime() - t0) / 1_000_000);

        // asked of both instances at once: one holds each entry, the other asks it
        List<CompletableFuture<HttpTestClient.Response>> jobs = List.of(
                getAsync(ingests.httpA, "/v1/jobs/" + lateJob), getAsync(ingests.httpB, "/v1/jobs/" + lateJob));
        List<CompletableFuture<HttpTestClient.Response>> batches = List.of(
                getAsync(ingests.httpA, "/v1/batches/" + lateBatch),
                getAsync(ingests.httpB, "/v1/batches/" + lateBatch));
        for (CompletableFuture<HttpTestClient.Response> f : jobs) {
            HttpTestClient.Response r = f.join();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().path("id").asText()).isEqualTo(lateJob);
            assertThat(r.json().path("status").asText()).isEqualTo("queued");
        }
        for (CompletableFuture<HttpTestClient.Response> f : batches) {
            HttpTestClient.Response r = f.join();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().path("id").asText()).isEqualTo(lateBatch);
            assertThat(r.json().path("total").asInt()).isEqualTo(2);
        }

        // nobody wrote these: a store that has read its topics says so
        assertUnknown(earlier);

        // started again, each task has processed nothing yet: where it resumed is asked of the group, and its
        // partitions are not read from the beginning (longer than a lookup reads: a 503 until something came)
        ingests.restart();
        assertUnknown(earlier);
        assertThat(ingests.httpB.get("/v1/jobs/" + lateJob).json().path("status").asText()).isEqualTo("queued");
    }

    /** Ids {@code ids} makes, which nobody wrote, are unknown jobs and batches to both instances. */
    private static void assertUnknown(JobIds ids) {
        for (HttpTestClient http : List.of(ingests.httpA, ingests.httpB)) {
            for (int i = 0; i < 3; i++) { // a few, so that some fall on each instance's partitions
                HttpTestClient.Response unknownJob = http.get("/v1/jobs/" + ids.nextJobId());
                assertThat(unknownJob.status()).as(unknownJob.body()).isEqualTo(404);
                HttpTestClient.Response unknownBatch = http.get("/v1/batches/" + ids.nextBatchId());
                assertThat(unknownBatch.status()).as(unknownBatch.body()).isEqualTo(404);
            }
        }
    }
}
