package dev.llmq.ingest.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tallies of batch parts whose every job has ended, kept so that counting a batch again reads only the parts
 * still moving ({@link BatchTally#read}). A job that ended never changes (its first result wins), so such a part's
 * tally holds for as long as the part is the same jobs: each is kept with its first and last job id and its size,
 * and used only for a part that matches them. Per instance, for the {@value #MAX_BATCHES} batches counted most
 * recently, each forgotten {@link #IDLE} after it was last counted.
 */
public final class SealedParts {

    static final int MAX_BATCHES = 512;
    static final Duration IDLE = Duration.ofMinutes(30);

    private final Cache<String, Batch> batches = Caffeine.newBuilder().maximumSize(MAX_BATCHES)
            .expireAfterAccess(IDLE).build();

    /** The ended parts of one batch, and the tenant of its jobs. */
    static final class Batch {
        final String tenant;
        private final Map<Integer, Part> parts = new ConcurrentHashMap<>();

        Batch(String tenant) {
            this.tenant = tenant;
        }

        /** The tally of part {@code index}, when it was sealed with the same jobs as {@code ids}; else null. */
        BatchTally part(int index, List<String> ids) {
            Part p = parts.get(index);
            return p != null && p.size == ids.size() && p.firstId.equals(ids.getFirst())
                    && p.lastId.equals(ids.getLast()) ? p.tally : null;
        }

        int sealed() {
            return parts.size();
        }
    }

    private record Part(String firstId, String lastId, int size, BatchTally tally) {
    }

    /** What is kept of the batch, or null. */
    Batch get(String batchId) {
        return batches.getIfPresent(batchId);
    }

    /** Keeps the tally of part {@code index} ({@code ids}, every job ended) of a batch of {@code tenant}. */
    Batch seal(String batchId, String tenant, int index, List<String> ids, BatchTally tally) {
        Batch batch = batches.get(batchId, id -> new Batch(tenant));
        batch.parts.put(index, new Part(ids.getFirst(), ids.getLast(), ids.size(), tally));
        return batch;
    }
}
