package dev.llmq.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.router.Budget;
import dev.llmq.router.BudgetPeriod;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budgets changed on a running aggregator (a config reload) and while it was down, on a real broker: readers of the
 * control topic see a raised limit lift a reached budget, a removed budget's tombstone, and a lowered limit reach a
 * budget again at the next start, with no result in between.
 */
@ExtendWith(KafkaClusterExtension.class)
class BudgetReloadIT {

    private static final String A = "budget:tenant:t-a";
    private static final String B = "budget:tenant:t-b";

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dirs;

    @Test
    void readersSeeChangedAndRemovedBudgetsWithoutANewResult(KafkaCluster kafka) throws Exception {
        TopicNames topics = new TopicNames("it-budget-reload-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topics,
                3, (short) 1).ensureTopics(Duration.ofSeconds(30));
        try (KafkaConsumer<String, byte[]> control = control(kafka.bootstrapServers(), topics)) {
            Map<String, BudgetMessage> latest = new HashMap<>();
            try (UsageAggregator first = aggregator(kafka, topics, "agg-1", budget("t-a", "1.00"),
                    budget("t-b", "1.00"))) {
                try (KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
                    for (int i = 0; i < 3; i++) {
                        send(producer, topics, "a-" + i, "t-a");
                        send(producer, topics, "b-" + i, "t-b");
                    }
                }
                awaitControl(control, latest, "both budgets reached", m -> reached(m.get(A)) && reached(m.get(B)));
                URI usage = URI.create(first.url() + "/v1/usage?group_by=tenant");
                await().atMost(Duration.ofSeconds(60)).until(() -> HTTP.send(HttpRequest.newBuilder(usage).build(),
                        HttpResponse.BodyHandlers.ofString()).body().split("\"succeeded\":3,", -1).length == 3);

                first.reloadBudgets(List.of(budget("t-a", "5.00")));
                awaitControl(control, latest, "t-a lifted by its new limit, t-b forgotten",
                        m -> m.containsKey(A) && !m.get(A).exceeded() && m.containsKey(B) && m.get(B) == null);
                assertThat(latest.get(A).maxBudgetUsd()).isEqualByComparingTo("5.00");
                assertThat(latest.get(A).spentUsd()).isEqualByComparingTo("1.50");
            }

            try (UsageAggregator second = aggregator(kafka, topics, "agg-1", budget("t-a", "1.00"))) {
                awaitControl(control, latest, "t-a reached again by the limit it has at the next start",
                        m -> reached(m.get(A)) && m.get(A).maxBudgetUsd().compareTo(BigDecimal.ONE) == 0);
                assertThat(latest.get(A).spentUsd()).isEqualByComparingTo("1.50");
            }
        }
    }

    private static boolean reached(BudgetMessage m) {
        return m != null && m.exceeded();
    }

    /** Polls the control topic into {@code latest} (a tombstone as null) until {@code done} holds. */
    private static void awaitControl(KafkaConsumer<String, byte[]> control, Map<String, BudgetMessage> latest,
                                     String what, Predicate<Map<String, BudgetMessage>> done) {
        await().atMost(Duration.ofSeconds(60)).alias(what).until(() -> {
            for (ConsumerRecord<String, byte[]> r : control.poll(Duration.ofMillis(200))) {
                latest.put(r.key(), r.value() == null ? null : JsonSerde.budget().fromBytes(r.value()));
            }
            return done.test(latest);
        });
    }

    private UsageAggregator aggregator(KafkaCluster kafka, TopicNames topics, String id, Budget... budgets) {
        UsageSettings settings = UsageSettings.builder(kafka.bootstrapServers(), id).topics(topics)
                .stateDir(dirs.resolve(id)).budgets(List.of(budgets))
                .kafkaProperties(Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1000"))
                .queryTimeout(Duration.ofSeconds(10)).build();
        return new UsageAggregator(settings, new SimpleMeterRegistry(), Clock.systemUTC()).start();
    }

    private static Budget budget(String tenant, String max) {
        return new Budget(BudgetMessage.SCOPE_TENANT, tenant, new BigDecimal(max), BudgetPeriod.parse("1d"),
                BudgetMessage.ON_EXCEEDED_WAIT);
    }

    private static void send(KafkaProducer<String, byte[]> producer, TopicNames topics, String jobId, String tenant)
            throws Exception {
        Instant at = Instant.now();
        JobResult r = new JobResult(JobResult.SCHEMA_VERSION, jobId, null, null, tenant, "m", JobStatus.SUCCEEDED,
                Json.mapper().createObjectNode(), null, new TokenUsage(10, 5, 15, 0, 0, 0), new BigDecimal("0.50"),
                null, "d-1", "openai", "m", List.of(), 10L, null, at, at, at, List.of(), null, null);
        producer.send(new ProducerRecord<>(topics.results(), null, at.toEpochMilli(), jobId,
                JsonSerde.jobResult().toBytes(r))).get();
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> control(String bootstrap, TopicNames topics) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(topics.control()));
        return consumer;
    }
}
