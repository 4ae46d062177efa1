package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay loop without a broker: a {@link ChunkHub} whose one consumer is a {@link MockConsumer} holding the job's
 * partition, a status view held in a map and a clock that moves 100 ms each time it is read (so the stream timeout
 * and keep-alives come after a bounded number of loop turns). {@link MockConsumer#poll} runs one scheduled task per
 * call, which scripts what the "broker" and the "worker" do between the hub's polls.
 */
@Timeout(30)
class StreamRelayTest {

    private static final String JOB = "job_1";
    private static final Duration STREAM_TIMEOUT = Duration.ofMinutes(1);
    private static final Instant T0 = Instant.parse("2026-11-26T15:00:00Z");

    private final TopicPartition tp = new TopicPartition("llmq.chunks.v1", 0);
    private final MockConsumer<String, byte[]> consumer = new TimedMockConsumer();
    private final MapStatusView view = new MapStatusView();
    private final TickingClock clock = new TickingClock(T0, Duration.ofMillis(100));
    private final IngestSettings settings = IngestSettings.builder("unused:9092", "relay-test")
            .streamTimeout(STREAM_TIMEOUT).build();
    private final AtomicInteger consumersMade = new AtomicInteger();
    private final ChunkHub hub = new ChunkHub(settings, props -> {
        consumersMade.incrementAndGet();
        return consumer;
    }, Duration.ofMillis(1));
    private final StreamRelay relay = new StreamRelay(settings, view, Json.mapper(), clock, hub, Duration.ofMillis(1));
    private long nextOffset;

    @BeforeEach
    void assign() {
        consumer.updatePartitions(tp.topic(), List.of(new PartitionInfo(tp.topic(), 0, null, null, null)));
        consumer.assign(List.of(tp));
        consumer.seek(tp, 0);
        consumer.updateEndOffsets(Map.of(tp, 0L));
        view.put(snapshot(JobStatus.RUNNING, null));
        hub.start();
    }

    @AfterEach
    void closeHub() {
        hub.close();
        // one consumer for the whole hub (none when no stream was opened), closed with the hub
        assertThat(consumersMade.get()).isLessThanOrEqualTo(1);
        assertThat(consumer.closed()).isEqualTo(consumersMade.get() == 1);
    }

    @Test
    void partitionMatchesKafkasDefaultPartitionerForStringKeys() {
        for (int i = 0; i < 2000; i++) {
            String key = "job_" + Integer.toHexString(i * 7919);
            for (int partitions : new int[] {1, 3, 12, 50}) {
                assertThat(StreamRelay.partitionFor(key, partitions)).isEqualTo(
                        BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), partitions));
            }
        }
    }

    @Test
    void chunksOfTheJobComeInSequenceOrderOthersAreSkippedAndDoneEndsTheStream() {
        chunk(JOB, 1, 0, "Hel");
        chunk("job_other", 1, 0, "NOT MINE");
        chunk(JOB, 1, 1, "lo");
        chunk(JOB, 1, 1, "lo");
        chunk(JOB, 1, 2, "!");
        view.put(snapshot(JobStatus.SUCCEEDED, null));

        String out = relay(new ByteArrayOutputStream());

        assertThat(contents(out)).containsExactly("Hel", "lo", "!");
        assertThat(data(out).getLast()).isEqualTo("[DONE]");
        assertThat(hub.subscribers()).isZero();
    }

    @Test
    void theStreamWaitsForTheTerminalResultAndForEveryChunkBeforeIt() {
        consumer.setMaxPollRecords(1);
        consumer.schedulePollTask(() -> chunk(JOB, 1, 0, "a"));
        consumer.scheduleNopPollTask();
        consumer.schedulePollTask(() -> {
            chunk(JOB, 1, 1, "b");
            chunk(JOB, 1, 2, "c");
            view.put(snapshot(JobStatus.SUCCEEDED, null));
        });

        String out = relay(new ByteArrayOutputStream());

        // one record per poll: the job is terminal after the third poll, but [DONE] waits for "c" at the end offset
        assertThat(data(out)).hasSize(4).last().isEqualTo("[DONE]");
        assertThat(contents(out)).containsExactly("a", "b", "c");
    }

    @Test
    void aFailedJobEndsWithItsErrorThenDone() {
        chunk(JOB, 1, 0, "partial");
        view.put(snapshot(JobStatus.FAILED, failed()));

        List<String> data = data(relay(new ByteArrayOutputStream()));

        assertThat(data).hasSize(3);
        assertThat(content(data.get(0))).isEqualTo("partial");
        JsonNode error = json(data.get(1)).path("error");
        assertThat(error.path("message").asText()).isEqualTo("provider overloaded");
        assertThat(error.path("code").asText()).isEqualTo("server_error");
        assertThat(data.get(2)).isEqualTo("[DONE]");
    }

    @Test
    void aRetriedAttemptIsAnnouncedAndReplacesTheAbandonedOne() {
        chunk(JOB, 1, 0, "abandoned");
        chunk(JOB, 2, 0, "A");
        chunk(JOB, 1, 1, "stale");
        chunk(JOB, 2, 1, "B");
        view.put(snapshot(JobStatus.SUCCEEDED, null));

        String out = relay(new ByteArrayOutputStream());

        assertThat(contents(out)).containsExactly("abandoned", "A", "B");
        assertThat(events(out)).containsSubsequence("data: " + json(delta("abandoned")) + "\nid: attempt-1:0",
                ": attempt 2 (run attempt-2) restarts the stream", "data: " + json(delta("A")) + "\nid: attempt-2:0");
    }

    @Test
    void aRedeliveredRunWithTheSameAttemptRestartsTheStreamAndTheCrashedRunIsNeverSplicedIn() {
        // worker A sent two chunks of run r1 and died; worker B's run r2 is attempt 1 too and starts at seq 0; a late
        // write of r1 lands between r2's chunks
        chunk(JOB, 1, "r1", 0, "Hel");
        chunk(JOB, 1, "r1", 1, "lo");
        chunk(JOB, 1, "r2", 0, "Hi");
        chunk(JOB, 1, "r1", 2, " wor");
        chunk(JOB, 1, "r2", 1, " there");
        chunk(JOB, 1, "r1", 3, "ld");
        view.put(snapshot(JobStatus.SUCCEEDED, null));

        String out = relay(new ByteArrayOutputStream());

        assertThat(contents(out)).containsExactly("Hel", "lo", "Hi", " there");
        assertThat(ids(out)).containsExactly("r1:0", "r1:1", "r2:0", "r2:1");
        assertThat(events(out)).containsSubsequence("data: " + json(delta("lo")) + "\nid: r1:1",
                ": attempt 1 (run r2) restarts the stream", "data: " + json(delta("Hi")) + "\nid: r2:0");
        assertThat(data(out).getLast()).isEqualTo("[DONE]");
    }

    @Test
    void aClientThatJoinsAfterTheCrashedRunGetsItThenTheRestartThenOnlyTheNewRun() {
        chunk(JOB, 1, "r1", 0, "old");
        chunk(JOB, 2, "r1b", 0, "older retry");
        consumer.setMaxPollRecords(1);
        consumer.scheduleNopPollTask();
        consumer.schedulePollTask(() -> chunk(JOB, 1, "r2", 0, "new"));
        consumer.schedulePollTask(() -> {
            chunk(JOB, 2, "r1b", 1, "zombie");
            chunk(JOB, 1, "r2", 1, "er");
            view.put(snapshot(JobStatus.SUCCEEDED, null));
        });

        String out = relay(new ByteArrayOutputStream());

        assertThat(contents(out)).containsExactly("old", "older retry", "new", "er");
        assertThat(ids(out)).containsExactly("r1:0", "r1b:0", "r2:0", "r2:1");
        assertThat(events(out).stream().filter(e -> e.contains("restarts the stream")))
                .containsExactly(": attempt 2 (run r1b) restarts the stream", ": attempt 1 (run r2) restarts the stream");
    }

    /**
     * A client reconnecting with the last event id it got ({@code Last-Event-ID}, as an EventSource does) gets what
     * followed it only: no chunk twice, a newer run still announced.
     */
    @Test
    void aClientResumingInAnAbandonedRunGetsItsRestThenTheNewRun() {
        twoRuns();
        String out = resume("r1:0");
        assertThat(contents(out)).containsExactly("lo", "Hi", " there", "!");
        assertThat(out).contains(": attempt 1 (run r2) restarts the stream");
    }

    @Test
    void aClientResumingInTheLastRunGetsWhatFollowedItsEventOnly() {
        twoRuns();
        String out = resume("r2:0");
        assertThat(ids(out)).containsExactly("r2:1", "r2:2");
        assertThat(out).doesNotContain("restarts");
        assertThat(data(out).getLast()).isEqualTo("[DONE]");
    }

    @Test
    void anEventIdThisRelayDidNotWriteResumesNothing() {
        twoRuns();
        assertThat(ids(resume("not an id of this relay"))).containsExactly("r1:0", "r1:1", "r2:0", "r2:1", "r2:2");
    }

    /** Run r1 abandoned after two chunks, r2 with three, the job succeeded. */
    private void twoRuns() {
        chunk(JOB, 1, "r1", 0, "Hel");
        chunk(JOB, 1, "r1", 1, "lo");
        chunk(JOB, 1, "r2", 0, "Hi");
        chunk(JOB, 1, "r2", 1, " there");
        chunk(JOB, 1, "r2", 2, "!");
        view.put(snapshot(JobStatus.SUCCEEDED, null));
    }

    private String resume(String lastEventId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        relay.relay(hub.subscribe(JOB, T0), JOB, lastEventId, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void chunksOfOlderWorkersWithoutRunIdsAreRelayedAsBefore() {
        chunk(JOB, 1, 0, "a");
        chunk(JOB, 1, 1, "b");
        chunk(JOB, 1, 1, "b");
        view.put(snapshot(JobStatus.SUCCEEDED, null));

        String out = relay(new ByteArrayOutputStream());

        assertThat(contents(out)).containsExactly("a", "b");
        assertThat(ids(out)).containsExactly("attempt-1:0", "attempt-1:1");
        assertThat(out).doesNotContain("restarts");
    }

    @Test
    void anUndecodableChunkIsSkippedAndTheStreamGoesOn() {
        chunk(JOB, 1, 0, "before");
        record(JOB, "{not json".getBytes(StandardCharsets.UTF_8));
        chunk(JOB, 1, 1, "after");
        view.put(snapshot(JobStatus.SUCCEEDED, null));

        String out = relay(new ByteArrayOutputStream());

        assertThat(contents(out)).containsExactly("before", "after");
        assertThat(data(out).getLast()).isEqualTo("[DONE]");
    }

    @Test
    void theStreamTimeoutEndsItWithAnErrorAndNoDone() {
        consumer.schedulePollTask(() -> chunk(JOB, 1, 0, "slow"));

        String out = relay(new ByteArrayOutputStream());

        List<String> data = data(out);
        assertThat(data).hasSize(2);
        assertThat(content(data.getFirst())).isEqualTo("slow");
        assertThat(json(data.getLast()).at("/error/code").asText()).isEqualTo("stream_timeout");
        assertThat(events(out)).contains(": keep-alive");
        assertThat(elapsed()).isBetween(STREAM_TIMEOUT, STREAM_TIMEOUT.plusSeconds(1));
        assertThat(hub.subscribers()).isZero();
    }

    @Test
    void aClientThatGoesAwayMidStreamStopsTheRelayAndClosesTheConsumer() {
        chunk(JOB, 1, 0, "one");
        chunk(JOB, 1, 1, "two");
        chunk(JOB, 1, 2, "three");
        GoneAfter client = new GoneAfter(2); // the relay's opening comment, then "one"

        relay.relay(hub.subscribe(JOB, T0), JOB, client);

        assertThat(contents(client.received())).containsExactly("one");
        assertThat(client.refused).isEqualTo(1);
        assertThat(hub.subscribers()).isZero();
        assertThat(elapsed()).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aClientGoneWhileNothingIsSentIsNoticedAtTheNextKeepAlive() {
        GoneAfter client = new GoneAfter(1);

        relay.relay(hub.subscribe(JOB, T0), JOB, client);

        assertThat(client.refused).isEqualTo(1);
        assertThat(hub.subscribers()).isZero();
        assertThat(elapsed()).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(11));
    }

    private String relay(ByteArrayOutputStream out) {
        relay.relay(hub.subscribe(JOB, T0), JOB, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private Duration elapsed() {
        return Duration.between(T0, clock.instant());
    }

    private void chunk(String job, int attempt, long seq, String text) {
        chunk(job, attempt, null, seq, text);
    }

    private void chunk(String job, int attempt, String run, long seq, String text) {
        record(job, JsonSerde.streamChunk().toBytes(new StreamChunk(1, job, attempt, run, seq, delta(text), T0)));
    }

    private void record(String key, byte[] value) {
        consumer.addRecord(new ConsumerRecord<>(tp.topic(), tp.partition(), nextOffset++, key, value));
        consumer.updateEndOffsets(Map.of(tp, nextOffset));
    }

    private static ObjectNode delta(String text) {
        ObjectNode chunk = Json.mapper().createObjectNode().put("object", "chat.completion.chunk");
        chunk.putArray("choices").addObject().put("index", 0).putObject("delta").put("content", text);
        return chunk;
    }

    private static List<String> events(String out) {
        return Arrays.stream(out.split("\n\n")).filter(e -> !e.isEmpty()).toList();
    }

    private static List<String> data(String out) {
        return fields(out, "data: ");
    }

    private static List<String> ids(String out) {
        return fields(out, "id: ");
    }

    private static List<String> fields(String out, String field) {
        return events(out).stream().flatMap(e -> e.lines().filter(l -> l.startsWith(field)).limit(1))
                .map(l -> l.substring(field.length())).toList();
    }

    private static List<String> contents(String out) {
        return data(out).stream().filter(d -> d.startsWith("{\"object\":\"chat.completion.chunk\""))
                .map(StreamRelayTest::content).toList();
    }

    private static String content(String data) {
        return json(data).at("/choices/0/delta/content").asText();
    }

    private static String json(JsonNode node) {
        try {
            return Json.mapper().writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JobResult failed() {
        return new JobResult(1, JOB, null, null, null, "gpt-4o", JobStatus.FAILED, null,
                new JobError(null, null, "provider overloaded", null, "server_error", 503, "openai"), null, null, null, null,
                null, null, null, null, null, T0, T0, T0, null, null, null);
    }

    /**
     * MockConsumer does not implement {@code offsetsForTimes}: here every record is new enough, so the answer is the
     * beginning of the partition.
     */
    private static final class TimedMockConsumer extends MockConsumer<String, byte[]> {
        TimedMockConsumer() {
            super("earliest");
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times,
                                                                                 Duration timeout) {
            Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
            times.forEach((tp, t) -> out.put(tp, new OffsetAndTimestamp(0, t)));
            return out;
        }
    }

    /** A client that accepts {@code accepted} writes and then is gone: every later write fails. */
    private static final class GoneAfter extends OutputStream {
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private int accepted;
        private int refused;

        GoneAfter(int accepted) {
            this.accepted = accepted;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (accepted == 0) {
                refused++;
                throw new IOException("broken pipe");
            }
            accepted--;
            received.write(b, off, len);
        }

        String received() {
            return received.toString(StandardCharsets.UTF_8);
        }
    }

    /** Moves forward by a fixed step each time it is read. */
    private static final class TickingClock extends Clock {
        private final Duration step;
        private Instant now;

        TickingClock(Instant start, Duration step) {
            this.now = start;
            this.step = step;
        }

        @Override
        public Instant instant() {
            Instant t = now;
            now = now.plus(step);
            return t;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return Clock.fixed(instant(), zone);
        }
    }

    /** The snapshot of the one job under test. */
    private static JobSnapshot snapshot(JobStatus status, JobResult result) {
        return new JobSnapshot(JOB, null, null, null, "gpt-4o", true, T0, status, null, null, result);
    }
}
