package dev.llmq.ingest.internal;

import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decides, record by record, which chunks of one job the SSE relay sends; no Kafka client and no I/O. Records keyed
 * by another job and records that do not decode are skipped. Only the highest attempt seen so far is relayed: a
 * higher attempt starts again at sequence 0 (and {@link Emit#restarts()} says so when the client already got
 * chunks of an earlier attempt); a chunk of a lower attempt, or with a sequence number below the next expected one
 * (a duplicate of an at-least-once write), is skipped.
 *
 * <p>One instance per stream; not thread-safe.
 */
final class ChunkSelector {

    /** What to do with one record. */
    sealed interface Step permits Skip, Emit {
    }

    /** Send nothing, for this reason. */
    enum Skip implements Step {
        OTHER_JOB, UNDECODABLE, OLD_ATTEMPT, ALREADY_SENT
    }

    /**
     * Send the chunk.
     *
     * @param restarts the chunk opens a new attempt after chunks of an earlier one were sent
     */
    record Emit(StreamChunk chunk, boolean restarts) implements Step {
        Emit {
            Objects.requireNonNull(chunk, "chunk");
        }
    }

    private final String jobId;
    private final JsonSerde<StreamChunk> serde = JsonSerde.streamChunk();
    private int attempt;
    private long nextSeq;
    private boolean sentAny;

    ChunkSelector(String jobId) {
        this.jobId = Objects.requireNonNull(jobId, "jobId");
    }

    Step step(ConsumerRecord<String, byte[]> r) {
        if (!jobId.equals(r.key())) {
            return Skip.OTHER_JOB;
        }
        StreamChunk chunk;
        try {
            chunk = serde.fromBytes(r.value());
        } catch (RuntimeException e) {
            return Skip.UNDECODABLE;
        }
        if (chunk == null) {
            return Skip.UNDECODABLE;
        }
        if (chunk.attempt() < attempt) {
            return Skip.OLD_ATTEMPT;
        }
        boolean restarts = false;
        if (chunk.attempt() > attempt) {
            restarts = sentAny;
            attempt = chunk.attempt();
            nextSeq = 0;
        }
        if (chunk.seq() < nextSeq) {
            return Skip.ALREADY_SENT;
        }
        nextSeq = chunk.seq() + 1;
        sentAny = true;
        return new Emit(chunk, restarts);
    }
}
