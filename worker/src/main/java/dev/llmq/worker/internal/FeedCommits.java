package dev.llmq.worker.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offset commits of a {@link ClassicGroupFeed}: per partition the lowest offset not done, with the start counts of
 * the running records above it in the metadata ({@link StartsMetadata}); and, on assignment, the counts the previous
 * owners committed. Polling thread only.
 */
final class FeedCommits {

    private static final Logger LOG = LoggerFactory.getLogger(FeedCommits.class);
    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(10);

    private final Consumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, PartitionTracker> trackers;

    /** @param trackers the feed's trackers, read (never changed) here */
    FeedCommits(Consumer<byte[], byte[]> consumer, Map<TopicPartition, PartitionTracker> trackers) {
        this.consumer = consumer;
        this.trackers = trackers;
    }

    /**
     * Per partition, the offset to commit with its start counts: every partition when {@code force}, else those whose
     * offset advances or whose start counts changed.
     */
    Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> partitions, boolean force) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            PartitionTracker tracker = trackers.get(partition);
            if (tracker == null) {
                continue;
            }
            long position = tracker.pending() == 0 ? positionOf(partition) : -1;
            OptionalLong offset = tracker.committable(position);
            if (offset.isPresent() && (force || tracker.advances(offset.getAsLong()) || tracker.startsChanged())) {
                StartsMetadata.Encoded starts = tracker.startsMetadata(offset.getAsLong());
                if (starts.leftOut() > 0) {
                    LOG.warn("{}: start counts of {} running jobs left out of the commit metadata (over {} chars)",
                            partition, starts.leftOut(), StartsMetadata.MAX_CHARS);
                }
                offsets.put(partition, new OffsetAndMetadata(offset.getAsLong(), starts.metadata()));
            }
        }
        return offsets;
    }

    private long positionOf(TopicPartition partition) {
        try {
            return consumer.position(partition, Duration.ZERO);
        } catch (KafkaException e) {
            return -1;
        }
    }

    /**
     * Commits what is committable: asynchronously the offsets that advance and the changed start counts, or, with
     * {@code sync}, every partition, waiting for the answer.
     */
    void commit(boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(new ArrayList<>(trackers.keySet()), sync);
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            commitSync(offsets);
            return;
        }
        Map<TopicPartition, PartitionTracker> owners = new HashMap<>();
        Map<TopicPartition, List<CompletableFuture<Void>>> starts = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            PartitionTracker tracker = trackers.get(partition);
            tracker.requested(offset.offset());
            owners.put(partition, tracker);
            starts.put(partition, tracker.sending());
        });
        consumer.commitAsync(offsets, (done, error) -> {
            // runs on this polling thread, inside a later poll or commit
            owners.forEach((partition, tracker) -> {
                if (error == null) {
                    tracker.committed(offsets.get(partition).offset());
                    starts.get(partition).forEach(f -> f.complete(null));
                } else if (trackers.get(partition) == tracker) {
                    tracker.commitFailed();
                    tracker.sendFailed(starts.get(partition));
                } else {
                    starts.get(partition).forEach(f -> f.complete(null)); // revoked meanwhile: not ours to record
                }
            });
            if (error instanceof RetriableException || error instanceof RebalanceInProgressException) {
                LOG.debug("async commit of {} failed, sent again with the next one: {}", offsets.keySet(), error.toString());
            } else if (error != null) {
                LOG.warn("async commit of {} failed, sent again with the next one", offsets.keySet(), error);
            }
        });
    }

    /** Commits and waits; the starts the commit carries count as recorded either way (the partitions are leaving). */
    void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        offsets.keySet().forEach(partition -> starts.addAll(trackers.get(partition).sending()));
        try {
            consumer.commitSync(offsets);
            offsets.forEach((partition, offset) -> {
                PartitionTracker tracker = trackers.get(partition);
                if (tracker != null) {
                    tracker.committed(offset.offset());
                }
            });
            LOG.debug("committed {}", offsets);
        } catch (KafkaException e) {
            LOG.warn("commit of {} failed; those jobs may be processed again", offsets, e);
        } finally {
            starts.forEach(f -> f.complete(null));
        }
    }


    /** The committed offsets of newly assigned partitions (with the start counts), when starts are counted. */
    Map<TopicPartition, OffsetAndMetadata> committedOf(Collection<TopicPartition> partitions, boolean counting) {
        if (!counting || partitions.isEmpty()) {
            return Map.of();
        }
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
            consumer.committed(new HashSet<>(partitions), COMMITTED_TIMEOUT).forEach((partition, offset) -> {
                if (offset != null) {
                    committed.put(partition, offset);
                }
            });
            return committed;
        } catch (KafkaException e) {
            LOG.warn("could not read the committed start counts of {}; their jobs' earlier starts are not counted",
                    partitions, e);
            return Map.of();
        }
    }

    static NavigableMap<Long, Integer> priorStarts(TopicPartition partition, OffsetAndMetadata committed) {
        if (committed == null) {
            return new TreeMap<>();
        }
        try {
            NavigableMap<Long, Integer> starts = StartsMetadata.decode(committed.offset(), committed.metadata());
            if (!starts.isEmpty()) {
                LOG.info("{}: {} jobs above offset {} were started before and did not finish: {}", partition,
                        starts.size(), committed.offset(), starts);
            }
            return starts;
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: {}; earlier starts are not counted", partition, e.getMessage());
            return new TreeMap<>();
        }
    }
}
