package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKey.Scope;
import dev.llmq.config.ApiKeys;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two ingest instances with API keys and one internal key: each holds part of the status store and asks the other
 * for the rest on the internal route, presenting the internal key, so every job is found through either instance; the
 * tenant rules hold across the hop.
 */
@ExtendWith(KafkaClusterExtension.class)
class KeyedInstancesIT {

    private static final String ACME = "llmq-sk-keyed-acme";
    private static final String GLOBEX = "llmq-sk-keyed-globex";
    private static final ApiKeys KEYS = ApiKeys.of(List.of(
            new ApiKey("acme", ApiKeys.hash(ACME), "acme", null, List.of(), Set.of(), Set.of(Scope.SUBMIT, Scope.READ),
                    null, null),
            new ApiKey("globex", ApiKeys.hash(GLOBEX), "globex", null, List.of(), Set.of(), Set.of(Scope.READ), null,
                    null)));

    private static TopicsFixture fixture;
    private static IngestServer a;
    private static IngestServer b;

    @BeforeAll
    static void start(KafkaCluster kafka) {
        fixture = new TopicsFixture(kafka.bootstrapServers(), "keyed");
        a = SubmitIT.startServer(settings(kafka, "keyed-a"), new SimpleMeterRegistry());
        b = SubmitIT.startServer(settings(kafka, "keyed-b"), new SimpleMeterRegistry());
    }

    private static IngestSettings settings(KafkaCluster kafka, String instance) {
        return IngestSettings.builder(kafka.bootstrapServers(), instance).port(0).topics(fixture.topics())
                .transactionalProducers(1).apiKeys(KEYS).internalKey("keyed-internal-key").build();
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        fixture.close();
    }

    @Test
    void everyJobIsFoundThroughEitherInstanceWithTheTenantsKeyOnly() {
        HttpTestClient httpA = new HttpTestClient(a.port());
        HttpTestClient httpB = new HttpTestClient(b.port());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            HttpTestClient.Response r = httpA.post("/v1/jobs", SubmitIT.CHAT, "application/json",
                    "Authorization", "Bearer " + ACME);
            assertThat(r.status()).as(r.body()).isEqualTo(202);
            ids.add(r.json().path("id").asText());
        }
        // 12 jobs over 3 partitions held by two instances: B asks A for A's share (401 without the key: a 503 here)
        for (String id : ids) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                HttpTestClient.Response r = httpB.get("/v1/jobs/" + id, "Authorization", "Bearer " + ACME);
                assertThat(r.status()).as(r.body()).isEqualTo(200);
            });
            assertThat(httpB.get("/v1/jobs/" + id, "Authorization", "Bearer " + GLOBEX).status()).isEqualTo(404);
            assertThat(httpA.get("/v1/jobs/" + id, "Authorization", "Bearer " + GLOBEX).status()).isEqualTo(404);
        }
    }
}
