package dev.llmq.ingest.internal;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * How far the status store's tasks on this instance have processed the inputs a lookup depends on (a job's record on
 * the jobs topics, a batch's list on the batches topic): the offset of the last record processed, per input
 * partition. Written by each task's processor on the stream thread, read by lookups that found nothing
 * ({@link StatusStore#mayNotHaveRead}): a record polled but not processed yet, or not fetched yet, may be the one
 * looked for.
 */
final class ReadProgress {

    private final ConcurrentHashMap<TopicPartition, AtomicLong> processed = new ConcurrentHashMap<>();

    /**
     * A processor of {@code topics} starts on {@code partition} (a task was created or moved here): what an earlier
     * task of this partition processed no longer says anything (it may have been behind what this one resumes from).
     */
    Marks start(int partition, List<String> topics) {
        AtomicLong[] offsets = new AtomicLong[topics.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = new AtomicLong(-1);
            processed.put(new TopicPartition(topics.get(i), partition), offsets[i]);
        }
        return new Marks(List.copyOf(topics), offsets);
    }

    /** The offset of the last record of {@code tp} processed here since its task started, or -1 when none. */
    long processed(TopicPartition tp) {
        AtomicLong offset = processed.get(tp);
        return offset == null ? -1 : offset.get();
    }

    /** One processor's marks, one per input topic of its partition. */
    static final class Marks {
        private final List<String> topics;
        private final AtomicLong[] offsets;

        private Marks(List<String> topics, AtomicLong[] offsets) {
            this.topics = topics;
            this.offsets = offsets;
        }

        /** The record at {@code offset} of {@code topic} has been processed. */
        void processed(String topic, long offset) {
            for (int i = 0; i < offsets.length; i++) {
                if (topics.get(i).equals(topic)) {
                    offsets[i].set(offset);
                    return;
                }
            }
        }
    }
}
