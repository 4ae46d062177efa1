package dev.llmq.ingest;

import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Two ingest instances on one set of topics ({@link TopicsFixture}), each with a client of its HTTP API: one Streams
 * application, the status store's partitions split between them.
 */
final class IngestPair implements AutoCloseable {

    final TopicsFixture fixture;
    IngestServer a;
    IngestServer b;
    HttpTestClient httpA;
    HttpTestClient httpB;

    private final KafkaCluster kafka;
    private final String name;
    private final UnaryOperator<IngestSettings.Builder> settings;

    /** @param settings what the test sets beyond the topics and one transactional producer per instance */
    IngestPair(KafkaCluster kafka, String name, UnaryOperator<IngestSettings.Builder> settings) {
        this.kafka = kafka;
        this.name = name;
        this.settings = settings;
        this.fixture = new TopicsFixture(kafka.bootstrapServers(), name);
        start();
    }

    private IngestServer server(String instance) {
        IngestSettings s = settings.apply(IngestSettings.builder(kafka.bootstrapServers(), instance).port(0)
                .topics(fixture.topics()).transactionalProducers(1)).build();
        return SubmitIT.startReady(s, Set.of("gpt-4o-mini"), new SimpleMeterRegistry());
    }

    private void start() {
        a = server(name + "-a");
        b = server(name + "-b");
        httpA = new HttpTestClient(a.port());
        httpB = new HttpTestClient(b.port());
        await().atMost(Duration.ofSeconds(60)).until(() -> a.ready() && b.ready());
    }

    /** Stops both instances and starts them again (new ports, new clients). */
    void restart() {
        b.close();
        a.close();
        start();
    }

    @Override
    public void close() {
        b.close();
        a.close();
        fixture.close();
    }
}
