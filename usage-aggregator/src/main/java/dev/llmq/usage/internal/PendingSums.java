package dev.llmq.usage.internal;

import dev.llmq.schemas.UsageRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
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
 * The group sums waiting to be passed on ({@link GroupDeltas}), summed in the heap and passed on when the task commits.
 * Kafka Streams asks every store it knows as a cache to write itself out at the start of a commit, before the
 * commit's records are flushed and its input offsets sent ({@link CachedStateStore#flushCache}, as its own caching
 * stores are asked): this store then hands every waiting sum to the processor, which forwards them in that commit's
 * transaction, so no sum waits across a commit. Kafka Streams' own record cache was not used for this because it is
 * one budget for every store of the thread, and the usage stores fill it when there are many groups, which wrote the
 * sums out at every update.
 *
 * <p>Under the heap is an in-memory store with a changelog. This version writes nothing to it; an earlier one wrote
 * the sums still waiting at each commit there, and those come back with the store and are passed on with the heap's
 * at the next commit.
 *
 * <p>{@link CachedStateStore} is an interface of Kafka Streams' internals (4.4); {@code UsageTopologyTest} fails if a
 * later Kafka Streams stops asking it at commits.
 */
public final class PendingSums implements StateStore, CachedStateStore<String, UsageRecord> {

    private final KeyValueStore<String, UsageRecord> written;
    /** Sums since the last commit, by store key. */
    private final Map<String, UsageRecord> heap = new HashMap<>();
    /** Where the sums go at a commit; null until the processor says. */
    private Consumer<SortedMap<String, UsageRecord>> onCommit;

    private PendingSums(KeyValueStore<String, UsageRecord> written) {
        this.written = written;
    }

    /** The store {@code name}: an in-memory store with a changelog (no record cache) under this one. */
    public static StoreBuilder<PendingSums> builder(String name) {
        StoreBuilder<KeyValueStore<String, UsageRecord>> inner = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(name), Serdes.String(), new UsageRecordSerde()).withCachingDisabled();
        return new Builder(inner);
    }

    /** Where every waiting sum goes, in key order, at each commit of the task. */
    public void onCommit(Consumer<SortedMap<String, UsageRecord>> sink) {
        this.onCommit = Objects.requireNonNull(sink, "sink");
    }

    /** Adds {@code delta} to the sum under {@code key}. */
    public void add(String key, UsageRecord delta) {
        heap.merge(key, delta, UsageMath::plus);
    }

    /** True when no sum waits, in the heap or restored. */
    public boolean isEmpty() {
        return heap.isEmpty() && written.approximateNumEntries() == 0;
    }

    /**
     * Called by Kafka Streams at the start of each commit: every waiting sum (restored or not) goes where
     * {@link #onCommit} said, in key order, and is deleted (a restored one on the changelog too). Before the processor
     * has said (the heap is empty then: only it adds), restored sums stay.
     */
    @Override
    public void flushCache() {
        if (onCommit == null || isEmpty()) {
            return;
        }
        TreeMap<String, UsageRecord> all = new TreeMap<>(heap);
        heap.clear();
        List<String> restored = new ArrayList<>();
        if (written.approximateNumEntries() > 0) {
            try (KeyValueIterator<String, UsageRecord> it = written.all()) {
                while (it.hasNext()) {
                    KeyValue<String, UsageRecord> kv = it.next();
                    all.merge(kv.key, kv.value, UsageMath::plus);
                    restored.add(kv.key);
                }
            }
        }
        onCommit.accept(all);
        restored.forEach(written::delete);
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
