package dev.llmq.ingest.internal;

import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StoredFile;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The uploaded files, kept in Kafka: each file's record on {@code llmq.files.v1} ({@link StoredFile}, read by every
 * ingest into a global table, {@link ControlStates#file}) and its content in parts of up to
 * {@link StoredFile#PART_BYTES} on {@code llmq.file-parts.v1}, written together in one transaction (by one of this
 * instance's {@code fileTransactions} transactional producers, so a large file or batch does not hold up the
 * others), so a file is there whole or not at all. Its content is read back with a consumer of its own from the
 * offset the record names. A write or a deletion returns once this instance's table shows it, so the caller's next
 * request here sees it.
 *
 * <p>Files expire ({@link StoredFile#expiresAt()}): every instance deletes the expired ones a minute after it starts,
 * then hourly, at most {@link #SWEEP_MAX} a time (two instances deleting the same file write the same tombstones).
 */
public final class FileStore implements AutoCloseable {

    /** The most expired files one sweep deletes; the next sweep goes on. */
    static final int SWEEP_MAX = 1_000;
    static final Duration FIRST_SWEEP = Duration.ofMinutes(1);
    static final Duration SWEEP_EVERY = Duration.ofHours(1);
    private static final Duration POLL = Duration.ofMillis(100);
    /**
     * The file producer's {@code transaction.timeout.ms} (at least): a file of 200 MiB, or a batch of its lines, is one
     * transaction of seconds. It is also how long a killed ingest's open file transaction holds back the readers of
     * the partitions it wrote, unless the ingest restarts with the same {@code --instance-id} (which fences it at
     * once).
     */
    static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(1);
    /**
     * Each file producer's {@code buffer.memory} unless {@code llmq.kafka} sets it: what it holds unsent, 16 parts of a
     * file, or one request of the largest record when that is larger (a job line as large as a request body). Kafka's
     * default is 32 MiB, so {@code fileTransactions} of them writing at once would take four times the heap of one.
     */
    static final long BUFFER_BYTES = 8L * 1024 * 1024;
    /** The {@code Retry-After} of a 503 {@code ingest_busy}: file transactions last seconds. */
    private static final Duration BUSY_RETRY = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(FileStore.class);

    private final IngestSettings settings;
    private final ControlStates table;
    private final Function<Map<String, Object>, Producer<String, byte[]>> producers;
    private final Function<Map<String, Object>, Consumer<String, byte[]>> consumers;
    private final Clock clock;
    private final JsonSerde<StoredFile> serde = JsonSerde.storedFile();
    /** How many file transactions can be written at once, each with its producer ({@code fileTransactions}). */
    private final int capacity;
    /** The slots no one is writing with, first freed first taken (and waiting writers served in turn). */
    private final BlockingQueue<Slot> free;
    private final Duration busyAfter;
    private ScheduledExecutorService sweeper;

    public FileStore(IngestSettings settings, ControlStates table,
                     Function<Map<String, Object>, Producer<String, byte[]>> producers,
                     Function<Map<String, Object>, Consumer<String, byte[]>> consumers, Clock clock) {
        this(settings, table, producers, consumers, clock, TRANSACTION_TIMEOUT);
    }

    /** @param busyAfter how long a file request waits for a free file transaction before 503 {@code ingest_busy} */
    FileStore(IngestSettings settings, ControlStates table,
              Function<Map<String, Object>, Producer<String, byte[]>> producers,
              Function<Map<String, Object>, Consumer<String, byte[]>> consumers, Clock clock, Duration busyAfter) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.table = Objects.requireNonNull(table, "table");
        this.producers = Objects.requireNonNull(producers, "producers");
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.busyAfter = Objects.requireNonNull(busyAfter, "busyAfter");
        this.capacity = settings.fileTransactions();
        this.free = new ArrayBlockingQueue<>(capacity, true);
        for (int i = 0; i < capacity; i++) {
            free.add(new Slot(settings.transactionalIdPrefix() + "-" + settings.instanceId() + "-files-" + i));
        }
    }

    /**
     * One file transaction at a time with a transactional producer of its own, made (and its transactions
     * initialized) on first use or after a failure. Used only by the thread that took it from {@code free}.
     */
    private final class Slot {
        final String transactionalId;
        Producer<String, byte[]> producer;

        Slot(String transactionalId) {
            this.transactionalId = transactionalId;
        }

        Producer<String, byte[]> producer() {
            if (producer == null) {
                Map<String, Object> config = KafkaClients.producer(settings, transactionalId, transactionalId);
                // llmq.kafka sets these as strings
                long maxRequest = Math.max(number(config, ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                        StoredFile.PART_BYTES + 65_536);
                config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (int) maxRequest);
                config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Math.max(number(config,
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), TRANSACTION_TIMEOUT.toMillis()));
                if (!settings.kafkaProperties().containsKey(ProducerConfig.BUFFER_MEMORY_CONFIG)) {
                    // a job line may be as large as a request body, and the producer refuses a record larger than
                    // its buffer
                    config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(BUFFER_BYTES, maxRequest));
                }
                Producer<String, byte[]> p = producers.apply(config);
                try {
                    p.initTransactions();
                } catch (RuntimeException e) {
                    p.close(Duration.ZERO);
                    throw failed(e, "write");
                }
                producer = p;
            }
            return producer;
        }

        private static long number(Map<String, Object> config, String name) {
            return Long.parseLong(String.valueOf(config.get(name)).trim());
        }

        /** Drops the producer after a failure (the next one made aborts what this one left open). */
        void drop(Duration wait) {
            if (producer != null) {
                Producer<String, byte[]> p = producer;
                producer = null;
                p.close(wait);
            }
        }
    }

    /**
     * A free slot, waiting up to {@code busyAfter} ({@link #TRANSACTION_TIMEOUT}, the longest a file transaction can
     * last) for one to end; 503 {@code ingest_busy} after that.
     */
    private Slot take(String what) {
        Slot slot;
        try {
            slot = free.poll(busyAfter.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(e, what);
        }
        if (slot == null) {
            throw ApiException.busy("all " + capacity + " file transactions of this instance stayed busy (large"
                    + " uploads or batches) for " + busyAfter.toMillis() + " ms; the " + what + " was not started,"
                    + " retry later", BUSY_RETRY);
        }
        return slot;
    }

    /** A free slot once one is; null when interrupted first (the interrupt kept). */
    private Slot takeUntilInterrupted() {
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** How many file transactions can be written at once ({@code fileTransactions}). */
    public int capacity() {
        return capacity;
    }

    /** How many file transactions are being written now (the start's fencing of a producer counts as one). */
    public int inUse() {
        return capacity - free.size();
    }

    /**
     * Starts the sweeps of expired files, and makes the file producers at once: each one's {@code initTransactions}
     * aborts the transaction a killed predecessor of the same {@code transactional.id} left open (a batch it was
     * writing), which would otherwise hold back the workers on the partitions it wrote until its timeout
     * ({@link #TRANSACTION_TIMEOUT}). Without Kafka yet, the first write in each slot makes its producer.
     */
    public synchronized void start() {
        if (sweeper == null) {
            sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("llmq-file-sweeper")
                    .factory());
            sweeper.execute(this::fenceQuietly);
            sweeper.scheduleWithFixedDelay(this::sweepQuietly, FIRST_SWEEP.toMillis(), SWEEP_EVERY.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Takes a slot as many times as there are and makes its producer: a slot goes back to the end of {@code free}, so
     * each one still there is taken once, and one a writer took meanwhile has its producer made by that writer.
     */
    private void fenceQuietly() {
        for (int i = 0; i < capacity; i++) {
            Slot slot = takeUntilInterrupted();
            if (slot == null) {
                return;
            }
            try {
                slot.producer();
            } catch (RuntimeException e) {
                LOG.debug("ingest {}: file producer {} is made at its first write ({})", settings.instanceId(),
                        slot.transactionalId, e.getMessage());
            } finally {
                free.add(slot);
            }
        }
    }

    /** The file {@code id}; empty when there is none, it was deleted or it has expired. */
    public Optional<StoredFile> file(String id) {
        Instant now = clock.instant();
        return table.file(id).filter(f -> !expired(f, now));
    }

    /**
     * Up to {@code max} files {@code wanted} accepts, newest first (or oldest first, {@code ascending}), from the one
     * after {@code after} in that order (null: all).
     */
    public List<StoredFile> files(String after, boolean ascending, int max, Predicate<StoredFile> wanted) {
        Instant now = clock.instant();
        return table.files(after, ascending, max, f -> !expired(f, now) && wanted.test(f));
    }

    private static boolean expired(StoredFile f, Instant now) {
        return f.expiresAt() != null && !f.expiresAt().isAfter(now);
    }

    /**
     * Writes the file {@code draft} describes (its {@code bytes}, {@code firstOffset} and {@code parts} are set here)
     * with its {@code content}, read a part at a time, in one transaction; 503 {@code kafka_unavailable} when Kafka
     * does not take it in time (naming the file's id when the commit was asked for and not confirmed, as it may have
     * been kept). 400 when {@code content} cannot be read (nothing is kept).
     */
    public StoredFile write(StoredFile draft, InputStream content) {
        StoredFile written;
        try {
            written = upload(draft, content);
        } catch (ApiException e) {
            if (e.unconfirmed()) {
                throw ApiException.unconfirmed("Kafka did not confirm the commit of the upload: the file may have been"
                        + " kept as '" + draft.id() + "' (GET /v1/files/" + draft.id() + " tells once this instance"
                        + " reads it); a new upload makes another file");
            }
            throw e;
        }
        awaitTable(written.id(), true);
        return written;
    }

    private StoredFile upload(StoredFile draft, InputStream content) {
        return inTransaction("upload", p -> {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            long bytes = 0;
            byte[] part;
            do {
                part = content.readNBytes(StoredFile.PART_BYTES);
                if (part.length == 0 && !sent.isEmpty()) {
                    break;
                }
                sent.add(sent(p.send(new ProducerRecord<>(settings.topics().fileParts(), 0,
                        StoredFile.partKey(draft.id(), sent.size()), part))));
                bytes += part.length;
            } while (part.length == StoredFile.PART_BYTES);
            p.flush();
            long first = sent.getFirst().get(timeoutMs(), TimeUnit.MILLISECONDS).offset();
            StoredFile file = new StoredFile(StoredFile.SCHEMA_VERSION, draft.id(), draft.tenant(), draft.filename(),
                    draft.purpose(), bytes, draft.lines(), draft.createdAt(), draft.expiresAt(), first, sent.size());
            p.send(new ProducerRecord<>(settings.topics().files(), 0, file.id(), serde.toBytes(file)));
            return file;
        });
    }

    /** Deletes the file (tombstones for its record and every part, in one transaction); 503 when Kafka does not. */
    public void delete(StoredFile file) {
        inTransaction("deletion", p -> {
            for (int i = 0; i < file.parts(); i++) {
                sent(p.send(new ProducerRecord<>(settings.topics().fileParts(), 0, StoredFile.partKey(file.id(), i),
                        null)));
            }
            p.send(new ProducerRecord<>(settings.topics().files(), 0, file.id(), null));
            return null;
        });
        awaitTable(file.id(), false);
    }

    /**
     * {@code future}, a send's, once it is known not to have failed already: the producer fails a record before
     * sending it when it waited {@code max.block.ms} in vain for its topic's metadata or for buffer space (Kafka down)
     * or when its transaction already failed, and returns that as a failed future rather than throwing. A file
     * transaction's work passes every send through this, so it stops at the first such record instead of waiting as
     * long again for each of the next (a batch of 50,000 lines held its request until Kafka was back).
     *
     * @throws KafkaException the send's failure
     */
    public static Future<RecordMetadata> sent(Future<RecordMetadata> future) {
        if (future.isDone() && future.state() == Future.State.FAILED) {
            Throwable failure = future.exceptionNow();
            throw failure instanceof KafkaException k ? k : new KafkaException(failure);
        }
        return future;
    }

    /** What {@link #inTransaction} runs: sends with {@code producer}, inside the transaction. */
    @FunctionalInterface
    public interface TransactionWork<T> {
        T run(Producer<String, byte[]> producer) throws Exception;
    }

    /**
     * Runs {@code work} in one transaction of one of this instance's file producers ({@code fileTransactions} at
     * once; beyond them it waits for one to end, see {@link #take}): committed when it returns, aborted when it
     * throws. An {@link ApiException} it throws is rethrown as it is (a refused line of a batch made from a file),
     * anything else as 503 {@code kafka_unavailable}. A transaction that could not be aborted is fenced at once by a
     * new producer of the same {@code transactional.id}, so what it wrote never holds the readers of its partitions
     * back until its timeout.
     *
     * <p>A commit Kafka did not confirm in time, asked for once every record was written, is a 503 that says so
     * ({@link ApiException#unconfirmed()}): the coordinator may have committed it before the answer was lost. The new
     * producer that fences it waits for that commit to end, either way.
     *
     * @param what what is written, for the 503's message and the log
     */
    public <T> T inTransaction(String what, TransactionWork<T> work) {
        Slot slot = take(what);
        try {
            Producer<String, byte[]> p = slot.producer();
            boolean committing = false;
            try {
                p.beginTransaction();
                T result = work.run(p);
                // every send ended: one that failed leaves the producer in error, and its commit is refused unasked
                p.flush();
                committing = true;
                p.commitTransaction();
                return result;
            } catch (Exception e) {
                abandon(slot);
                if (committing && e instanceof org.apache.kafka.common.errors.TimeoutException) {
                    LOG.warn("ingest {}: Kafka did not confirm the commit of a file {}: {}", settings.instanceId(),
                            what, e.toString());
                    throw ApiException.unconfirmed("Kafka did not confirm the commit of the file " + what + " ("
                            + e.getMessage() + "): it may have been done");
                }
                throw failed(e, what);
            }
        } finally {
            free.add(slot);
        }
    }

    /** Aborts the slot's open transaction, or when that fails fences it with a new producer. */
    private void abandon(Slot slot) {
        try {
            slot.producer.abortTransaction();
            return;
        } catch (RuntimeException e) {
            LOG.debug("ingest {}: a file transaction could not be aborted ({}); fencing it", settings.instanceId(),
                    e.toString());
        }
        slot.drop(Duration.ZERO);
        try {
            slot.producer();
        } catch (RuntimeException e) {
            LOG.warn("ingest {}: the file producer could not fence an open transaction ({}); the broker aborts it"
                    + " after its timeout", settings.instanceId(), e.getMessage());
        }
    }

    /**
     * The file's content, its parts read one at a time as the stream is read (a consumer of its own, closed with the
     * stream). Its first part is read before this returns: 503 when Kafka does not answer in time, 404 when the parts
     * are no longer there (deleted meanwhile); the same from a later read.
     */
    public InputStream open(StoredFile file) {
        Parts parts = new Parts(file);
        try {
            parts.advance();
            return parts;
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    /** A file's parts in order, from a consumer seeking to its first offset (another file's parts may lie between). */
    private final class Parts extends InputStream {

        private final StoredFile file;
        private final String prefix;
        private final Consumer<String, byte[]> consumer;
        private final TopicPartition tp = new TopicPartition(settings.topics().fileParts(), 0);
        /** Parts read by a poll before their turn (a poll returns more than one part). */
        private final Map<Integer, byte[]> ahead = new HashMap<>();
        private long end = -1;
        private int next;
        private byte[] current = new byte[0];
        private int position;

        Parts(StoredFile file) {
            this.file = file;
            this.prefix = file.id() + "/";
            Map<String, Object> config = KafkaClients.consumer(settings, settings.instanceId() + "-file-reader");
            config.put("max.partition.fetch.bytes", 2 * StoredFile.PART_BYTES);
            this.consumer = consumers.apply(config);
        }

        @Override
        public int read() {
            while (position == current.length) {
                if (!advance()) {
                    return -1;
                }
            }
            return current[position++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            while (position == current.length) {
                if (!advance()) {
                    return -1;
                }
            }
            int n = Math.min(len, current.length - position);
            System.arraycopy(current, position, b, off, n);
            position += n;
            return n;
        }

        /** Reads the next part; false after the last. */
        boolean advance() {
            if (next == file.parts()) {
                return false;
            }
            try {
                current = part(next++);
                position = 0;
                return true;
            } catch (KafkaException e) {
                throw failed(e, "read");
            }
        }

        private byte[] part(int n) {
            if (end < 0) {
                consumer.assign(List.of(tp));
                consumer.seek(tp, file.firstOffset());
                end = consumer.endOffsets(List.of(tp), settings.kafkaTimeout()).get(tp);
            }
            long deadline = System.nanoTime() + settings.kafkaTimeout().toNanos();
            while (!ahead.containsKey(n)) {
                boolean atEnd = consumer.position(tp, settings.kafkaTimeout()) >= end;
                if (atEnd) { // the markers of a transaction committed a moment ago may still be on their way
                    end = consumer.endOffsets(List.of(tp), settings.kafkaTimeout()).get(tp);
                    atEnd = consumer.position(tp, settings.kafkaTimeout()) >= end;
                }
                if (System.nanoTime() > deadline) {
                    throw atEnd ? gone() : ApiException.kafkaUnavailable("the content of file '" + file.id()
                            + "' could not be read within " + settings.kafkaTimeout().toMillis() + " ms; retry later");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                    if (r.key() == null || !r.key().startsWith(prefix)) {
                        continue;
                    }
                    if (r.value() == null) {
                        throw gone();
                    }
                    int index = Integer.parseInt(r.key().substring(prefix.length()));
                    if (index >= n && index < file.parts()) {
                        ahead.putIfAbsent(index, r.value());
                    }
                }
            }
            return ahead.remove(n);
        }

        private ApiException gone() {
            return ApiException.notFound("the content of file '" + file.id() + "' is gone (deleted meanwhile)");
        }

        @Override
        public void close() {
            consumer.close(Duration.ZERO);
        }
    }

    /** Deletes up to {@link #SWEEP_MAX} expired files; how many it deleted. */
    int sweep() {
        Instant now = clock.instant();
        List<StoredFile> expired = table.files(null, false, SWEEP_MAX, f -> expired(f, now));
        for (StoredFile f : expired) {
            delete(f);
        }
        if (!expired.isEmpty()) {
            LOG.info("ingest {}: deleted {} expired file(s)", settings.instanceId(), expired.size());
        }
        return expired.size();
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.warn("ingest {}: expired files not deleted ({}); the next sweep tries again", settings.instanceId(),
                    e.getMessage());
        }
    }

    /** Waits until this instance's table shows the file ({@code present}) or no longer does. */
    private void awaitTable(String id, boolean present) {
        Retry retry = Retry.of("llmq-file-table", RetryConfig.<Boolean>custom()
                .maxAttempts((int) Math.max(2, settings.kafkaTimeout().toMillis() / 10))
                .intervalFunction(IntervalFunction.of(Duration.ofMillis(10)))
                .retryOnResult(shown -> !shown).failAfterMaxAttempts(false).build());
        boolean shown = retry.executeSupplier(() -> table.file(id).isPresent() == present);
        if (!shown) {
            LOG.warn("ingest {}: file {} written, but not {} this instance's table within {} ms", settings.instanceId(),
                    id, present ? "in" : "gone from", settings.kafkaTimeout().toMillis());
        }
    }

    /** The 503 of a failed upload, deletion or read. */
    private ApiException failed(Exception e, String what) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        if (cause instanceof ApiException api) {
            return api;
        }
        if (cause instanceof IOException || cause instanceof UncheckedIOException) {
            return FileService.unreadable((Exception) cause);
        }
        LOG.warn("ingest {}: file {} failed: {}", settings.instanceId(), what, cause.toString());
        Throwable root = cause; // a producer in error refuses its commit with a wrapper of the send that failed
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String verb = e instanceof TimeoutException || root instanceof org.apache.kafka.common.errors.TimeoutException
                ? "did not answer in time" : "failed";
        return ApiException.kafkaUnavailable("Kafka " + verb + " for the file " + what + " (" + root.getMessage()
                + ")" + (what.equals("read") ? "" : "; nothing was changed") + ", retry later");
    }

    private long timeoutMs() {
        return settings.kafkaTimeout().toMillis() + 1000;
    }

    /** Stops the sweeps and closes the producers, each after the transaction it is writing ends. */
    @Override
    public void close() {
        synchronized (this) {
            if (sweeper != null) {
                sweeper.shutdownNow();
            }
        }
        for (int i = 0; i < capacity; i++) { // kept: a request after the close waits, then answers busy
            Slot slot = takeUntilInterrupted();
            if (slot == null) {
                return;
            }
            slot.drop(Duration.ofSeconds(2));
        }
    }
}
