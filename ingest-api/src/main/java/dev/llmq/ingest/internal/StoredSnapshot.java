package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JsonSerde;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's entry in the status store ({@link JobStatusTopology#JOB_STORE}) as its bytes hold it: the snapshot without
 * its result as JSON, and for a finished job the result record's value exactly as it was read from the results topic.
 * Keeping the result as bytes spares the store's thread parsing every result into a {@link JobResult} and writing
 * it out again inside the snapshot (and the snapshot's later updates doing so again): the result is parsed when a
 * reader asks for it ({@link #snapshot()}).
 *
 * <p>Layout: the byte {@value #FORMAT}, the snapshot's JSON length as a 4-byte big-endian integer, the snapshot's
 * JSON, then the result's bytes (none while the job runs). A value starting with {@code '{'} is a whole snapshot
 * with its result inside, as stores written before this layout hold them; it is read as such and written in this
 * layout at its next update.
 */
final class StoredSnapshot {

    /** The first byte of a value in this layout (a JSON document starts with '{'). */
    static final byte FORMAT = 1;
    private static final int HEADER = 5;
    private static final Logger LOG = LoggerFactory.getLogger(StoredSnapshot.class);

    private final JobSnapshot head;
    private final byte[] result;
    private final int resultOffset;
    private final int resultLength;
    private final Codec codec;

    private StoredSnapshot(JobSnapshot head, byte[] result, int resultOffset, int resultLength, Codec codec) {
        this.head = head;
        this.result = result;
        this.resultOffset = resultOffset;
        this.resultLength = resultLength;
        this.codec = codec;
    }

    /** Reads and writes stored values with one mapper; made once per reader of the store, thread-safe. */
    static final class Codec {

        private final JsonSerde<JobSnapshot> snapshots;
        private final JsonSerde<JobResult> results;

        Codec(ObjectMapper mapper) {
            this.snapshots = new JsonSerde<>(JobSnapshot.class, mapper);
            this.results = new JsonSerde<>(JobResult.class, mapper);
        }

        /**
         * Reads a stored value (either layout).
         *
         * @throws SerializationException when the bytes are neither layout
         */
        StoredSnapshot read(byte[] value) {
            Objects.requireNonNull(value, "value");
            if (value.length >= HEADER && value[0] == FORMAT) {
                int headLength = ByteBuffer.wrap(value, 1, 4).getInt();
                if (headLength < 0 || headLength > value.length - HEADER) {
                    throw new SerializationException("not a stored job snapshot: its head overruns the value");
                }
                JobSnapshot head = snapshots.fromBytes(value, HEADER, headLength);
                int resultOffset = HEADER + headLength;
                return new StoredSnapshot(head, value, resultOffset, value.length - resultOffset, this);
            }
            JobSnapshot whole = snapshots.fromBytes(value);
            byte[] result = whole.result() == null ? new byte[0] : results.toBytes(whole.result());
            return new StoredSnapshot(whole.withStoredResult(null), result, 0, result.length, this);
        }

        /** The value of a snapshot (its result, if any, left out) followed by {@code length} result bytes. */
        byte[] write(JobSnapshot head, byte[] result, int offset, int length) {
            byte[] json = snapshots.toBytes(head.result() == null ? head : head.withStoredResult(null));
            ByteBuffer out = ByteBuffer.allocate(HEADER + json.length + length);
            out.put(FORMAT).putInt(json.length).put(json);
            if (length > 0) {
                out.put(result, offset, length);
            }
            return out.array();
        }
    }

    /** The snapshot without its result (the status and what the result told are in it). */
    JobSnapshot head() {
        return head;
    }

    boolean hasResult() {
        return resultLength > 0;
    }

    /** This entry with {@code next} in place of its head, its result bytes kept. */
    byte[] withHead(JobSnapshot next) {
        return codec.write(next, result, resultOffset, resultLength);
    }

    /**
     * The whole snapshot, its result parsed. A result that cannot be read (only a record written to the results
     * topic by something other than a worker, which writes only {@link JobResult}s) is logged and left out: the
     * job still reads as finished.
     */
    JobSnapshot snapshot() {
        if (!hasResult()) {
            return head;
        }
        try {
            return head.withStoredResult(codec.results.fromBytes(result, resultOffset, resultLength));
        } catch (RuntimeException e) {
            LOG.warn("the stored result of job {} cannot be read; the job is shown without it: {}", head.jobId(),
                    e.toString());
            return head;
        }
    }
}
