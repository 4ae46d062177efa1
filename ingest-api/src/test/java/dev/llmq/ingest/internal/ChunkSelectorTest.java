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
        return step(job, JsonSerde.streamChunk().toBytes(decoded(job, attempt, seq)));
    }

    /** A chunk of a worker that names its runs. */
    private Step run(String run, int attempt, long seq) {
        return step("job_1", JsonSerde.streamChunk().toBytes(inRun(run, attempt, seq)));
    }

    private static StreamChunk inRun(String run, int attempt, long seq) {
        return new StreamChunk(1, "job_1", attempt, run, seq,
                Json.mapper().createObjectNode().put("n", run + "/" + attempt + "/" + seq), Instant.EPOCH);
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
        assertThat(chunk("job_1", 1, 0)).isEqualTo(new Emit(decoded("job_1", 1, 0), "attempt-1", false));
        Step restart = chunk("job_1", 2, 0);
        assertThat(restart).isEqualTo(new Emit(decoded("job_1", 2, 0), "attempt-2", true));
        assertThat(chunk("job_1", 1, 1)).isEqualTo(Skip.OLD_ATTEMPT);
        assertThat(chunk("job_1", 2, 1)).isEqualTo(new Emit(decoded("job_1", 2, 1), "attempt-2", false));
    }

    @Test
    void aFirstAttemptAboveOneIsNoRestartWhenNothingWasSent() {
        assertThat(chunk("job_1", 3, 0)).isEqualTo(new Emit(decoded("job_1", 3, 0), "attempt-3", false));
    }

    @Test
    void aCrashedRunAndItsRedeliveryWithTheSameAttemptAreNeverSpliced() {
        // worker A streams run r1, dies; worker B runs the redelivered job: run r2, attempt 1 again, seq from 0;
        // a late write of r1 (a send still in flight when A died) lands between r2's chunks
        assertThat(emitted(run("r1", 1, 0))).isEqualTo("r1/1/0");
        assertThat(emitted(run("r1", 1, 1))).isEqualTo("r1/1/1");
        assertThat(run("r2", 1, 0)).isEqualTo(new Emit(inRun("r2", 1, 0), "r2", true));
        assertThat(run("r1", 1, 2)).isEqualTo(Skip.OTHER_RUN);
        assertThat(emitted(run("r2", 1, 1))).isEqualTo("r2/1/1");
        assertThat(run("r1", 1, 3)).isEqualTo(Skip.OTHER_RUN);
        assertThat(emitted(run("r2", 1, 2))).isEqualTo("r2/1/2");
    }

    @Test
    void runsWithEqualAttemptsInterleavedFromTheStartFollowTheNewestRunOnly() {
        assertThat(run("r1", 1, 0)).isEqualTo(new Emit(inRun("r1", 1, 0), "r1", false));
        assertThat(run("r2", 1, 0)).isEqualTo(new Emit(inRun("r2", 1, 0), "r2", true));
        assertThat(run("r1", 1, 1)).isEqualTo(Skip.OTHER_RUN);
        assertThat(run("r2", 1, 0)).isEqualTo(Skip.ALREADY_SENT);
        assertThat(run("r1", 1, 0)).isEqualTo(Skip.OTHER_RUN);
        assertThat(emitted(run("r2", 1, 1))).isEqualTo("r2/1/1");
    }

    @Test
    void aRedeliveryAfterARetryStartsAgainAtAttemptOneAndIsStillTheNewerRun() {
        assertThat(emitted(run("r1", 1, 0))).isEqualTo("r1/1/0");
        assertThat(run("r2", 2, 0)).isEqualTo(new Emit(inRun("r2", 2, 0), "r2", true));
        assertThat(emitted(run("r2", 2, 1))).isEqualTo("r2/2/1");
        // the worker died during attempt 2; the redelivered job's first attempt is a new run with a lower attempt
        assertThat(run("r3", 1, 0)).isEqualTo(new Emit(inRun("r3", 1, 0), "r3", true));
        assertThat(run("r2", 2, 2)).isEqualTo(Skip.OTHER_RUN);
        assertThat(run("r1", 1, 1)).isEqualTo(Skip.OTHER_RUN);
        assertThat(emitted(run("r3", 1, 1))).isEqualTo("r3/1/1");
    }

    @Test
    void aRunOnlyPartlyReadIsNoRestartWhenNothingWasSentBeforeIt() {
        assertThat(chunk("job_2", 1, 0)).isEqualTo(Skip.OTHER_JOB);
        assertThat(run("r7", 1, 4)).isEqualTo(new Emit(inRun("r7", 1, 4), "r7", false));
    }

    @Test
    void chunksWithoutRunIdFromOlderWorkersKeepTheAttemptRule() {
        assertThat(emitted(chunk("job_1", 1, 0))).isEqualTo("1/0");
        // an upgraded worker picks the job up: its run replaces the old worker's attempt
        assertThat(run("r2", 1, 0)).isEqualTo(new Emit(inRun("r2", 1, 0), "r2", true));
        assertThat(chunk("job_1", 1, 1)).isEqualTo(Skip.OLD_ATTEMPT);
        assertThat(emitted(run("r2", 1, 1))).isEqualTo("r2/1/1");
    }

    private static StreamChunk decoded(String job, int attempt, long seq) {
        return new StreamChunk(1, job, attempt, seq, Json.mapper().createObjectNode().put("n", attempt + "/" + seq),
                Instant.EPOCH);
    }
}
