package dev.llmq.config;

/**
 * The {@code batch.size} of llmq's producers that write many lz4-compressed records of one partition at once: the
 * ingest's group commits (a transaction's jobs), the status store's changelog (a commit's updates) and the workers'
 * results (a transaction's results). Each takes it unless the user's Kafka properties set {@code batch.size}.
 *
 * <p>Why not Kafka's 16 KB: a producer closes a batch when its estimate of the batch's compressed size reaches
 * {@code batch.size}, and for these producers that estimate stayed near the uncompressed size, so a batch held about
 * 16 KB of records and compressed to 3.5–5 KB. A produce request carries at most one batch per partition, so a
 * commit's or a transaction's records of one partition took several requests. At 64 KB the changelog's producer sent
 * a quarter of the requests for the same records, the group commits half and the results two thirds, and the broker
 * got 0.04 produce requests per job instead of 0.09–0.10 at saturation. A batch's buffer is taken from the
 * producer's {@code buffer.memory} (32 MB) as before.
 */
public final class KafkaBatches {

    /** {@code batch.size} of the producers named above. */
    public static final int BYTES = 64 * 1024;

    private KafkaBatches() {
    }
}
