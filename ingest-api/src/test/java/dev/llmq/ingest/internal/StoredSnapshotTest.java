package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TokenUsage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class StoredSnapshotTest {

    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    private static final StoredSnapshot.Codec CODEC = new StoredSnapshot.Codec(Json.mapper());

    private static JobSnapshot queued(String id) {
        return new JobSnapshot(id, "batch_1", "c-1", "acme", "g", false, T0, JobStatus.QUEUED, null, null, null);
    }

    private static JobResult failed(String id) {
        return new JobResult(1, id, "batch_1", "c-1", "acme", "g", JobStatus.FAILED, null,
                new JobError(null, null, "boom", null, "server_error", 500, "openai"), TokenUsage.ZERO, null, null,
                null, null, null, null, null, null, T0, T0, T0.plusSeconds(1), null, null, null);
    }

    @Test
    void aRunningJobIsItsSnapshotAloneAndAFinishedOneKeepsTheResultRecordsBytesAsTheyCame() {
        byte[] running = CODEC.write(queued("job_1"), null, 0, 0);
        StoredSnapshot read = CODEC.read(running);
        assertThat(read.hasResult()).isFalse();
        assertThat(read.snapshot()).isEqualTo(queued("job_1"));

        byte[] record = JsonSerde.jobResult().toBytes(failed("job_1"));
        JobSnapshot head = queued("job_1").finishedBy(JobStatus.FAILED, null, null, null, null, null);
        byte[] finished = CODEC.write(head, record, 0, record.length);
        assertThat(finished[0]).isEqualTo(StoredSnapshot.FORMAT);
        assertThat(Arrays.copyOfRange(finished, finished.length - record.length, finished.length)).isEqualTo(record);
        StoredSnapshot done = CODEC.read(finished);
        assertThat(done.head()).isEqualTo(head);
        assertThat(done.snapshot()).isEqualTo(head.withStoredResult(failed("job_1")));

        // a later update of the head keeps the result bytes
        JobSnapshot tagged = head.fillFrom(new JobSnapshot("job_1", null, null, null, null, true, null,
                JobStatus.QUEUED, null, null, null));
        StoredSnapshot again = CODEC.read(done.withHead(tagged));
        assertThat(again.snapshot()).isEqualTo(tagged.withStoredResult(failed("job_1")));
    }

    @Test
    void aWholeJsonSnapshotFromBeforeTheLayoutIsReadWithItsResult() {
        JobSnapshot whole = queued("job_2").withResult(failed("job_2"));
        StoredSnapshot read = CODEC.read(new JsonSerde<>(JobSnapshot.class, Json.mapper()).toBytes(whole));
        assertThat(read.head().result()).isNull();
        assertThat(read.head().status()).isEqualTo(JobStatus.FAILED);
        assertThat(read.snapshot()).isEqualTo(whole);
    }

    @Test
    void valuesThatAreNeitherLayoutAreRefusedAndAnUnreadableResultLeavesTheJobFinishedWithoutIt() {
        assertThatThrownBy(() -> CODEC.read(new byte[] {StoredSnapshot.FORMAT, 0, 0, 0, 99, '{', '}'}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("overruns");
        assertThatThrownBy(() -> CODEC.read("nope".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);

        JobSnapshot head = queued("job_3").finishedBy(JobStatus.FAILED, null, null, null, null, null);
        byte[] junk = "{\"job_id\":\"job_3\"".getBytes(StandardCharsets.UTF_8);
        StoredSnapshot read = CODEC.read(CODEC.write(head, junk, 0, junk.length));
        assertThat(read.snapshot()).isEqualTo(head);
        assertThat(read.snapshot().terminal()).isTrue();
    }
}
