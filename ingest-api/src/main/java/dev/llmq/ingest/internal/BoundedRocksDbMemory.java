package dev.llmq.ingest.internal;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.CompactionStyle;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the status store's RocksDB memory per process: every store partition shares one block cache of
 * {@link #TOTAL_BYTES} (index and filter blocks included) and its memtables count against it, instead of Kafka
 * Streams' default of a 50 MB cache and up to three 16 MB memtables for each partition of each store (2 stores x
 * {@code llmq.topics.partitions}); and keeps the Bloom filters of every level, so a lookup of a key the store does not
 * hold is answered by a filter; and compacts the job snapshots by levels into small files, not by Kafka Streams'
 * universal compaction ({@link #TARGET_FILE_BYTES}). The shared objects are static because Kafka Streams creates
 * this class by name for every store, and they live as long as the process (the pattern of Kafka Streams' memory
 * management guide).
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {

    /** Block cache and memtables of all status-store partitions of the process together. */
    static final long TOTAL_BYTES = 64L * 1024 * 1024;
    /**
     * The part of {@link #TOTAL_BYTES} memtables may take before the largest is flushed. Three quarters: the store is
     * written far more than read (a job's snapshot two or three times within its run, read mostly by the next update
     * while it is still in a memtable), and each flush is an SST file that compactions then rewrite; with 16 MB,
     * RocksDB's compaction threads took 11% of an ingest's CPU at saturation, with 48 MB 3–5%.
     */
    static final long MEMTABLE_BYTES = 48L * 1024 * 1024;

    /**
     * The cache's shards: 2^2. RocksDB's default for 64 MB is 64 shards of 1 MB, and the memtables' charge (in 256 KB
     * entries) fills about three quarters of each; a block larger than the rest of its shard (a big file's filter or
     * index block) was evicted as soon as it was used, and read from the file at the next lookup.
     */
    static final int SHARD_BITS = 2;

    /**
     * The size of the files level compaction writes in the job store (RocksDB's default is 64 MB). Its keys are job
     * ids that sort by submission time, and a job's two or three writes come within its run, so each flush holds the
     * newest keys and overlaps only the newest file of the level below: that file is what a compaction rewrites
     * besides the flush, and small files keep it small. Universal compaction (Kafka Streams' default) merges whole
     * sorted runs instead: at saturation its threads took 17–20% of an ingest's CPU, these settings 7%. Existing
     * stores written with universal compaction open as they are (each of its levels is one sorted run). The index
     * store keeps universal compaction: its idempotency-key lines sort by key, not by time, and are small.
     */
    static final long TARGET_FILE_BYTES = 8L * 1024 * 1024;

    private static final Cache CACHE = new LRUCache(TOTAL_BYTES, SHARD_BITS, false, 0.1);
    private static final WriteBufferManager WRITE_BUFFERS = new WriteBufferManager(MEMTABLE_BYTES, CACHE);

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(CACHE);
        table.setCacheIndexAndFilterBlocks(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(WRITE_BUFFERS);
        options.setTableFormatConfig(table);
        // Kafka Streams turns the last level's Bloom filters off (optimize_filters_for_hits), so a key that is not
        // there costs that level's index and data blocks; most of this store's reads miss (a new job's record
        // finds no snapshot), and with the index blocks out of the bounded cache each miss read them from the file
        options.setOptimizeFiltersForHits(false);
        if (JobStatusTopology.JOB_STORE.equals(storeName)) {
            options.setCompactionStyle(CompactionStyle.LEVEL);
            options.setLevelCompactionDynamicLevelBytes(true);
            options.setTargetFileSizeBase(TARGET_FILE_BYTES);
        }
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write buffer manager are shared by every store of the process: never closed here
    }
}
