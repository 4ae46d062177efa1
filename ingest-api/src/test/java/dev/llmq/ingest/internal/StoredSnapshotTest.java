package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectWriter;
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
    private static final ObjectWriter WRITER = Json.mapper().writerFor(JobSnapshot.class);

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
        byte[] running = StoredSnapshot.write(WRITER, queued("job_1"), null, 0, 0);
        StoredSnapshot read = StoredSnapshot.read(running, Json.mapper());
        assertThat(read.hasResult()).isFalse();
        assertThat(read.snapshot()).isEqualTo(queued("job_1"));

        byte[] record = JsonSerde.jobResult().toBytes(failed("job_1"));
        JobSnapshot head = queued("job_1").finishedBy(JobStatus.FAILED, null, null, null, null, null);
        byte[] finished = StoredSnapshot.write(WRITER, head, record, 0, record.length);
        assertThat(finished[0]).isEqualTo(StoredSnapshot.FORMAT);
        assertThat(Arrays.copyOfRange(finished, finished.length - record.length, finished.length)).isEqualTo(record);
        StoredSnapshot done = StoredSnapshot.read(finished, Json.mapper());
        assertThat(done.head()).isEqualTo(head);
        assertThat(done.snapshot()).isEqualTo(head.withStoredResult(failed("job_1")));

        // a later update of the head keeps the result bytes
        JobSnapshot tagged = head.fillFrom(new JobSnapshot("job_1", null, null, null, null, true, null,
                JobStatus.QUEUED, null, null, null));
        StoredSnapshot again = StoredSnapshot.read(done.withHead(WRITER, tagged), Json.mapper());
        assertThat(again.snapshot()).isEqualTo(tagged.withStoredResult(failed("job_1")));
    }

    @Test
    void aWholeJsonSnapshotFromBeforeTheLayoutIsReadWithItsResult() {
        JobSnapshot whole = queued("job_2").withResult(failed("job_2"));
        StoredSnapshot read = StoredSnapshot.read(new JsonSerde<>(JobSnapshot.class, Json.mapper()).toBytes(whole),
                Json.mapper());
        assertThat(read.head().result()).isNull();
        assertThat(read.head().status()).isEqualTo(JobStatus.FAILED);
        assertThat(read.snapshot()).isEqualTo(whole);
    }

    @Test
    void valuesThatAreNeitherLayoutAreRefusedAndAnUnreadableResultLeavesTheJobFinishedWithoutIt() {
        assertThatThrownBy(() -> StoredSnapshot.read(new byte[] {StoredSnapshot.FORMAT, 0, 0, 0, 99, '{', '}'},
                Json.mapper())).isInstanceOf(SerializationException.class).hasMessageContaining("overruns");
        assertThatThrownBy(() -> StoredSnapshot.read("nope".getBytes(StandardCharsets.UTF_8), Json.mapper()))
                .isInstanceOf(SerializationException.class);

        JobSnapshot head = queued("job_3").finishedBy(JobStatus.FAILED, null, null, null, null, null);
        byte[] junk = "{\"job_id\":\"job_3\"".getBytes(StandardCharsets.UTF_8);
        StoredSnapshot read = StoredSnapshot.read(StoredSnapshot.write(WRITER, head, junk, 0, junk.length),
                Json.mapper());
        assertThat(read.snapshot()).isEqualTo(head);
        assertThat(read.snapshot().terminal()).isTrue();
    }
}
