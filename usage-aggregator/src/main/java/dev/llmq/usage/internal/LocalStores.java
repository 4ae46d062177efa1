package dev.llmq.usage.internal;

import dev.llmq.schemas.UsageRecord;
import dev.llmq.usage.UsageApiException;
import dev.llmq.usage.UsageQuery;
import dev.llmq.usage.UsageWindow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * Reads this instance's share of the usage stores: the partitions of the active tasks that read the group deltas'
 * repartition topic. Groups of one {@code group_by} are spread over every partition; within a partition a prefix
 * scan ({@code <group_by>:}, or one tenant's {@code <group_by>@<tenant>:}) finds them, for windows a key-range fetch
 * over the asked window starts.
 */
public final class LocalStores {

    private final Supplier<KafkaStreams> streams;
    private final String repartitionTopic;

    /** @param repartitionTopic the full name of the group deltas' repartition topic */
    public LocalStores(Supplier<KafkaStreams> streams, String repartitionTopic) {
        this.streams = Objects.requireNonNull(streams, "streams");
        this.repartitionTopic = Objects.requireNonNull(repartitionTopic, "repartitionTopic");
    }

    /** The records of every partition held here; a store that is restoring or moving is a 503. */
    public Share share(UsageQuery q) {
        KafkaStreams s = streams.get();
        if (s == null || !s.state().isRunningOrRebalancing()) {
            throw UsageApiException.unavailable("the usage aggregator is not running");
        }
        List<Integer> partitions = new ArrayList<>();
        List<UsageRecord> data = new ArrayList<>();
        try {
            for (ThreadMetadata thread : s.metadataForLocalThreads()) {
                for (TaskMetadata task : thread.activeTasks()) {
                    if (task.topicPartitions().stream().anyMatch(tp -> tp.topic().equals(repartitionTopic))) {
                        int p = task.taskId().partition();
                        read(s, q, p, data);
                        partitions.add(p);
                    }
                }
            }
        } catch (InvalidStateStoreException e) {
            throw UsageApiException.unavailable("a usage store is restoring or moving");
        }
        return new Share(partitions, data);
    }

    private static void read(KafkaStreams s, UsageQuery q, int partition, List<UsageRecord> out) {
        String prefix = UsageMath.prefix(q.groupBy(), q.tenant());
        if (!q.window().windowed()) {
            ReadOnlyKeyValueStore<String, UsageRecord> store = s.store(StoreQueryParameters.fromNameAndType(
                    q.window().storeName(), QueryableStoreTypes.<String, UsageRecord>keyValueStore())
                    .withPartition(partition));
            try (KeyValueIterator<String, UsageRecord> it = store.prefixScan(prefix, Serdes.String().serializer())) {
                it.forEachRemaining(kv -> out.add(kv.value));
            }
            return;
        }
        UsageWindow w = q.window();
        ReadOnlyWindowStore<String, UsageRecord> store = s.store(StoreQueryParameters.fromNameAndType(
                w.storeName(), QueryableStoreTypes.<String, UsageRecord>windowStore()).withPartition(partition));
        // keys of one group_by (and tenant) lie between "<prefix>" and the prefix with ';' (which follows ':') for its
        // last ':'; window starts inclusive
        String end = prefix.substring(0, prefix.length() - 1) + ";";
        try (KeyValueIterator<Windowed<String>, UsageRecord> it = store.fetch(prefix, end, q.from(),
                q.to().minusMillis(1))) {
            while (it.hasNext()) {
                KeyValue<Windowed<String>, UsageRecord> kv = it.next();
                Instant start = kv.key.window().startTime();
                if (kv.key.key().startsWith(prefix) && !start.isBefore(q.from()) && start.isBefore(q.to())) {
                    out.add(UsageMath.inWindow(kv.value, w.wire(), start, start.plus(w.size())));
                }
            }
        }
    }
}
