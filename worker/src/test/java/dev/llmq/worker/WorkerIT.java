package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the worker ITs share: the run's broker, fixtures and workers closed after each test, the commit check. */
@ExtendWith(KafkaClusterExtension.class)
abstract class WorkerIT {

    private final KafkaCluster kafka;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    WorkerIT(KafkaCluster kafka) {
        this.kafka = kafka;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : closeables.reversed()) {
            closeable.close();
        }
    }

    /** Topics under a fresh prefix, deleted after the test. */
    final KafkaFixture fixture(String name, int jobPartitions) throws Exception {
        KafkaFixture fixture = new KafkaFixture(kafka.bootstrapServers(), name).create(jobPartitions);
        closeables.add(fixture);
        return fixture;
    }

    /** A started worker, closed after the test. */
    final JobWorker start(WorkerSettings settings, JobHandler handler, SimpleMeterRegistry meters) {
        JobWorker worker = new JobWorker(settings, handler, TestJobs.CLOCK, meters);
        closeables.add(worker);
        worker.start();
        return worker;
    }

    /** A started worker on {@code clock}, closed after the test. */
    final JobWorker start(WorkerSettings settings, JobHandler handler, java.time.Clock clock) {
        JobWorker worker = new JobWorker(settings, handler, clock, new SimpleMeterRegistry());
        closeables.add(worker);
        worker.start();
        return worker;
    }

    final JobWorker start(WorkerSettings settings, JobHandler handler) {
        return start(settings, handler, new SimpleMeterRegistry());
    }

    /**
     * Waits until the group's committed offsets reach the end of the jobs topic: every job's result is then on the
     * results topic (written in the transactions that committed the offsets).
     */
    static void awaitAllCommitted(KafkaFixture fx) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(fx.committed()).isEqualTo(fx.endOffsets(fx.topics.jobs())));
    }
}
