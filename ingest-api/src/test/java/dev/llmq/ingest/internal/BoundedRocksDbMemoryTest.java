package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The status store's RocksDB settings: one bound for the process, most of it for memtables; filters on every level;
 * the job store compacted by levels.
 */
class BoundedRocksDbMemoryTest {

    private static final int RESULT_BYTES = 1_500;

    static {
        RocksDB.loadLibrary();
    }

    @Test
    void everyStoreSharesOneWriteBufferManagerAndCachesIndexesInTheSharedCache() {
        BoundedRocksDbMemory setter = new BoundedRocksDbMemory();
        try (Options first = withTable(); Options second = withTable()) {
            setter.setConfig(JobStatusTopology.JOB_STORE, first, Map.of());
            setter.setConfig(JobStatusTopology.INDEX_STORE, second, Map.of());

            assertThat(first.writeBufferManager()).isNotNull().isSameAs(second.writeBufferManager());
            BlockBasedTableConfig table = (BlockBasedTableConfig) first.tableFormatConfig();
            assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
            setter.close(JobStatusTopology.JOB_STORE, first);
            setter.close(JobStatusTopology.INDEX_STORE, second);
        }
    }

    @Test
    void onlyTheJobStoreCompactsByLevels() {
        BoundedRocksDbMemory setter = new BoundedRocksDbMemory();
        try (Options jobs = kafkaStreamsDefaults(); Options index = kafkaStreamsDefaults()) {
            setter.setConfig(JobStatusTopology.JOB_STORE, jobs, Map.of());
            setter.setConfig(JobStatusTopology.INDEX_STORE, index, Map.of());

            assertThat(jobs.compactionStyle()).isEqualTo(CompactionStyle.LEVEL);
            assertThat(jobs.targetFileSizeBase()).isEqualTo(BoundedRocksDbMemory.TARGET_FILE_BYTES);
            assertThat(index.compactionStyle()).isEqualTo(CompactionStyle.UNIVERSAL);
        }
    }

    @Test
    void memtablesTakeMostOfTheBoundButNotAllOfIt() {
        // the store is written far more than read: small memtables meant many small flushes for compactions to
        // rewrite (RocksDB's compaction threads: 11% of an ingest at saturation with 16 MB of 64, 3-5% with 48)
        assertThat(BoundedRocksDbMemory.MEMTABLE_BYTES).isGreaterThanOrEqualTo(BoundedRocksDbMemory.TOTAL_BYTES / 2)
                .isLessThan(BoundedRocksDbMemory.TOTAL_BYTES);
    }

    @Test
    void aKeyTheStoreDoesNotHoldIsRuledOutByAFilterOnTheLastLevelToo(@TempDir Path dir) throws RocksDBException {
        assertThat(lookUpAbsentKeys(dir, 20_000, TickerType.BLOOM_FILTER_USEFUL))
                .as("misses a filter answered, of 1,000").isGreaterThan(900);
    }

    @Test
    void aFilterBlockLargerThanRocksDbsDefaultShardStaysInTheCache(@TempDir Path dir) throws RocksDBException {
        // 1,200,000 keys: a full filter of ~1.5 MB, more than a shard of RocksDB's default split of a 64 MB cache
        assertThat(lookUpAbsentKeys(dir, 1_200_000, TickerType.BLOCK_CACHE_FILTER_MISS))
                .as("filter blocks read from the file for 1,000 lookups").isLessThan(20);
    }

    @Test
    void compactionsRewriteTimeOrderedJobsLessThanUniversalCompactionDid(@TempDir Path dir) throws RocksDBException {
        // a job's snapshot is written when it is queued and again, larger, when its result comes; job ids sort by
        // submission time, so each flush holds the newest keys and overlaps only the newest small file of the store
        // (with 200,000 jobs, ~300 MB: universal 2.72, ours 1.07; the gap grows with the store)
        double universal = compactionBytesPerFlushedByte(dir.resolve("universal"), false, 200_000);
        double ours = compactionBytesPerFlushedByte(dir.resolve("ours"), true, 200_000);

        assertThat(ours).as("bytes compactions wrote per byte flushed, ours against universal compaction's %.2f",
                universal).isLessThan(universal * 0.6);
    }

    @Test
    void aStoreWrittenWithUniversalCompactionOpensWithOursAndKeepsEveryKey(@TempDir Path dir)
            throws RocksDBException {
        // a status store written by an ingest before this setting (Kafka Streams' universal compaction) is reopened
        int jobs = 40_000;
        compactionBytesPerFlushedByte(dir, false, jobs);
        try (Options options = kafkaStreamsDefaults()) {
            new BoundedRocksDbMemory().setConfig(JobStatusTopology.JOB_STORE, options, Map.of());
            try (RocksDB db = RocksDB.open(options, dir.toString())) {
                db.compactRange();
                for (int i = 0; i < jobs; i += 97) {
                    assertThat(db.get(key(i))).as("job %d", i).hasSize(RESULT_BYTES);
                }
            }
        }
    }

