package dev.llmq.ingest.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.apache.kafka.streams.state.internals.KeyValueStoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * A key-value store that holds its writes in the heap until the task commits, then writes each key's last value once
 * to the store under it (RocksDB with its changelog). A job's snapshot is written when its job record comes and again
 * when its result comes; when both come within one commit interval, the changelog and RocksDB get the second only.
 *
 * <p>Kafka Streams asks every store it knows as a cache to write itself out at the start of a commit, before the
 * commit's records are flushed and its input offsets sent ({@link CachedStateStore#flushCache}): a crash loses only
 * writes whose input records are read again. Each held write keeps its record's timestamp, topic, partition and offset
 * (not its headers), which are current again while it is written out, as Kafka Streams' caching stores do. This is not
 * Kafka Streams' record cache because that cache keeps its entries in a linked list whose evicted nodes still point
 * at their neighbours (kafka-streams 4.4.0), so entries that reach the old generation keep the next ones alive through
 * young collections: under load the ingest's pauses grew from tens of milliseconds to up to a second. Here the writes
 * of one commit interval live in one map, dropped whole when written out.
 *
 * <p>Held writes are bounded by {@code maxHeldBytes} (keys, values and a fixed overhead per entry); past it they are
 * all written out at once, as an evicting cache would. Reads ({@link #get}) see held writes, also from other threads
 * (interactive queries); ranges and scans write out what is held first when called on the task's own thread. From
 * any other thread a {@link #range} lays the held writes in it over what was written out (the status store reads a
 * batch's jobs with one range per partition); the other scans read only what was written out. {@link #query}
 * (interactive queries v2) reads what was written out.
 *
 * <p>{@link CachedStateStore}, {@link WrappedStateStore}, {@link KeyValueStoreBuilder},
 * {@link InternalProcessorContext} and {@link ProcessorRecordContext} are Kafka Streams' internals (4.4);
 * {@code HeldWritesStoreIT} fails if a later Kafka Streams stops asking this store at commits.
 */
final class HeldWritesStore extends WrappedStateStore<KeyValueStore<String, byte[]>, String, byte[]>
        implements KeyValueStore<String, byte[]> {

    /** What one held write costs beyond its key's and value's bytes, roughly: the map's node and the records. */
    private static final int ENTRY_OVERHEAD = 160;
    private static final RecordHeaders NO_HEADERS = readOnlyEmpty();

    private final long maxHeldBytes;
    /** Writes since the last write-out; a null value is a delete. Read by other threads, written by the task's. */
    private volatile Map<String, Held> held = new ConcurrentHashMap<>();
    /** The writes being written out, until they are all in the store under this one; null otherwise. */
    private volatile Map<String, Held> writing;
    private long heldBytes;
    private InternalProcessorContext<?, ?> context;
    private volatile Thread taskThread;

    /** A held write and its record's metadata (a record context is made only when it is written out). */
    private record Held(byte[] value, long timestamp, long offset, int partition, String topic) {

        ProcessorRecordContext record() {
            return new ProcessorRecordContext(timestamp, offset, partition, topic, NO_HEADERS);
        }
    }

    private HeldWritesStore(KeyValueStore<String, byte[]> written, long maxHeldBytes) {
        super(written);
        this.maxHeldBytes = maxHeldBytes;
    }

    /**
     * A builder of the store {@code supplier} gives (String keys, byte array values) with writes held in the heap, at
     * most {@code maxHeldBytes}.
     */
    static StoreBuilder<KeyValueStore<String, byte[]>> builder(KeyValueBytesStoreSupplier supplier,
                                                               long maxHeldBytes) {
        if (maxHeldBytes <= 0) {
            throw new IllegalArgumentException("maxHeldBytes must be positive");
        }
        return new Builder(Objects.requireNonNull(supplier, "supplier"), maxHeldBytes);
    }

    private static RecordHeaders readOnlyEmpty() {
        RecordHeaders h = new RecordHeaders();
        h.setReadOnly();
        return h;
    }

    @Override
    public void put(String key, byte[] value) {
        Objects.requireNonNull(key, "key");
        ProcessorRecordContext now = context.recordContext();
        Held fresh = new Held(value, now.timestamp(), now.offset(), now.partition(), now.topic());
        Held before = held.put(key, fresh);
        heldBytes += size(key, value) - (before == null ? 0 : size(key, before.value()));
        if (heldBytes > maxHeldBytes) {
            writeOut();
        }
    }

    private static long size(String key, byte[] value) {
        return ENTRY_OVERHEAD + 2L * key.length() + (value == null ? 0 : value.length);
    }

    @Override
    public byte[] putIfAbsent(String key, byte[] value) {
        byte[] present = get(key);
        if (present == null) {
            put(key, value);
        }
        return present;
    }

    @Override
    public void putAll(List<KeyValue<String, byte[]>> entries) {
        entries.forEach(kv -> put(kv.key, kv.value));
    }

    @Override
    public byte[] delete(String key) {
        byte[] before = get(key);
        put(key, null);
        return before;
    }

    @Override
    public byte[] get(String key) {
        Held h = held.get(key);
        if (h == null) {
            Map<String, Held> out = writing;
            h = out == null ? null : out.get(key);
        }
        return h != null ? h.value() : wrapped().get(key);
    }

    @Override
    public KeyValueIterator<String, byte[]> range(String from, String to) {
        if (Thread.currentThread() == taskThread) {
            writeOut();
            return wrapped().range(from, to);
        }
        // the held writes first, then what is written out: a write-out in between is then in the one or the other
        Map<String, Held> newer = held;
        Map<String, Held> older = writing;
        TreeMap<String, KeyValue<String, byte[]>> over = new TreeMap<>(HeldWritesStore::compareKeys);
        for (Map<String, Held> m : older == null ? List.of(newer) : List.of(older, newer)) {
            m.forEach((key, h) -> {
                if ((from == null || compareKeys(key, from) >= 0) && (to == null || compareKeys(key, to) <= 0)) {
                    over.put(key, KeyValue.pair(key, h.value()));
                }
            });
        }
        KeyValueIterator<String, byte[]> written = wrapped().range(from, to);
        return over.isEmpty() ? written : new Overlaid(written, over.values().iterator());
    }

    /**
     * The store's order of keys, their UTF-8 bytes' (code points'), without encoding them while they differ first in
     * a character below the surrogates (every key llmq writes is ASCII); else by their bytes.
     */
    static int compareKeys(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                return x < Character.MIN_SURROGATE && y < Character.MIN_SURROGATE ? x - y
                        : Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8),
                                b.getBytes(StandardCharsets.UTF_8));
            }
        }
        return a.length() - b.length();
    }

    /**
     * What was written out with the held writes laid over it, both in the store's order (its keys' UTF-8 bytes); a
     * held write replaces the written value of its key, and a held delete hides it.
     */
    private static final class Overlaid implements KeyValueIterator<String, byte[]> {

        private final KeyValueIterator<String, byte[]> written;
        private final Iterator<KeyValue<String, byte[]>> over;
        private KeyValue<String, byte[]> nextWritten;
        private KeyValue<String, byte[]> nextOver;
        private KeyValue<String, byte[]> next;

        Overlaid(KeyValueIterator<String, byte[]> written, Iterator<KeyValue<String, byte[]>> over) {
            this.written = written;
            this.over = over;
            this.nextWritten = written.hasNext() ? written.next() : null;
            this.nextOver = over.hasNext() ? over.next() : null;
            advance();
        }

        private void advance() {
            next = null;
            while (next == null && (nextWritten != null || nextOver != null)) {
                int order = nextWritten == null ? 1
                        : nextOver == null ? -1 : compareKeys(nextWritten.key, nextOver.key);
                if (order < 0) {
                    next = nextWritten;
                    nextWritten = written.hasNext() ? written.next() : null;
                } else {
                    if (order == 0) {
                        nextWritten = written.hasNext() ? written.next() : null;
                    }
                    next = nextOver.value == null ? null : nextOver; // a held delete hides the key
                    nextOver = over.hasNext() ? over.next() : null;
                }
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public KeyValue<String, byte[]> next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            KeyValue<String, byte[]> out = next;
            advance();
            return out;
        }

        @Override
        public String peekNextKey() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            return next.key;
        }

        @Override
        public void close() {
            written.close();
        }
    }

    @Override
    public KeyValueIterator<String, byte[]> reverseRange(String from, String to) {
        writeOutOnTaskThread();
        return wrapped().reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<String, byte[]> all() {
        writeOutOnTaskThread();
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<String, byte[]> reverseAll() {
        writeOutOnTaskThread();
        return wrapped().reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<String, byte[]> prefixScan(P prefix, PS prefixSerializer) {
        writeOutOnTaskThread();
        return wrapped().prefixScan(prefix, prefixSerializer);
    }

    @Override
    public long approximateNumEntries() {
        return wrapped().approximateNumEntries();
    }

    private void writeOutOnTaskThread() {
        if (Thread.currentThread() == taskThread) {
            writeOut();
        }
    }

    /** Writes every held write to the store under this one, each with its own record's metadata current. */
    private void writeOut() {
        Map<String, Held> out = held;
        if (out.isEmpty()) {
            return;
        }
        writing = out;
        held = new ConcurrentHashMap<>();
        heldBytes = 0;
        ProcessorRecordContext current = context.recordContext();
        try {
            for (Map.Entry<String, Held> e : out.entrySet()) {
                context.setRecordContext(e.getValue().record());
                wrapped().put(e.getKey(), e.getValue().value());
            }
        } finally {
            context.setRecordContext(current);
            writing = null;
        }
    }

    /** Called by Kafka Streams at the start of each commit of the task (and before a clean close). */
    @Override
    public void flushCache() {
        writeOut();
    }

    /** Called by Kafka Streams when the task's uncommitted state is dropped (the store is restored after). */
    @Override
    public void clearCache() {
        held = new ConcurrentHashMap<>();
        heldBytes = 0;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        this.context = (InternalProcessorContext<?, ?>) context;
        this.taskThread = Thread.currentThread();
        clearCache();
        super.init(context, root);
    }

    @Override
    public void close() {
        clearCache();
        super.close();
    }

    /**
     * Kafka Streams' builder of a key-value store (metered, with a changelog unless disabled, never its record cache),
     * with this store over what it builds.
     */
    private static final class Builder extends KeyValueStoreBuilder<String, byte[]> {

        private final long maxHeldBytes;

        Builder(KeyValueBytesStoreSupplier supplier, long maxHeldBytes) {
            super(supplier, Serdes.String(), Serdes.ByteArray(), Time.SYSTEM);
            this.maxHeldBytes = maxHeldBytes;
        }

        @Override
        public StoreBuilder<KeyValueStore<String, byte[]>> withCachingEnabled() {
            throw new UnsupportedOperationException("the held writes are this store's cache");
        }

        @Override
        public KeyValueStore<String, byte[]> build() {
            return new HeldWritesStore(super.build(), maxHeldBytes);
        }
    }
}
