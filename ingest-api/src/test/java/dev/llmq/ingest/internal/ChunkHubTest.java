package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.TopicNames;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hub on a log that keeps its records ({@link LogConsumer}): which records each subscriber gets, by offset, when
 * it joins late, when it is too slow, and when the consumer fails.
 */
@Timeout(60)
class ChunkHubTest {

    private static final String TOPIC = "llmq.chunks.v1";
    /** Timestamps of the log: the records' arrival order; subscribers "submitted" at {@link #T0} read from 0. */
    private static final Instant T0 = Instant.ofEpochMilli(ChunkHub.MARGIN.toMillis());

    private final IngestSettings settings = IngestSettings.builder("unused:9092", "hub-test")
            .kafkaTimeout(Duration.ofSeconds(1)).build();
    private final LogConsumer.Log log = new LogConsumer.Log(TOPIC, 1);
    private final List<LogConsumer> made = new CopyOnWriteArrayList<>();
    private ChunkHub hub;
    private long clock;

    private ChunkHub hub(int capacity, int maxPerPoll) {
        hub = new ChunkHub(settings, props -> {
            LogConsumer c = new LogConsumer(log, maxPerPoll);
            made.add(c);
            return c;
        }, Duration.ofMillis(20), capacity);
        hub.start();
        return hub;
    }

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close();
            assertThat(made).allMatch(LogConsumer::closed);
        }
    }

    private long append(String job, String text) {
        return log.append(job, text, clock++);
    }

    /** Takes records until the subscription has reached {@code end}; every taken record, in order. */
    private static List<ConsumerRecord<String, byte[]>> drain(ChunkSubscription s, long end,
                                                             List<ConsumerRecord<String, byte[]>> into) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            long reached = s.reached();
            into.addAll(s.take(Duration.ofMillis(5)));
            return reached >= end;
        });
        return into;
    }

    private static List<Long> offsets(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(ConsumerRecord::offset).toList();
    }

    @Test
    void aLateSubscriberGetsItsJobFromTheStartAndTheLiveOneGetsEachRecordOnce() {
        hub(1024, 3);
        List<Long> aOffsets = new ArrayList<>();
        List<Long> bOffsets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            aOffsets.add(append("job_a", "a" + i));
            bOffsets.add(append("job_b", "b" + i));
            append("job_other", "x" + i);
        }
        ChunkSubscription a = hub.subscribe("job_a", T0);
        List<ConsumerRecord<String, byte[]>> gotA = drain(a, log.end(0), new ArrayList<>());
        assertThat(offsets(gotA)).containsExactlyElementsOf(aOffsets);

        // job_b's subscriber comes after the consumer passed all of job_b's records: the hub goes back for it
        ChunkSubscription b = hub.subscribe("job_b", T0);
        for (int i = 10; i < 20; i++) {
            aOffsets.add(append("job_a", "a" + i));
            bOffsets.add(append("job_b", "b" + i));
        }
        drain(a, log.end(0), gotA);
        List<ConsumerRecord<String, byte[]>> gotB = drain(b, log.end(0), new ArrayList<>());

        assertThat(offsets(gotA)).containsExactlyElementsOf(aOffsets);
        assertThat(offsets(gotB)).containsExactlyElementsOf(bOffsets);
        assertThat(gotB).allMatch(r -> r.key().equals("job_b"));
        assertThat(made).hasSize(1);
        assertThat(hub.consumersCreated()).isEqualTo(1);
        assertThat(hub.subscribers()).isEqualTo(2);
        a.close();
        b.close();
        assertThat(hub.subscribers()).isZero();
    }

    @Test
    void aSlowSubscriberIsParkedWithoutHoldingBackTheOthersAndLaterGetsEverythingInOrder() {
        hub(4, 5);
        ChunkSubscription slow = hub.subscribe("job_slow", T0);
        ChunkSubscription fast = hub.subscribe("job_fast", T0);
        List<Long> slowOffsets = new ArrayList<>();
        List<Long> fastOffsets = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            slowOffsets.add(append("job_slow", "s" + i));
            fastOffsets.add(append("job_fast", "f" + i));
        }

        List<ConsumerRecord<String, byte[]>> gotFast = drain(fast, log.end(0), new ArrayList<>());
        assertThat(offsets(gotFast)).containsExactlyElementsOf(fastOffsets);
        assertThat(slow.parked).isTrue();
        assertThat(slow.reached()).isLessThan(log.end(0));

        List<ConsumerRecord<String, byte[]>> gotSlow = drain(slow, log.end(0), new ArrayList<>());
        assertThat(offsets(gotSlow)).containsExactlyElementsOf(slowOffsets);
        assertThat(hub.consumersCreated()).isEqualTo(1);
    }

    @Test
    void aFailedConsumerIsReplacedAndEverySubscriberGoesOnFromItsCursor() {
        hub(1024, 2);
        ChunkSubscription a = hub.subscribe("job_a", T0);
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            expected.add(append("job_a", "a" + i));
        }
        List<ConsumerRecord<String, byte[]>> got = drain(a, log.end(0), new ArrayList<>());

        made.getFirst().failNextPoll(new KafkaException("broker gone"));
        for (int i = 5; i < 10; i++) {
            expected.add(append("job_a", "a" + i));
        }
        drain(a, log.end(0), got);

        assertThat(offsets(got)).containsExactlyElementsOf(expected);
        assertThat(hub.consumersCreated()).isEqualTo(2);
        assertThat(made.getFirst().closed()).isTrue();
    }

    @Test
    void aTopicThatDoesNotExistOrKafkaNotAnsweringIs503BeforeAnyStream() {
        ChunkHub noTopic = new ChunkHub(IngestSettings.builder("unused:9092", "hub-test")
                .topics(new TopicNames("other")).kafkaTimeout(Duration.ofSeconds(1)).build(),
                props -> new LogConsumer(log, 1), Duration.ofMillis(20), 16);
        noTopic.start();
        try {
            ApiException e = catchThrowableOfType(ApiException.class, () -> noTopic.subscribe("job_a", T0));
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.getMessage()).contains("does not exist");
            assertThat(noTopic.subscribers()).isZero();
        } finally {
            noTopic.close();
        }

        hub = new ChunkHub(settings, props -> {
            LogConsumer c = new LogConsumer(log, 1);
            c.failOffsets(new TimeoutException("no broker"));
            made.add(c);
            return c;
        }, Duration.ofMillis(20), 16);
        hub.start();
        ApiException e = catchThrowableOfType(ApiException.class, () -> hub.subscribe("job_a", T0));
        assertThat(e.status()).isEqualTo(503);
        assertThat(e.code()).isEqualTo("kafka_unavailable");
        assertThat(hub.subscribers()).isZero();
    }
}
