package dev.llmq.ingest.internal;

import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decides, record by record, which chunks of one job the SSE relay sends; no Kafka client and no I/O. Records keyed
 * by another job and records that do not decode are skipped.
 *
 * <p>The selector follows one <em>run</em> at a time (one attempt of one delivery of the job, named by the chunks'
 * {@code run_id}), so chunks of two provider responses are never put together. A chunk of a run not seen before is
 * a newer run (it comes later in the partition): the selector switches to it, from sequence 0, and
 * {@link Emit#restarts()} says so when the client already got chunks of the run it leaves. Chunks of a run it left
 * are dropped from then on, whatever their attempt: a redelivered job starts again at attempt 1, so attempts do not
 * order runs. Within the followed run a chunk with a sequence number below the next expected one (a duplicate of an
 * at-least-once write) is skipped.
 *
 * <p>Chunks without {@code run_id} (from workers older than the field) are told apart by attempt alone, as before:
 * a higher attempt is a new run, a lower one is dropped, and two deliveries with the same attempt cannot be told
 * apart.
 *
 * <p>One instance per stream; not thread-safe.
 */
final class ChunkSelector {

    /** What to do with one record. */
    sealed interface Step permits Skip, Emit {
    }

    /** Send nothing, for this reason. */
    enum Skip implements Step {
        OTHER_JOB, UNDECODABLE, OLD_ATTEMPT, OTHER_RUN, ALREADY_SENT
    }

    /**
     * Send the chunk.
     *
     * @param run the run the chunk belongs to: its {@code run_id}, or {@code attempt-<n>} for a chunk without one
     * @param restarts the chunk opens a new run after chunks of another run were sent
     */
    record Emit(StreamChunk chunk, String run, boolean restarts) implements Step {
        Emit {
            Objects.requireNonNull(chunk, "chunk");
            Objects.requireNonNull(run, "run");
        }
    }

    private final String jobId;
    private final JsonSerde<StreamChunk> serde = JsonSerde.streamChunk();
    private final Set<String> left = new HashSet<>();
    private String run;
    private int attempt;
    private long nextSeq;
    private boolean sentAny;

    ChunkSelector(String jobId) {
        this.jobId = Objects.requireNonNull(jobId, "jobId");
    }

    /** The run a chunk belongs to: its run id, or its attempt for a chunk of an older worker. */
    static String runOf(StreamChunk chunk) {
        return chunk.runId() != null ? chunk.runId() : "attempt-" + chunk.attempt();
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
        String chunkRun = runOf(chunk);
        boolean restarts = false;
        if (!chunkRun.equals(run)) {
            if (left.contains(chunkRun)) {
                return chunk.runId() == null ? Skip.OLD_ATTEMPT : Skip.OTHER_RUN;
            }
            if (chunk.runId() == null && run != null && chunk.attempt() < attempt) {
                // an older worker's chunk of an earlier attempt than the one followed
                return Skip.OLD_ATTEMPT;
            }
            if (run != null) {
                left.add(run);
            }
            restarts = sentAny;
            run = chunkRun;
            attempt = chunk.attempt();
            nextSeq = 0;
        }
        if (chunk.seq() < nextSeq) {
            return Skip.ALREADY_SENT;
        }
        nextSeq = chunk.seq() + 1;
        sentAny = true;
        return new Emit(chunk, run, restarts);
    }
}
