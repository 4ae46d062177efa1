package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** The status store's RocksDB settings: one bound for the process, most of it for memtables. */
class BoundedRocksDbMemoryTest {

    static {
        RocksDB.loadLibrary();
    }

    @Test
    void everyStoreSharesOneWriteBufferManagerAndCachesIndexesInTheSharedCache() {
        BoundedRocksDbMemory setter = new BoundedRocksDbMemory();
        try (Options first = withTable(); Options second = withTable()) {
            setter.setConfig("job-status", first, Map.of());
            setter.setConfig("job-index", second, Map.of());

            assertThat(first.writeBufferManager()).isNotNull().isSameAs(second.writeBufferManager());
            BlockBasedTableConfig table = (BlockBasedTableConfig) first.tableFormatConfig();
            assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
            setter.close("job-status", first);
            setter.close("job-index", second);
        }
    }

    @Test
    void memtablesTakeMostOfTheBoundButNotAllOfIt() {
        // the store is written far more than read: small memtables meant many small flushes for compactions to
        // rewrite (RocksDB's compaction threads: 11% of an ingest at saturation with 16 MB of 64, 3-5% with 48)
        assertThat(BoundedRocksDbMemory.MEMTABLE_BYTES).isGreaterThanOrEqualTo(BoundedRocksDbMemory.TOTAL_BYTES / 2)
                .isLessThan(BoundedRocksDbMemory.TOTAL_BYTES);
    }

    private static Options withTable() {
        return new Options().setTableFormatConfig(new BlockBasedTableConfig());
    }
}
