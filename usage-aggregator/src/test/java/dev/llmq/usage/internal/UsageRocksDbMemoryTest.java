package dev.llmq.usage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.MemoryUsageType;
import org.rocksdb.MemoryUtil;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/** The usage aggregator's RocksDB settings: one memory bound for all its instances in the process. */
class UsageRocksDbMemoryTest {

    static {
        RocksDB.loadLibrary();
    }

    @Test
    void everyInstanceSharesOneWriteBufferManagerAndCachesIndexesInTheSharedCache() {
        UsageRocksDbMemory setter = new UsageRocksDbMemory();
        try (Options first = withTable(); Options second = withTable()) {
            setter.setConfig("usage-1m.1796256000000", first,
                    Map.of(UsageRocksDbMemory.BYTES_CONFIG, Long.toString(64L << 20)));
            setter.setConfig("usage-total", second, Map.of());

            assertThat(first.writeBufferManager()).isNotNull().isSameAs(second.writeBufferManager());
            BlockBasedTableConfig table = (BlockBasedTableConfig) first.tableFormatConfig();
            assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
            setter.close("usage-1m.1796256000000", first);
            setter.close("usage-total", second);
        }
    }

    @Test
    void theFirstCallOfTheProcessSetsTheBound() {
        UsageRocksDbMemory.Bound first = UsageRocksDbMemory.bound(64L << 20);
        assertThat(UsageRocksDbMemory.bound(512L << 20)).isSameAs(first);
    }

    @Test
    void memtablesOfManyInstancesStayWithinTheBound(@TempDir Path dir) throws RocksDBException {
        // twelve instances (two partitions' stores and segments) written 8 MB each under a 32 MB bound: with
        // RocksDB's own settings (16 MB memtables per instance) all 96 MB would still be in memtables
        UsageRocksDbMemory.Bound bound = UsageRocksDbMemory.Bound.of(32L << 20);
        List<Options> options = new ArrayList<>();
        List<RocksDB> dbs = new ArrayList<>();
        try (WriteOptions write = new WriteOptions().setDisableWAL(true)) {
            for (int i = 0; i < 12; i++) {
                Options o = withTable().setCreateIfMissing(true);
                UsageRocksDbMemory.apply(o, bound);
                options.add(o);
                dbs.add(RocksDB.open(o, dir.resolve("db-" + i).toString()));
            }
            byte[] value = "{\"requests\":1,\"cost_usd\":\"0.000123\"}".repeat(8).getBytes(StandardCharsets.UTF_8);
            for (int n = 0; n < 8 * 1024 * 1024 / value.length; n++) {
                byte[] key = String.format("tenant-%04d\u0000model-%08d", n % 1000, n)
                        .getBytes(StandardCharsets.UTF_8);
                for (RocksDB db : dbs) {
                    db.put(write, key, value);
                }
            }
            // the write buffer manager asks for flushes, which run on RocksDB's background threads: on a loaded
            // machine the memtables they free can still be counted for a moment (36.8 MB was seen once in CI)
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                    assertThat(MemoryUtil.getApproximateMemoryUsageByType(dbs, Set.of())
                            .get(MemoryUsageType.kMemTableTotal))
                            .as("bytes in memtables, all instances, once the flushes asked for ran")
                            .isLessThanOrEqualTo(bound.totalBytes()));
        } finally {
            dbs.forEach(RocksDB::close);
            options.forEach(Options::close);
            bound.writeBuffers().close();
            bound.cache().close();
        }
    }

    private static Options withTable() {
        return new Options().setTableFormatConfig(new BlockBasedTableConfig());
    }
}
