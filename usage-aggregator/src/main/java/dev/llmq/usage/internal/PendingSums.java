package dev.llmq.usage.internal;

import dev.llmq.schemas.UsageRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * The group sums waiting to be passed on ({@link GroupDeltas}): summed in the heap, written to an in-memory store with
 * a changelog only when the task commits. Kafka Streams asks every store it knows as a cache to write itself out
 * before the commit's offsets and changelog records are sent ({@link CachedStateStore#flushCache}, as its own caching
 * stores are asked), so the sums still waiting at a commit are in the same transaction as the offsets of the results
 * they came from, and come back with the store after a crash. Between commits nothing is written: Kafka Streams' own
 * record cache was not used for this because it is one budget for every store of the thread, and the usage stores
 * fill it when there are many groups, which wrote the sums out at every update.
 *
 * <p>{@link CachedStateStore} is an interface of Kafka Streams' internals (4.4); {@code UsageTopologyTest} fails if a
 * later Kafka Streams stops asking it before commits.
 */
public final class PendingSums implements StateStore, CachedStateStore<String, UsageRecord> {

    private final KeyValueStore<String, UsageRecord> written;
    /** Sums since the last write or pass-on, by store key. */
    private final Map<String, UsageRecord> heap = new HashMap<>();

    private PendingSums(KeyValueStore<String, UsageRecord> written) {
        this.written = written;
    }

    /** The store {@code name}: an in-memory store with a changelog (no record cache) under this one. */
    public static StoreBuilder<PendingSums> builder(String name) {
        StoreBuilder<KeyValueStore<String, UsageRecord>> inner = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(name), Serdes.String(), new UsageRecordSerde()).withCachingDisabled();
        return new Builder(inner);
    }

    /** Adds {@code delta} to the sum under {@code key}. */
    public void add(String key, UsageRecord delta) {
        heap.merge(key, delta, UsageMath::plus);
    }

    /**
     * Every waiting sum (written or not), in key order, given to {@code sink}; then all are deleted (the written ones
     * on the changelog too).
     */
    public void drain(BiConsumer<String, UsageRecord> sink) {
        TreeMap<String, UsageRecord> all = new TreeMap<>();
        List<String> writtenKeys = new ArrayList<>();
        try (KeyValueIterator<String, UsageRecord> it = written.all()) {
            while (it.hasNext()) {
                KeyValue<String, UsageRecord> kv = it.next();
                all.put(kv.key, kv.value);
                writtenKeys.add(kv.key);
            }
        }
        heap.forEach((key, sum) -> all.merge(key, sum, UsageMath::plus));
        heap.clear();
        all.forEach(sink);
        writtenKeys.forEach(written::delete);
    }

    /** Called by Kafka Streams before each commit: the heap's sums go into the store and its changelog. */
    @Override
    public void flushCache() {
        heap.forEach((key, sum) -> {
            UsageRecord before = written.get(key);
            written.put(key, before == null ? sum : UsageMath.plus(before, sum));
        });
        heap.clear();
    }

    /** Called by Kafka Streams when the task's uncommitted state is dropped (the store is restored after). */
    @Override
    public void clearCache() {
        heap.clear();
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<String, UsageRecord> listener,
                                    boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return written.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        heap.clear();
        written.init(context, root);
    }

    @Override
    public void flush() {
        written.flush();
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        written.commit(changelogOffsets);
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return written.committedOffset(partition);
    }

    @Override
    public boolean managesOffsets() {
        return written.managesOffsets();
    }

    @Override
    public void close() {
        heap.clear();
        written.close();
    }

    @Override
    public boolean persistent() {
        return written.persistent();
    }

    @Override
    public boolean isOpen() {
        return written.isOpen();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return written.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return written.getPosition();
    }

    @Override
    public long approximateNumUncommittedBytes() {
        return written.approximateNumUncommittedBytes();
    }

    /** Builds the store over the in-memory one; logging as that one's (a changelog unless disabled). */
    private static final class Builder implements StoreBuilder<PendingSums> {

        private StoreBuilder<KeyValueStore<String, UsageRecord>> inner;

        Builder(StoreBuilder<KeyValueStore<String, UsageRecord>> inner) {
            this.inner = Objects.requireNonNull(inner, "inner");
        }

        @Override
        public StoreBuilder<PendingSums> withCachingEnabled() {
            throw new UnsupportedOperationException("the pending sums are their own cache");
        }

        @Override
        public StoreBuilder<PendingSums> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<PendingSums> withLoggingEnabled(Map<String, String> config) {
            inner = inner.withLoggingEnabled(config);
            return this;
        }

        @Override
        public StoreBuilder<PendingSums> withLoggingDisabled() {
            throw new UnsupportedOperationException("without a changelog the pending sums would be lost in a crash");
        }

        @Override
        public PendingSums build() {
            return new PendingSums(inner.build());
        }

        @Override
        public Map<String, String> logConfig() {
            return inner.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return inner.loggingEnabled();
        }

        @Override
        public String name() {
            return inner.name();
        }
    }
}
