package dev.llmq.ingest.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What stays true of a batch's parts between two countings ({@link BatchTally#read}): the jobs of each part that had
 * ended when it was last read, with their tally. A job that ended never changes (its first result wins), so counting
 * the batch again reads only the jobs of each part still moving, and none of a part whose every job ended (a sealed
 * part). Each part is kept with its first and last job id and its size, and used only for a part that matches them.
 * Per instance, for the {@value #MAX_BATCHES} batches counted most recently, each forgotten {@link #IDLE} after it
 * was last counted; a part takes a bit per job and one tally.
 */
public final class SealedParts {

    static final int MAX_BATCHES = 512;
    static final Duration IDLE = Duration.ofMinutes(30);

    private final Cache<String, Batch> batches = Caffeine.newBuilder().maximumSize(MAX_BATCHES)
            .expireAfterAccess(IDLE).build();

    /** The parts of one batch with jobs that ended, and the tenant of its jobs. */
    static final class Batch {
        final String tenant;
        private final Map<Integer, Part> parts = new ConcurrentHashMap<>();

        Batch(String tenant) {
            this.tenant = tenant;
        }

        /** What is kept of part {@code index}, when it was kept with the same jobs as {@code ids}; else null. */
        Part part(int index, List<String> ids) {
            Part p = parts.get(index);
            return p != null && p.size == ids.size() && p.firstId.equals(ids.getFirst())
                    && p.lastId.equals(ids.getLast()) ? p : null;
        }

        /** How many of its parts are sealed: every job ended. */
        int sealed() {
            return (int) parts.values().stream().filter(Part::sealed).count();
        }
    }

    /**
     * A part's jobs that had ended, by their place in the part ({@code ended}, never changed once kept), and their
     * tally ({@code tally}, likewise).
     */
    record Part(String firstId, String lastId, int size, BitSet ended, BatchTally tally) {

        /** Whether every job of the part has ended. */
        boolean sealed() {
            return ended.cardinality() == size;
        }

        /** Whether the job at {@code place} in the part has ended. */
        boolean ended(int place) {
            return ended.get(place);
        }
    }

    /** What is kept of the batch, or null. */
    Batch get(String batchId) {
        return batches.getIfPresent(batchId);
    }

    /**
     * Keeps that the jobs at the places {@code ended} of part {@code index} ({@code ids}) of a batch of
     * {@code tenant} have ended, with their tally; neither is changed afterwards.
     */
    Batch keep(String batchId, String tenant, int index, List<String> ids, BitSet ended, BatchTally tally) {
        Batch batch = batches.get(batchId, id -> new Batch(tenant));
        batch.parts.put(index, new Part(ids.getFirst(), ids.getLast(), ids.size(), ended, tally));
        return batch;
    }
}
