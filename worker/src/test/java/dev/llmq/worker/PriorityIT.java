package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.JobRequest;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Priority lanes under saturation: interactive jobs start first, batch jobs keep their minimum share. */
@ExtendWith(KafkaClusterExtension.class)
class PriorityIT {

    private static final int SLOTS = 4;

    private final KafkaCluster kafka;

    PriorityIT(KafkaCluster kafka) {
        this.kafka = kafka;
    }

    /** Records the order jobs start in; each job runs until the test lets one finish. */
    private static final class Gated implements JobHandler {
        final List<String> started = new CopyOnWriteArrayList<>();
        final Semaphore finish = new Semaphore(0, true); // fair: jobs finish in the order they started

        @Override
        public JobOutcome handle(JobRequest job, ChunkPublisher chunks) throws InterruptedException {
            started.add(job.jobId());
            finish.acquire();
            return JobOutcome.succeeded(TestJobs.completion(job.jobId(), "ok"), TestJobs.usage());
        }
    }

    @Test
    void interactiveJobsStartFirstAndBatchKeepsItsShare() throws Exception {
        try (KafkaFixture fx = new KafkaFixture(kafka.bootstrapServers(), "priority").create(1)) {
            Gated handler = new Gated();
            WorkerSettings settings = fx.settingsBuilder("w-priority").maxInFlight(SLOTS).batchMinShare(0.2)
                    .clientProperties(Map.of("max.poll.records", "500")).build();
            List<JobRequest> batch = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                batch.add(TestJobs.job("b" + i, false));
            }
            fx.sendAll(batch);
            try (JobWorker worker = new JobWorker(settings, handler, Clock.systemUTC(), new SimpleMeterRegistry())) {
                worker.start();
                // saturated: every slot busy with a batch job, at least enough batch jobs to fill them waiting
                await().atMost(Duration.ofSeconds(60)).until(() -> handler.started.size() == SLOTS
                        && worker.backlog() >= SLOTS);
                int batchWaiting = worker.backlog();
                for (int i = 0; i < 10; i++) {
                    fx.sendInteractive(TestJobs.job("i" + i, false));
                }
                // a full worker still fetches the interactive lane
                await().atMost(Duration.ofSeconds(30)).until(() -> worker.backlog() >= batchWaiting + SLOTS);
                assertThat(handler.started).hasSize(SLOTS);

                // free one slot at a time and see which job takes it
                StringBuilder lanes = new StringBuilder();
                for (int n = 1; n <= 16; n++) {
                    int before = handler.started.size();
                    handler.finish.release();
                    await().atMost(Duration.ofSeconds(30)).until(() -> handler.started.size() == before + 1);
                    lanes.append(handler.started.get(before).charAt(0) == 'i' ? 'I' : 'B');
                }
                // interactive first, and every 5th contested slot (batch_min_share 0.2) to batch; then batch alone
                assertThat(lanes.toString()).isEqualTo("IIIIBIIIIBIIBBBB");
                List<String> interactiveOrder = handler.started.stream().filter(id -> id.startsWith("i")).toList();
                assertThat(interactiveOrder).containsExactly("i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8",
                        "i9");
                handler.finish.release(1000);
                await().atMost(Duration.ofSeconds(60)).until(() -> handler.started.size() == 50);
            }
        }
    }
}
