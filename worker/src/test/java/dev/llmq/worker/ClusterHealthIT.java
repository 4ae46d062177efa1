package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.Deployment;
import dev.llmq.router.RouteRequest;
import dev.llmq.router.Router;
import dev.llmq.router.Selection;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.worker.health.ClusterHealth;
import dev.llmq.worker.health.GroupShare;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Deployment health and rpm/tpm shares across worker processes, through a real broker. */
@ExtendWith(KafkaClusterExtension.class)
class ClusterHealthIT {

    private static final String CONFIG = """
            model_list:
              - model_name: g
                litellm_params: { model: openai/a, api_base: "http://127.0.0.1:9", api_key: k, rpm: 60 }
                model_info: { id: a }
              - model_name: g
                litellm_params: { model: openai/b, api_base: "http://127.0.0.1:9", api_key: k }
                model_info: { id: b }
            """;

    private final KafkaCluster kafka;
    private final Clock clock = Clock.systemUTC();

    ClusterHealthIT(KafkaCluster kafka) {
        this.kafka = kafka;
    }

    private Router router(long seed) {
        return new Router(ConfigLoader.parse(CONFIG, Map.of()), clock, new SplittableRandom(seed));
    }

    private static Deployment deployment(Router router, String id) {
        return router.config().deployments().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    /** Runs jobs on {@code router} until deployment {@code id} has failed once with {@code error}. */
    private static void failOn(Router router, String id, ProviderError error) {
        List<String> picked = new ArrayList<>();
        for (int i = 0; i < 50 && !picked.contains(id); i++) {
            router.execute(RouteRequest.of("g"), (d, n) -> {
                picked.add(d.id());
                if (d.id().equals(id)) {
                    throw new ProviderException(error);
                }
                return ok();
            });
        }
        assertThat(picked).as("deployments picked").contains(id);
    }

    private static ProviderResponse ok() {
        return new ProviderResponse(JsonNodeFactory.instance.objectNode().put("object", "chat.completion"),
                new TokenUsage(10, 5, 15, 0, 0), Duration.ofMillis(10), null, List.of(), null);
    }

    @Test
    void healthReachesTheOtherWorkerWithinASecondAndALateStarterAppliesItBeforeItIsReady() throws Exception {
        try (KafkaFixture fx = new KafkaFixture(kafka.bootstrapServers(), "health").create(2)) {
            Router routerA = router(1);
            Router routerB = router(2);
            try (ClusterHealth a = ClusterHealth.start(routerA.health(), fx.settings("wa"), clock);
                 ClusterHealth b = ClusterHealth.start(routerB.health(), fx.settings("wb"), clock)) {
                assertThat(a.awaitReady(Duration.ofSeconds(30))).isTrue();
                assertThat(b.awaitReady(Duration.ofSeconds(30))).isTrue();

                failOn(routerA, "a", ProviderError.builder(ErrorKind.RATE_LIMITED).httpStatus(429)
                        .message("slow down").retryAfter(Duration.ofSeconds(20)).build());
                long cooledAt = System.nanoTime();
                Instant until = routerA.health().snapshot(deployment(routerA, "a")).cooledUntil();
                assertThat(until).isNotNull();
                await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(5)).untilAsserted(() ->
                        assertThat(routerB.health().snapshot(deployment(routerB, "a")).cooledUntil()).isEqualTo(until));
                System.err.printf("cooldown reached the other worker after %d ms%n",
                        (System.nanoTime() - cooledAt) / 1_000_000);
                assertThat(routerB.select(RouteRequest.of("g"))).isInstanceOfSatisfying(Selection.Selected.class,
                        s -> assertThat(s.deployment().id()).isEqualTo("b"));

                // other kinds of control messages and garbage under a health key are skipped
                fx.sendRaw(new ProducerRecord<>(fx.topics.control(), KafkaFixture.utf8("cancel:job-9"),
                        KafkaFixture.utf8("{\"type\":\"cancel\"}")));
                fx.sendRaw(new ProducerRecord<>(fx.topics.control(), KafkaFixture.utf8("deployment-health:b:cooldown"),
                        KafkaFixture.utf8("{not json")));

                failOn(routerB, "b", ProviderError.builder(ErrorKind.AUTHENTICATION).httpStatus(401)
                        .message("bad key").build());
                Instant untilB = routerB.health().snapshot(deployment(routerB, "b")).cooledUntil();
                assertThat(untilB).isNotNull();
                await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(5)).untilAsserted(() ->
                        assertThat(routerA.health().snapshot(deployment(routerA, "b")).cooledUntil()).isEqualTo(untilB));

                Router routerC = router(3);
                try (ClusterHealth c = ClusterHealth.start(routerC.health(), fx.settings("wc"), clock)) {
                    assertThat(c.awaitReady(Duration.ofSeconds(30))).isTrue();
                    assertThat(routerC.health().snapshot(deployment(routerC, "a")).cooledUntil()).isEqualTo(until);
                    assertThat(routerC.health().snapshot(deployment(routerC, "b")).cooledUntil()).isEqualTo(untilB);
                    assertThat(c.shared().applied()).isEqualTo(2);
                }
                assertThat(a.shared().applied()).as("A applied B's event, not its own").isEqualTo(1);
                assertThat(b.shared().applied()).as("B applied A's event, not its own").isEqualTo(1);
                assertThat(fx.readAll(fx.topics.control())).extracting(r -> new String(r.key()))
                        .contains("deployment-health:a:cooldown", "deployment-health:b:cooldown");
            }
        }
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void eachWorkerTakesOneNthOfTheLimitsWhileNWorkersRun(String protocol) throws Exception {
        try (KafkaFixture fx = new KafkaFixture(kafka.bootstrapServers(), "share-" + protocol).create(2)) {
            Router router = router(4);
            List<KafkaConsumer<byte[], byte[]>> members = new ArrayList<>();
            try (GroupShare share = new GroupShare(Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers())), fx.group, List.of(fx.topics.jobs()), router.health(), Duration.ofSeconds(1))) {
                for (int i = 0; i < 2; i++) {
                    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                            ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol,
                            ConsumerConfig.GROUP_ID_CONFIG, fx.group), new ByteArrayDeserializer(),
                            new ByteArrayDeserializer());
                    c.subscribe(List.of(fx.topics.jobs()));
                    members.add(c);
                }
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    members.forEach(c -> c.poll(Duration.ofMillis(50)));
                    assertThat(members).allSatisfy(c -> assertThat(c.assignment()).isNotEmpty());
                });
                assertThat(share.refresh()).isEqualTo(2);
                assertThat(router.health().processFraction()).isEqualTo(0.5);
                assertThat(router.health().snapshot(deployment(router, "a")).rpmLimit()).isEqualTo(30);

                members.removeLast().close();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    members.forEach(c -> c.poll(Duration.ofMillis(50)));
                    assertThat(share.refresh()).isEqualTo(1);
                });
                assertThat(router.health().snapshot(deployment(router, "a")).rpmLimit()).isEqualTo(60);
            } finally {
                members.forEach(KafkaConsumer::close);
            }
        }
    }
}
