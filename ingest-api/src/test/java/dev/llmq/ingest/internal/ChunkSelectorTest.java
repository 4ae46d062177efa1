package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.ingest.internal.ChunkSelector.Emit;
import dev.llmq.ingest.internal.ChunkSelector.Skip;
import dev.llmq.ingest.internal.ChunkSelector.Step;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class ChunkSelectorTest {

    private final ChunkSelector selector = new ChunkSelector("job_1");
    private long offset;

    private Step step(String key, byte[] value) {
        return selector.step(new ConsumerRecord<>("chunks", 0, offset++, key, value));
    }

    private Step chunk(String job, int attempt, long seq) {
        return step(job, JsonSerde.streamChunk().toBytes(new StreamChunk(1, job, attempt, seq,
                Json.mapper().createObjectNode().put("n", attempt + "/" + seq), Instant.EPOCH)));
    }

    private static String emitted(Step step) {
        assertThat(step).isInstanceOf(Emit.class);
        return ((Emit) step).chunk().chunk().path("n").asText();
    }

    @Test
    void chunksOfTheJobAreEmittedOnceInSequenceOrder() {
        assertThat(emitted(chunk("job_1", 1, 0))).isEqualTo("1/0");
        assertThat(emitted(chunk("job_1", 1, 1))).isEqualTo("1/1");
        assertThat(chunk("job_1", 1, 1)).isEqualTo(Skip.ALREADY_SENT);
        assertThat(chunk("job_1", 1, 0)).isEqualTo(Skip.ALREADY_SENT);
        assertThat(emitted(chunk("job_1", 1, 2))).isEqualTo("1/2");
    }

    @Test
    void otherJobsRecordsAreSkippedWithoutDisturbingTheSequence() {
        assertThat(emitted(chunk("job_1", 1, 0))).isEqualTo("1/0");
        assertThat(chunk("job_2", 1, 0)).isEqualTo(Skip.OTHER_JOB);
        assertThat(chunk("job_2", 3, 7)).isEqualTo(Skip.OTHER_JOB);
        assertThat(step(null, new byte[0])).isEqualTo(Skip.OTHER_JOB);
        assertThat(emitted(chunk("job_1", 1, 1))).isEqualTo("1/1");
    }

    @Test
    void anUndecodableRecordIsSkippedAndTheNextChunkStillComes() {
        assertThat(emitted(chunk("job_1", 1, 0))).isEqualTo("1/0");
        assertThat(step("job_1", "not json".getBytes(StandardCharsets.UTF_8))).isEqualTo(Skip.UNDECODABLE);
        assertThat(step("job_1", "{\"job_id\":\"job_1\",\"seq\":-1,\"chunk\":{}}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(Skip.UNDECODABLE);
        assertThat(step("job_1", null)).isEqualTo(Skip.UNDECODABLE);
        assertThat(emitted(chunk("job_1", 1, 1))).isEqualTo("1/1");
    }

    @Test
    void aHigherAttemptRestartsAtSequenceZeroAndOlderAttemptsAreDropped() {
        assertThat(chunk("job_1", 1, 0)).isEqualTo(new Emit(decoded("job_1", 1, 0), false));
        Step restart = chunk("job_1", 2, 0);
        assertThat(restart).isEqualTo(new Emit(decoded("job_1", 2, 0), true));
        assertThat(chunk("job_1", 1, 1)).isEqualTo(Skip.OLD_ATTEMPT);
        assertThat(chunk("job_1", 2, 1)).isEqualTo(new Emit(decoded("job_1", 2, 1), false));
    }

    @Test
    void aFirstAttemptAboveOneIsNoRestartWhenNothingWasSent() {
        assertThat(chunk("job_1", 3, 0)).isEqualTo(new Emit(decoded("job_1", 3, 0), false));
    }

    private static StreamChunk decoded(String job, int attempt, long seq) {
        return new StreamChunk(1, job, attempt, seq, Json.mapper().createObjectNode().put("n", attempt + "/" + seq),
                Instant.EPOCH);
    }
}
