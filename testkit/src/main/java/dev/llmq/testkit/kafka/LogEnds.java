package dev.llmq.testkit.kafka;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The ends of some partitions at one moment: their last stable offsets (what a {@code read_committed} reader reaches)
 * and their high watermarks (which also count transaction markers). A committed transaction's markers are written
 * just after the producer's commit returns, so a reader that must see everything acknowledged waits until no
 * partition is {@link #held}.
 */
public record LogEnds(Map<TopicPartition, Long> lastStable, Map<TopicPartition, Long> highWatermarks) {

    public LogEnds {
        lastStable = Map.copyOf(lastStable);
        highWatermarks = Map.copyOf(highWatermarks);
    }

    /** Reads both ends of {@code partitions}, waiting at most 10 s for each answer. */
    public static LogEnds read(Admin admin, Collection<TopicPartition> partitions)
            throws ExecutionException, InterruptedException, TimeoutException {
        return new LogEnds(ends(admin, partitions, IsolationLevel.READ_COMMITTED),
                ends(admin, partitions, IsolationLevel.READ_UNCOMMITTED));
    }

    private static Map<TopicPartition, Long> ends(Admin admin, Collection<TopicPartition> partitions,
                                                   IsolationLevel isolation)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(latest, new ListOffsetsOptions(isolation)).all().get(10, TimeUnit.SECONDS)
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** The partitions an open transaction holds: their last stable offset is below their high watermark. */
    public Set<TopicPartition> held() {
        return highWatermarks.keySet().stream().filter(tp -> lastStable.get(tp) < highWatermarks.get(tp))
                .collect(Collectors.toSet());
    }
}
