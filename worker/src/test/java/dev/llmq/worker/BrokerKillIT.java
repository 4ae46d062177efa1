package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.testkit.kafka.BrokerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker killed with {@code SIGKILL} while a worker's results transaction was open (its results and its offset
 * commit sent, not committed). Kafka 4.4 may end such a transaction, when the broker is back, without marking its
 * end on the partitions it wrote: its records stay open there, so {@code read_committed} readers of those partitions
 * stop at them, and its offsets wait to be committed. The next worker must neither stall behind it nor skip the jobs
 * below its offsets. The broker runs in a process of its own ({@link BrokerProcess}).
 */
class BrokerKillIT {

    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    @Test
    void aResultsTransactionOpenWhenTheBrokerWasKilledNeitherHoldsReadersBackNorSkipsJobs() throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("kafka"));
             KafkaFixture fx = new KafkaFixture(broker.bootstrapServers(), "kill").create(PARTITIONS)) {
            List<JobRequest> jobs = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                jobs.add(TestJobs.job("job-" + i, false));
            }
            fx.sendAll(jobs);

            // a worker's results transaction of an earlier producer (ids are new for each producer): a result on
            // every results partition, and offsets past every job, sent but not committed
            Map<String, Object> config = new HashMap<>();
            config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, fx.group + "-w0-0-earlier");
            // timed out when the broker is back: its coordinator aborts it as it starts, before it knows the
            // partitions' leaders, which is when Kafka skips their markers
            config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1000);
            try (KafkaProducer<byte[], byte[]> open = new KafkaProducer<>(config, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                open.initTransactions();
                open.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> past = new HashMap<>();
                for (int p = 0; p < PARTITIONS; p++) {
                    open.send(new ProducerRecord<>(fx.topics.results(), p, ("left-open-" + p).getBytes(
                            StandardCharsets.UTF_8), new byte[] {0}));
                    past.put(new TopicPartition(fx.topics.jobs(), p), new OffsetAndMetadata(1_000));
                }
                open.sendOffsetsToTransaction(past, new ConsumerGroupMetadata(fx.group));
                open.flush();
                broker.kill();
                open.close(Duration.ZERO);
            }
            broker.launch(); // the worker starts while the broker does, as a live one goes on

            JobWorker worker = new JobWorker(fx.settingsBuilder("w1").build(), (job, chunks) -> JobOutcome.succeeded(
                    TestJobs.completion(job.jobId(), "w1"), TestJobs.usage()), TestJobs.CLOCK,
                    new SimpleMeterRegistry());
            try {
                worker.start();
                broker.awaitReady();
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                        assertThat(fx.committed()).isEqualTo(fx.endOffsets(fx.topics.jobs())));
            } finally {
                worker.close();
            }

            List<ConsumerRecord<byte[], byte[]>> results = fx.readAll(fx.topics.results());
            assertThat(results).as("read_committed, to the end of every partition")
                    .noneMatch(r -> new String(r.key(), StandardCharsets.UTF_8).startsWith("left-open-"));
            Map<String, List<JobResult>> byJob = TestJobs.resultsById(results);
            assertThat(byJob.keySet()).as("a result for every job")
                    .containsExactlyInAnyOrderElementsOf(jobs.stream().map(JobRequest::jobId).toList());
            assertThat(byJob).allSatisfy((id, list) -> assertThat(list).as(id).hasSize(1));
        }
    }
}
