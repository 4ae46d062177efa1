package dev.llmq.usage.internal;

import dev.llmq.config.LlmqKeys;
import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the usage aggregator's RocksDB memory per process. Kafka Streams gives every RocksDB instance its own 50 MB
 * block cache and up to three 16 MB memtables, and this application has many instances: per partition one for the
 * running totals and one per live segment of each window store (1m, 1h, 1d, the counted job ids), about five per
 * partition in the steady state and more as segments roll over. With the defaults an aggregator's memory outside the
 * Java heap grew with every instance's memtables and cache. Here every instance of the process shares one block cache
 * of {@code llmq.usage.rocksdb_memory_bytes} (passed as the Streams property {@value #BYTES_CONFIG}), index and filter
 * blocks included, and their memtables count against it, at most half of it. The shared objects are static because
 * Kafka Streams creates this class by name for every instance; they are made for the first instance of the process,
 * with its application's setting, and live as long as the process (the pattern of Kafka Streams' memory management
 * guide).
 */
public final class UsageRocksDbMemory implements RocksDBConfigSetter {

    /** The Streams property that carries the bound, in bytes (llmq's own, passed through to this class). */
    public static final String BYTES_CONFIG = "llmq.usage.rocksdb.memory.bytes";
    /**
     * The cache's shards: 2^2, so that a large index or filter block fits in its shard (RocksDB's default splits a
     * cache into shards of 1 MB).
     */
    private static final int SHARD_BITS = 2;

    private static Bound bound;

    /** The cache and the write buffer manager of the process. */
    record Bound(long totalBytes, Cache cache, WriteBufferManager writeBuffers) {

        /**
         * Memtables may take half of the bound before the largest is flushed: each group update reads the group's
         * aggregate and writes it back, so the cache serves as many reads as the memtables take writes.
         */
        static Bound of(long totalBytes) {
            Cache cache = new LRUCache(totalBytes, SHARD_BITS, false, 0.1);
            return new Bound(totalBytes, cache, new WriteBufferManager(totalBytes / 2, cache));
        }
    }

    /** The process's bound: made by the first call, with {@code totalBytes}; later calls get the same one. */
    static synchronized Bound bound(long totalBytes) {
        if (bound == null) {
            bound = Bound.of(totalBytes);
        }
        return bound;
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object configured = configs.get(BYTES_CONFIG);
        apply(options, bound(configured == null ? LlmqKeys.USAGE_ROCKSDB_MEMORY_BYTES.defaultValue()
                : Long.parseLong(configured.toString())));
    }

    /** Puts an instance's block cache and memtables under {@code b}. */
    static void apply(Options options, Bound b) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(b.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(b.writeBuffers());
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write buffer manager are shared by every instance of the process: never closed here
    }
}
