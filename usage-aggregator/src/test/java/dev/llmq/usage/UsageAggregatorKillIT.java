package dev.llmq.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.Topics;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.testkit.kafka.LogEnds;
import dev.llmq.usage.internal.GroupDeltas;
import dev.llmq.usage.internal.UsageMath;
import dev.llmq.usage.internal.UsageRecordSerde;
import dev.llmq.usage.internal.UsageStreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once through SIGKILL: an aggregator in a process of its own counts results while they arrive and is killed
 * twice mid-stream (the group sums of the results since its last commit in its heap); the next instance, another
 * process then one in this JVM, take over from the changelogs and committed offsets, and the totals count every
 * result once, to the last request and micro-dollar. And the sums an earlier version left in the waiting sums'
 * changelog are counted after an upgrade.
 */
@ExtendWith(KafkaClusterExtension.class)
class UsageAggregatorKillIT {

    private static final int PARTITIONS = 3;
    private static final int RESULTS = 3_000;
    private static final BigDecimal COST = new BigDecimal("0.000123");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dirs;

    /** The aggregators' settings: a 6 s session, so a killed instance's partitions move on within seconds. */
    static UsageSettings settings(String bootstrap, TopicNames topics, String id, Path stateDir) {
        return UsageSettings.builder(bootstrap, id).topics(topics).stateDir(stateDir)
                .kafkaProperties(Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1000"))
                .queryTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void aKilledAggregatorsWaitingSumsAreCountedOnceByTheNextOne(KafkaCluster kafka) throws Exception {
        TopicNames topics = new TopicNames("it-usage-kill-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topics,
                PARTITIONS, (short) 1).ensureTopics(Duration.ofSeconds(30));
        Process first = child(kafka, topics, "agg-1");
        try (KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
            send(producer, topics, 0, 1_000);
            first.destroyForcibly().waitFor();
            Process second = child(kafka, topics, "agg-2");
            try {
                send(producer, topics, 1_000, 2_000);
                second.destroyForcibly().waitFor();
            } finally {
                second.destroyForcibly();
            }
            send(producer, topics, 2_000, RESULTS);
        } finally {
            first.destroyForcibly();
        }
        try (UsageAggregator last = new UsageAggregator(settings(kafka.bootstrapServers(), topics, "agg-3",
                dirs.resolve("agg-3")), new SimpleMeterRegistry(), Clock.systemUTC()).start()) {
            URI query = URI.create(last.url() + "/v1/usage?group_by=model&window=total");
            // on a timeout the last count is the failure's message (lost sums show as fewer, doubled ones as more)
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                    assertThat(requests(query)).as("results counted after two SIGKILLs").isEqualTo(RESULTS));
            JsonNode model = model(query);
            assertThat(model.path("requests").asLong()).isEqualTo(RESULTS);
            assertThat(new BigDecimal(model.path("cost_usd").asText()))
                    .isEqualByComparingTo(COST.multiply(BigDecimal.valueOf(RESULTS)));
        }
        // the sums went on at the commits: per group and minute of each commit, not per result, and none waited
        int groupsPerResult = UsageMath.groupKeys(result(0)).size();
        assertThat(appended(kafka, UsageStreams.repartitionTopic(topics)))
                .as("records appended to the repartition topic (transaction markers included)")
                .isLessThan((long) RESULTS * groupsPerResult / 3);
        assertThat(appended(kafka, UsageStreams.changelogTopic(topics, UsageTopology.DELTAS_STORE)))
                .as("records appended to the waiting sums' changelog").isZero();
    }

    @Test
    void sumsAnEarlierVersionLeftWaitingInTheChangelogAreCountedWithoutANewResult(KafkaCluster kafka)
            throws Exception {
        TopicNames topics = new TopicNames("it-usage-upgrade-" + UUID.randomUUID().toString().substring(0, 8));
        Map<String, Object> client = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        new TopicProvisioner(client, topics, PARTITIONS, (short) 1).ensureTopics(Duration.ofSeconds(30));
        // an earlier version wrote the sums still waiting at each commit (and at a clean stop) to the changelog
        String changelog = UsageStreams.changelogTopic(topics, UsageTopology.DELTAS_STORE);
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(changelog, PARTITIONS, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
        JobResult r = result(0);
        try (KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
            producer.send(new ProducerRecord<>(changelog, 1, GroupDeltas.minuteKey(r.completedAt().toEpochMilli())
                    + "model:m", new UsageRecordSerde().serialize(changelog, UsageMath.delta("model:m", r)))).get();
        }

        try (UsageAggregator upgraded = new UsageAggregator(settings(kafka.bootstrapServers(), topics, "agg-new",
                dirs.resolve("agg-new")), new SimpleMeterRegistry(), Clock.systemUTC()).start()) {
            URI query = URI.create(upgraded.url() + "/v1/usage?group_by=model&window=total");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                    assertThat(requests(query)).as("the restored sum's requests, no result sent").isEqualTo(1));
            assertThat(new BigDecimal(model(query).path("cost_usd").asText())).isEqualByComparingTo(COST);
        }
        assertThat(appended(kafka, changelog)).as("the restored sum and its deletion, its transaction's marker")
                .isEqualTo(3);
    }

    /**
     * An aggregator started on results written before it (a restart after results kept coming while it was down)
     * answers usage only once it has counted them: 503 until then, never a partial sum (it answered 3,205 requests
     * where 3,705 were made, the moment it said it was ready), and ready only then.
     */
    @Test
    void anAggregatorStartedOnABacklogAnswersOnlyWholeSums(KafkaCluster kafka) throws Exception {
        TopicNames topics = new TopicNames("it-usage-backlog-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topics,
                PARTITIONS, (short) 1).ensureTopics(Duration.ofSeconds(30));
        int backlog = 20_000;
        try (KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < backlog; i++) {
                JobResult r = result(i);
                sent.add(producer.send(new ProducerRecord<>(topics.results(), null, r.completedAt().toEpochMilli(),
                        r.jobId(), JsonSerde.jobResult().toBytes(r))));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        }
        try (UsageAggregator started = new UsageAggregator(settings(kafka.bootstrapServers(), topics, "agg-backlog",
                dirs.resolve("agg-backlog")), new SimpleMeterRegistry(), Clock.systemUTC()).start()) {
            URI query = URI.create(started.url() + "/v1/usage?group_by=model&window=total");
            List<Integer> unavailable = new ArrayList<>();
            AtomicReference<String> first = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).until(() -> {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(query).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 503) {
                    unavailable.add(r.statusCode());
                    return false;
                }
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                first.set(r.body());
                return true;
            });
            assertThat(Json.mapper().readTree(first.get()).at("/data/0/requests").asLong())
                    .as("the first answer counts the whole backlog").isEqualTo(backlog);
            assertThat(started.ready()).isTrue();
            assertThat(unavailable).as("asked while it counted").isNotEmpty();
        }
    }

    /** Records (and transaction markers) ever appended to {@code topic}: the sum of its high watermarks. */
    private static long appended(KafkaCluster kafka, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic)
                    .partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            return LogEnds.read(admin, partitions).highWatermarks().values().stream().mapToLong(Long::longValue)
                    .sum();
        }
    }

    /**
     * One state directory through a clean stop and a SIGKILL (the state a user's {@code llmq.usage.state_dir} keeps):
     * each restart on it counts every result once, and Kafka Streams finds no task corrupted, since the directories of
     * tasks without a checkpoint are dropped before it starts (ExactlyOnceState).
     */
    @Test
    void anAggregatorRestartedOnItsOwnStateAfterAStopAndAKillCountsEveryResultOnce(KafkaCluster kafka)
            throws Exception {
        TopicNames topics = new TopicNames("it-usage-restart-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topics,
                PARTITIONS, (short) 1).ensureTopics(Duration.ofSeconds(30));
        Path state = dirs.resolve("agg-same");
        Logger streams = (Logger) LoggerFactory.getLogger("org.apache.kafka.streams");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        streams.addAppender(logged);
        try (KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
            try (UsageAggregator first = sameState(kafka, topics, state)) {
                send(producer, topics, 0, 300);
                awaitCounted(first, 300);
            }
            Process killed = child(kafka, topics, "agg-same");
            try {
                send(producer, topics, 300, 600);
                awaitTotal(kafka.bootstrapServers(), topics, 600); // counted and committed by the child
            } finally {
                killed.destroyForcibly().waitFor();
            }
            try (UsageAggregator next = sameState(kafka, topics, state)) {
                send(producer, topics, 600, 700);
                awaitCounted(next, 700);
                assertThat(requests(URI.create(next.url() + "/v1/usage?group_by=model&window=total")))
                        .isEqualTo(700);
            }
        } finally {
            streams.detachAppender(logged);
        }
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                .as("tasks Kafka Streams found corrupted")
                .noneMatch(m -> m.toLowerCase(Locale.ROOT).contains("corrupt"));
    }

    private UsageAggregator sameState(KafkaCluster kafka, TopicNames topics, Path state) {
        return new UsageAggregator(settings(kafka.bootstrapServers(), topics, "agg-same", state),
                new SimpleMeterRegistry(), Clock.systemUTC()).start();
    }

    private static void awaitCounted(UsageAggregator aggregator, long results) {
        URI query = URI.create(aggregator.url() + "/v1/usage?group_by=model&window=total");
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .until(() -> requests(query) == results);
    }

    /** Waits for the usage total topic (read committed) to show {@code requests} for the model. */
    private static void awaitTotal(String bootstrap, TopicNames topics, long requests) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest", ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.name(Topics.USAGE_TOTAL)));
            long[] seen = {0};
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key().equals("model:m")) {
                        seen[0] = JsonSerde.usageRecord().fromBytes(r.value()).requests();
                    }
                }
                return seen[0] == requests;
            });
        }
    }

    /** Sends results {@code from} to {@code to} (exclusive), about 1,000 a second. */
    static void send(KafkaProducer<String, byte[]> producer, TopicNames topics, int from, int to)
            throws Exception {
        List<Future<?>> sent = new ArrayList<>();
        for (int i = from; i < to; i++) {
            JobResult r = result(i);
            sent.add(producer.send(new ProducerRecord<>(topics.results(), null, r.completedAt().toEpochMilli(),
                    r.jobId(), JsonSerde.jobResult().toBytes(r))));
            if (i % 50 == 49) {
                producer.flush();
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // about 1,000 a second
            }
        }
        for (Future<?> f : sent) {
            f.get();
        }
    }

    /** Result {@code i}: completed now, three tenants, two deployments, one model and tag. */
    private static JobResult result(int i) {
        Instant at = Instant.now();
        return new JobResult(JobResult.SCHEMA_VERSION, "job-" + i, null, null, "tenant-" + i % 3, "m",
                JobStatus.SUCCEEDED, Json.mapper().createObjectNode(), null, new TokenUsage(10, 5, 15, 0, 0, 0),
                COST, null, "d-" + i % 2, "openai", "m", List.of(), 10L, null, at, at, at, List.of("t"), null, null);
    }

    /** An aggregator in a process of its own, ready. */
    private Process child(KafkaCluster kafka, TopicNames topics, String id) throws Exception {
        Path log = dirs.resolve(id + ".log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), UsageAggregatorChild.class.getName(), kafka.bootstrapServers(),
                topics.prefix(), id, dirs.resolve(id).toString()).redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!p.isAlive()) {
                throw new IllegalStateException(id + " exited: " + Files.readString(log));
            }
            return Files.readString(log).lines().anyMatch("ready"::equals);
        });
        return p;
    }

    static long requests(URI query) throws Exception {
        JsonNode model = model(query);
        return model == null ? 0 : model.path("requests").asLong();
    }

    private static JsonNode model(URI query) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(query).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            return null;
        }
        for (JsonNode row : Json.mapper().readTree(r.body()).path("data")) {
            if (row.path("key").asText().equals("m")) {
                return row;
            }
        }
        return null;
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(p);
    }
}