    /**
     * Writes {@code jobs} jobs as the status store does: each job's queued snapshot, and its result 500 jobs later;
     * flushes every 4,000 jobs (about 7 MB, a partition's share of the memtables), each time waiting for the
     * compactions the flush set off, and returns the bytes they wrote per byte the flushes wrote.
     */
    private static double compactionBytesPerFlushedByte(Path dir, boolean ours, int jobs) throws RocksDBException {
        try (Statistics stats = new Statistics(); Options options = kafkaStreamsDefaults()) {
            if (ours) {
                new BoundedRocksDbMemory().setConfig(JobStatusTopology.JOB_STORE, options, Map.of());
            }
            options.setStatistics(stats);
            try (RocksDB db = RocksDB.open(options, dir.toString()); FlushOptions flush = new FlushOptions();
                 WriteOptions write = new WriteOptions().setDisableWAL(true)) {
                byte[] queued = new byte[300];
                byte[] result = new byte[RESULT_BYTES];
                Random random = new Random(1);
                random.nextBytes(queued);
                random.nextBytes(result);
                for (int i = 0; i < jobs + 500; i++) {
                    if (i < jobs) {
                        db.put(write, key(i), queued);
                    }
                    if (i >= 500) {
                        db.put(write, key(i - 500), result);
                    }
                    if (i % 4_000 == 3_999) {
                        flushAndSettle(db, flush);
                    }
                }
                flushAndSettle(db, flush);
                return (double) stats.getTickerCount(TickerType.COMPACT_WRITE_BYTES)
                        / stats.getTickerCount(TickerType.FLUSH_WRITE_BYTES);
            }
        }
    }

    /**
     * Flushes and waits for the compactions the flush set off: compactions that overlap the next flushes would pick
     * their files by how fast this machine is at that moment, and universal compaction's figure varied with it.
     */
    private static void flushAndSettle(RocksDB db, FlushOptions flush) throws RocksDBException {
        db.flush(flush.setWaitForFlush(true));
        // universal compaction may report a compaction pending it never starts: wait for a quiet spell instead
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(5)).during(Duration.ofMillis(20))
                .until(() -> db.getLongProperty("rocksdb.num-running-compactions") == 0);
    }

    /** Kafka Streams' settings of a store's RocksDB (RocksDBStore) that matter here, before the config setter's. */
    private static Options kafkaStreamsDefaults() {
        return new Options().setCreateIfMissing(true).setTableFormatConfig(new BlockBasedTableConfig())
                .setCompactionStyle(CompactionStyle.UNIVERSAL).setCompressionType(CompressionType.NO_COMPRESSION)
                .setWriteBufferSize(16L * 1024 * 1024)
                .setMaxWriteBufferNumber(3);
    }

    /**
     * Opens a RocksDB with Kafka Streams' own settings first (RocksDBStore: a Bloom filter, universal compaction, and
     * no filters on the last level), then ours, as Kafka Streams applies a config setter; writes {@code keys} even
     * keys, compacts them all to the last level (as a long-running store holds most of its keys), looks up 1,000
     * absent odd keys within their range, and returns how far {@code ticker} moved during the lookups.
     */
    private static long lookUpAbsentKeys(Path dir, int keys, TickerType ticker) throws RocksDBException {
        try (BloomFilter filter = new BloomFilter(); Statistics stats = new Statistics();
             Options options = new Options().setCreateIfMissing(true)
                     .setTableFormatConfig(new BlockBasedTableConfig().setFilterPolicy(filter))
                     .setCompactionStyle(CompactionStyle.UNIVERSAL).setOptimizeFiltersForHits(true)) {
            new BoundedRocksDbMemory().setConfig(JobStatusTopology.JOB_STORE, options, Map.of());
            options.setStatistics(stats);
            try (RocksDB db = RocksDB.open(options, dir.toString()); FlushOptions flush = new FlushOptions();
                 WriteBatch batch = new WriteBatch(); WriteOptions write = new WriteOptions().setDisableWAL(true)) {
                byte[] value = "{\"status\":\"queued\"}".getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < keys; i++) {
                    batch.put(key(2 * i), value);
                    if (batch.count() == 10_000 || i == keys - 1) {
                        db.write(write, batch);
                        batch.clear();
                    }
                }
                db.flush(flush.setWaitForFlush(true));
                db.compactRange();
                long before = stats.getTickerCount(ticker);
                for (int i = 0; i < 1_000; i++) {
                    assertThat(db.get(key(2 * i + 1))).isNull();
                }
                return stats.getTickerCount(ticker) - before;
            }
        }
    }

    private static byte[] key(int i) {
        return String.format("jjob_%08d", i).getBytes(StandardCharsets.UTF_8);
    }

    private static Options withTable() {
        return new Options().setTableFormatConfig(new BlockBasedTableConfig());
    }
}
