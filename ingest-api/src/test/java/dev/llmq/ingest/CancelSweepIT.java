package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.ingest.internal.CancelSweeper;
import dev.llmq.ingest.internal.ControlPublisher;
import dev.llmq.ingest.internal.ControlStates;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Old cancellations are deleted from the compacted control topic (tombstones), and the ingest forgets them; recent
 * ones and other kinds of control records stay.
 */
@ExtendWith(KafkaClusterExtension.class)
class CancelSweepIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void cancellationsOlderThanTheRetentionAreDeletedAndNothingElse(KafkaCluster kafka) {
        long otherSweepers = sweepThreads(); // of servers other tests may have left running in this JVM
        try (TopicsFixture fixture = new TopicsFixture(kafka.bootstrapServers(), "sweep")) {
            IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "sweep-a").port(0)
                    .topics(fixture.topics()).transactionalProducers(1).build();
            try (IngestServer server = new IngestServer(settings, () -> Set.of("gpt-4o-mini"), () -> true,
                    Clock.systemUTC(), new SimpleMeterRegistry()).start();
                 ControlStates states = new ControlStates(settings);
                 ControlPublisher publisher = new ControlPublisher(settings)) {
                HttpTestClient http = new HttpTestClient(server.port());
                await().atMost(WAIT).until(server::ready);
                assertThat(sweepThreads()).as("the server's own sweeper, hourly").isEqualTo(otherSweepers + 1);
                states.start();
                await().atMost(WAIT).until(states::ready);

                String recent = http.post("/v1/jobs", SubmitIT.CHAT, "application/json").json().path("id").asText();
                assertThat(http.post("/v1/jobs/" + recent + "/cancel", "", null).status()).isEqualTo(202);
                // a job whose cancellation was asked eight days ago (written as the ingest wrote it then)
                String old = http.post("/v1/jobs", SubmitIT.CHAT, "application/json").json().path("id").asText();
                JobControlMessage oldCancel = JobControlMessage.cancelJob(old, null, "/llmq/ingest/earlier",
                        Instant.now().minus(Duration.ofDays(8)));
                fixture.sendControl(oldCancel.key(), JsonSerde.jobControl().toBytes(oldCancel));
                String budget = "budget:tenant:acme";
                fixture.sendControl(budget, "{}".getBytes(StandardCharsets.UTF_8));
                await().atMost(WAIT).until(() -> http.get("/v1/jobs/" + old).json().path("cancel_requested")
                        .asBoolean() && states.cancelsAskedBefore(Instant.now(), 10).size() == 2);

                CancelSweeper sweeper = new CancelSweeper(states, publisher, Clock.systemUTC(), Duration.ofHours(1));
                assertThat(sweeper.retention()).as("never shorter than the workers'")
                        .isEqualTo(JobControlMessage.CANCEL_RETENTION);
                assertThat(sweeper.sweep()).isEqualTo(1);

                // a tombstone for the old one only, read back with a plain consumer
                assertThat(fixture.controlRecords()).filteredOn(r -> r.value() == null)
                        .extracting(ConsumerRecord::key).containsExactly(oldCancel.key());
                // the ingest forgets it; the recent one stays
                await().atMost(WAIT).until(() -> !http.get("/v1/jobs/" + old).json().has("cancel_requested"));
                assertThat(http.get("/v1/jobs/" + recent).json().path("cancel_requested").asBoolean()).isTrue();
                await().atMost(WAIT).until(() -> states.cancelsAskedBefore(Instant.now(), 10).size() == 1);
                assertThat(sweeper.sweep()).as("nothing older is left").isZero();
                // a week and a day later the recent one goes too
                CancelSweeper later = new CancelSweeper(states, publisher,
                        Clock.offset(Clock.systemUTC(), Duration.ofDays(8)), Duration.ofHours(1));
                assertThat(later.sweep()).isEqualTo(1);
                assertThat(fixture.controlRecords()).filteredOn(r -> r.value() == null)
                        .extracting(ConsumerRecord::key).doesNotContain(budget)
                        .contains(JobControlMessage.jobKey(recent));
            }
            await().atMost(WAIT).until(() -> sweepThreads() == otherSweepers); // stopped with the server
        }
    }

    private static long sweepThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("llmq-ingest-cancel-sweep")).count();
    }
}
