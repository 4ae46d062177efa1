package dev.llmq.worker;

import static dev.llmq.worker.KafkaFixture.header;
import static dev.llmq.worker.KafkaFixture.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.llmq.router.DeploymentHealthEvent;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.DeploymentHealthMessage;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.worker.health.KafkaHealthBus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Junk on every topic a running worker reads (both job lanes, the control topic with its cancellations, budgets and
 * health): junk jobs go to the dead-letter topic with a reason, junk control records are skipped, and every loop keeps
 * going (a valid job, a cancellation and a health event sent after the junk all take effect). No error is logged by
 * llmq and no thread dies.
 */
class HostileRecordsIT extends WorkerIT {

    static final int BIG = 5 * 1024 * 1024;
    static final Duration WAIT = Duration.ofSeconds(60);
    static final JsonSerde<JobControlMessage> CONTROL = JsonSerde.jobControl();

    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    final ConcurrentLinkedQueue<Throwable> uncaught = new ConcurrentLinkedQueue<>();
    Thread.UncaughtExceptionHandler previousHandler;

    HostileRecordsIT(KafkaCluster kafka) {
        super(kafka);
    }

    @BeforeEach
    void watch() {
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
    }

    @AfterEach
    void unwatch() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        Thread.setDefaultUncaughtExceptionHandler(previousHandler);
    }

    /** Junk job records: garbage, invalid UTF-8 and NUL, wrong shapes, 5 MB, tombstones (keyed and not). */
    static List<ProducerRecord<byte[], byte[]>> junkJobs(String topic) {
        byte[] garbage = new byte[1024];
        new Random(7).nextBytes(garbage);
        byte[] big = new byte[BIG];
        Arrays.fill(big, (byte) 'x');
        System.arraycopy(utf8("{\"job_id\":\""), 0, big, 0, 11);
        return List.of(
                new ProducerRecord<>(topic, utf8("garbage"), garbage),
                new ProducerRecord<>(topic, utf8("bad-utf8"), new byte[] {'{', '"', 'j', (byte) 0xC3, 0, (byte) 0xFF,
                        '"', ':', '1', '}'}),
                new ProducerRecord<>(topic, utf8("wrong-types"), utf8("{\"job_id\":[\"x\"],\"model_group\":{},"
                        + "\"body\":\"nope\",\"stream\":\"maybe\",\"priority\":1e999}")),
                new ProducerRecord<>(topic, utf8("array"), utf8("[1,2,3]")),
                new ProducerRecord<>(topic, utf8("empty-object"), utf8("{}")),
                new ProducerRecord<>(topic, utf8("five-mb"), big),
                new ProducerRecord<>(topic, utf8("tombstone"), null),
                new ProducerRecord<>(topic, null, null));
    }

    /** Junk control records, each keyed (the topic is compacted): for cancellations, budgets and health. */
    static List<ProducerRecord<byte[], byte[]>> junkControl(String topic) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        String health = DeploymentHealthMessage.KEY_PREFIX + "junk:cooldown";
        String[][] typed = {
                {JobControlMessage.TYPE_CANCEL, "cancel:junk"},
                {BudgetMessage.TYPE, BudgetMessage.key("tenant", "junk")},
                {DeploymentHealthMessage.TYPE, health},
                {"no-such-type", "other:junk"}};
        byte[][] bodies = {utf8("{not json"), utf8("[1,2]"), utf8("{\"job_id\":{},\"spent_usd\":\"lots\",\"state\":7,"
                + "\"until\":\"yesterday\"}"), new byte[] {0, (byte) 0xFF, (byte) 0xC3}, utf8("null"),
                utf8("[".repeat(50_000))};
        for (String[] kind : typed) {
            for (byte[] body : bodies) {
                out.add(new ProducerRecord<>(topic, null, utf8(kind[1]), body,
                        List.of(new RecordHeader(LlmqHeaders.CONTROL_TYPE, utf8(kind[0])))));
            }
            out.add(new ProducerRecord<>(topic, null, utf8(kind[1]), null,
                    List.of(new RecordHeader(LlmqHeaders.CONTROL_TYPE, utf8(kind[0])))));
        }
        out.add(new ProducerRecord<>(topic, utf8(health), utf8("{\"deployment_id\":5}")));
        return out;
    }

    @Test
    void junkOnEveryTopicNeverStopsALoop() throws Exception {
        KafkaFixture fx = fixture("hostile", 1);
        String batch = fx.topics.jobs();
        String interactive = fx.topics.jobsInteractive();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, fx.bootstrap))) {
            AlterConfigOp bigger = new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                    Integer.toString(2 * BIG)), AlterConfigOp.OpType.SET);
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, batch), List.of(bigger),
                    new ConfigResource(ConfigResource.Type.TOPIC, interactive), List.of(bigger))).all().get();
        }
        start(fx.settings("w1"), new TestHandler());
        ConcurrentLinkedQueue<DeploymentHealthEvent> heard = new ConcurrentLinkedQueue<>();
        try (KafkaHealthBus listening = new KafkaHealthBus(fx.bootstrap, Map.of(), fx.topics, "listener/1",
                TestJobs.CLOCK, (event, source, at) -> heard.add(event)).start();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fx.bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                     ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * BIG), new ByteArraySerializer(),
                     new ByteArraySerializer())) {
            List<ProducerRecord<byte[], byte[]>> junk = new ArrayList<>(junkJobs(batch));
            junk.addAll(junkJobs(interactive));
            for (ProducerRecord<byte[], byte[]> record : junk) {
                producer.send(record).get();
            }
            for (ProducerRecord<byte[], byte[]> record : junkControl(fx.topics.control())) {
                producer.send(record).get();
            }

            // after the junk: a cancellation, valid jobs on both lanes, and another worker's health event
            JobControlMessage cancel = JobControlMessage.cancelJob("cancel-me", "after the junk", "test", TestJobs.NOW);
            producer.send(new ProducerRecord<>(fx.topics.control(), null, utf8(cancel.key()), CONTROL.toBytes(cancel),
                    List.of(new RecordHeader(LlmqHeaders.CONTROL_TYPE, utf8(cancel.type()))))).get();
            try (KafkaHealthBus publishing = new KafkaHealthBus(fx.bootstrap, Map.of(), fx.topics, "publisher/1",
                    TestJobs.CLOCK, (event, source, at) -> { }).start()) {
                publishing.publish(new DeploymentHealthEvent("real-1", DeploymentHealthEvent.State.COOLED,
                        TestJobs.NOW.plusSeconds(30), "429"));
            }
            // the listening bus reads the control topic past the cancellation: the worker's reader is as far, or near
            await().atMost(WAIT).untilAsserted(() -> assertThat(heard).extracting(DeploymentHealthEvent::deploymentId)
                    .containsExactly("real-1"));
            fx.send(TestJobs.job("cancel-me", false));
            fx.send(TestJobs.job("good-batch", true));
            fx.sendInteractive(TestJobs.job("good-interactive", false));

            Map<String, List<JobResult>> results = await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(
                    () -> TestJobs.resultsById(fx.readAll(fx.topics.results())), r -> r.size() == 3);
            assertThat(results.get("good-batch").getFirst().status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(results.get("good-interactive").getFirst().status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(results.get("cancel-me").getFirst().status()).as("the cancellation read after the junk")
                    .isEqualTo(JobStatus.CANCELLED);

            List<ConsumerRecord<byte[], byte[]>> dead = await().atMost(WAIT).until(
                    () -> fx.readAll(fx.topics.dlq()), d -> d.size() >= junk.size());
            assertThat(dead).hasSize(junk.size());
            for (ConsumerRecord<byte[], byte[]> letter : dead) {
                assertThat(header(letter, LlmqHeaders.DLQ_REASON)).isNotBlank();
                assertThat(header(letter, LlmqHeaders.DLQ_EXCEPTION)).isNotBlank();
                assertThat(header(letter, LlmqHeaders.DLQ_ORIGINAL_TOPIC)).isIn(batch, interactive);
            }
            List<String> keys = dead.stream().map(r -> r.key() == null ? "<null>"
                    : new String(r.key(), StandardCharsets.UTF_8)).toList();
            List<String> expected = junk.stream().map(r -> r.key() == null ? "<null>"
                    : new String(r.key(), StandardCharsets.UTF_8)).toList();
            assertThat(keys).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(dead).filteredOn(r -> "five-mb".equals(r.key() == null ? null
                    : new String(r.key(), StandardCharsets.UTF_8))).hasSize(2).allSatisfy(r ->
                    assertThat(r.value() == null || r.value().length == BIG).isTrue());

            assertThat(heard).extracting(DeploymentHealthEvent::deploymentId).as("no junk reached the listener")
                    .containsExactly("real-1");
        }
        assertThat(uncaught).isEmpty();
        assertThat(logs.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.ERROR)
                && e.getLoggerName().startsWith("dev.llmq")).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.contains("skipping unreadable"));
    }
}
