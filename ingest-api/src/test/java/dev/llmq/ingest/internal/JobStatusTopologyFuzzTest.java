package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/**
 * The status store's topology fed a bounded run of hostile records on every input (seeded, so a failure repeats):
 * arbitrary bytes, mutated valid records, JSON of the wrong shape, deep nesting, null values and keys. Any exception
 * escaping the processor would fail {@code pipeInput}; afterwards a valid job is still stored.
 */
class JobStatusTopologyFuzzTest {

    private static final TopicNames TOPICS = new TopicNames("fuzz-test");
    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");
    private static final int RECORDS = 400;

    private static JobRequest job(String id) {
        ObjectNode body = Json.mapper().createObjectNode().put("model", "gpt-4o");
        return new JobRequest(1, id, "batch-1", "c-" + id, "t", "gpt-4o", body, true, 0, null, null, null, T0, "k-" + id);
    }

    private static byte[] hostile(Random random, byte[] valid) {
        return switch (random.nextInt(8)) {
            case 0 -> {
                byte[] b = new byte[random.nextInt(300)];
                random.nextBytes(b);
                yield b;
            }
            case 1 -> {
                byte[] b = valid.clone();
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
                yield b;
            }
            case 2 -> java.util.Arrays.copyOf(valid, random.nextInt(valid.length));
            case 3 -> "{\"job_id\":[1],\"status\":{},\"attempt\":\"x\",\"at\":12e9999}".getBytes(StandardCharsets.UTF_8);
            case 4 -> ("[".repeat(20_000)).getBytes(StandardCharsets.UTF_8);
            case 5 -> "null".getBytes(StandardCharsets.UTF_8);
            case 6 -> null;
            default -> new String(valid, StandardCharsets.UTF_8).replace("\"job_id\"", "\"job_id\":\"\u0000\",\"x\"")
                    .getBytes(StandardCharsets.UTF_8);
        };
    }

    @Test
    void hostileRecordsOnEveryInputAreSkippedAndTheStoreKeepsWorking() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "fuzz-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(JobStatusTopology.topology(TOPICS, Duration.ofHours(1),
                Json.mapper()), props, T0)) {
            List<TestInputTopic<String, byte[]>> inputs = List.of(TOPICS.jobs(), TOPICS.jobsInteractive(),
                    TOPICS.status(), TOPICS.results()).stream().map(t -> driver.createInputTopic(t,
                    Serdes.String().serializer(), Serdes.ByteArray().serializer())).toList();
            byte[] valid = JsonSerde.jobRequest().toBytes(job("job_seed"));
            Random random = new Random(10);
            for (int i = 0; i < RECORDS; i++) {
                String key = random.nextInt(10) == 0 ? null : "job_" + random.nextInt(5);
                inputs.get(random.nextInt(inputs.size())).pipeInput(key, hostile(random, valid), T0.plusMillis(i));
            }
            inputs.getFirst().pipeInput("job_ok", JsonSerde.jobRequest().toBytes(job("job_ok")), T0.plusSeconds(1));
            byte[] stored = driver.<String, byte[]>getKeyValueStore(JobStatusTopology.JOB_STORE)
                    .get(JobStatusTopology.jobKey("job_ok"));
            assertThat(stored).isNotNull();
            assertThat(new StoredSnapshot.Codec(Json.mapper()).read(stored).snapshot().status())
                    .isEqualTo(JobStatus.QUEUED);
        }
    }
}
