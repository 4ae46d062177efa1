package dev.llmq.ingest.internal;

import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StoredFile;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * {@link StoredFile#PART_BYTES} on {@code llmq.file-parts.v1}, written together in one transaction (a transactional
 * producer of this instance's own, made on the first write), so a file is there whole or not at all. Its content is
 * read back with a consumer of its own from the offset the record names. A write or a deletion returns once this
 * instance's table shows it, so the caller's next request here sees it.
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
    private static final Logger LOG = LoggerFactory.getLogger(FileStore.class);

    private final IngestSettings settings;
    private final ControlStates table;
    private final Function<Map<String, Object>, Producer<String, byte[]>> producers;
    private final Function<Map<String, Object>, Consumer<String, byte[]>> consumers;
    private final Clock clock;
    private final JsonSerde<StoredFile> serde = JsonSerde.storedFile();
    private final String transactionalId;
    private ScheduledExecutorService sweeper;
    private Producer<String, byte[]> producer;

    public FileStore(IngestSettings settings, ControlStates table,
                     Function<Map<String, Object>, Producer<String, byte[]>> producers,
                     Function<Map<String, Object>, Consumer<String, byte[]>> consumers, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.table = Objects.requireNonNull(table, "table");
        this.producers = Objects.requireNonNull(producers, "producers");
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.transactionalId = settings.transactionalIdPrefix() + "-" + settings.instanceId() + "-files";
    }

    /** Starts the sweeps of expired files. */
    public synchronized void start() {
        if (sweeper == null) {
            sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("llmq-file-sweeper")
                    .factory());
            sweeper.scheduleWithFixedDelay(this::sweepQuietly, FIRST_SWEEP.toMillis(), SWEEP_EVERY.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** The file {@code id}; empty when there is none, it was deleted or it has expired. */
    public Optional<StoredFile> file(String id) {
        Instant now = clock.instant();
        return table.file(id).filter(f -> !expired(f, now));
    }

    /** Up to {@code max} files {@code wanted} accepts, newest first, from the one after {@code after} (null: all). */
    public List<StoredFile> files(String after, int max, Predicate<StoredFile> wanted) {
        Instant now = clock.instant();
        return table.files(after, max, f -> !expired(f, now) && wanted.test(f));
    }

    private static boolean expired(StoredFile f, Instant now) {
        return f.expiresAt() != null && !f.expiresAt().isAfter(now);
    }

    /**
     * Writes the file {@code draft} describes (its {@code firstOffset} and {@code parts} are set here) with its
     * {@code content}, in one transaction; 503 {@code kafka_unavailable} when Kafka does not take it in time.
     */
    public StoredFile write(StoredFile draft, byte[] content) {
        int parts = StoredFile.partsOf(content.length);
        StoredFile written;
        synchronized (this) {
            Producer<String, byte[]> p = producer();
            try {
                p.beginTransaction();
                List<Future<RecordMetadata>> sent = new ArrayList<>(parts);
                for (int i = 0; i < parts; i++) {
                    int from = i * StoredFile.PART_BYTES;
                    byte[] part = Arrays.copyOfRange(content, from, Math.min(content.length,
                            from + StoredFile.PART_BYTES));
                    sent.add(p.send(new ProducerRecord<>(settings.topics().fileParts(), 0,
                            StoredFile.partKey(draft.id(), i), part)));
                }
                p.flush();
                long first = sent.getFirst().get(timeoutMs(), TimeUnit.MILLISECONDS).offset();
                written = new StoredFile(StoredFile.SCHEMA_VERSION, draft.id(), draft.tenant(), draft.filename(),
                        draft.purpose(), content.length, draft.lines(), draft.createdAt(), draft.expiresAt(), first,
                        parts);
                p.send(new ProducerRecord<>(settings.topics().files(), 0, written.id(), serde.toBytes(written)));
                p.commitTransaction();
            } catch (Exception e) {
                dropProducer();
                throw failed(e, "upload");
            }
        }
        awaitTable(written.id(), true);
        return written;
    }

    /** Deletes the file (tombstones for its record and every part, in one transaction); 503 when Kafka does not. */
    public void delete(StoredFile file) {
        synchronized (this) {
            Producer<String, byte[]> p = producer();
            try {
                p.beginTransaction();
                for (int i = 0; i < file.parts(); i++) {
                    p.send(new ProducerRecord<>(settings.topics().fileParts(), 0, StoredFile.partKey(file.id(), i),
                            null));
                }
                p.send(new ProducerRecord<>(settings.topics().files(), 0, file.id(), null));
                p.commitTransaction();
            } catch (Exception e) {
                dropProducer();
                throw failed(e, "deletion");
            }
        }
        awaitTable(file.id(), false);
    }

    /**
     * The file's content, read from its parts; 503 when Kafka does not answer in time, 404 when its parts are no longer
     * there (deleted meanwhile).
     */
    public byte[] content(StoredFile file) {
        Map<String, Object> config = KafkaClients.consumer(settings, settings.instanceId() + "-file-reader");
        config.put("max.partition.fetch.bytes", 2 * StoredFile.PART_BYTES);
        TopicPartition tp = new TopicPartition(settings.topics().fileParts(), 0);
        byte[][] parts = new byte[file.parts()][];
        int found = 0;
        String prefix = file.id() + "/";
        long deadline = System.nanoTime() + settings.kafkaTimeout().toNanos();
        try (Consumer<String, byte[]> consumer = consumers.apply(config)) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, file.firstOffset());
            long end = consumer.endOffsets(List.of(tp), settings.kafkaTimeout()).get(tp);
            while (found < parts.length) {
                if (consumer.position(tp, settings.kafkaTimeout()) >= end) {
                    throw ApiException.notFound("the content of file '" + file.id() + "' is gone (deleted meanwhile)");
                }
                if (System.nanoTime() > deadline) {
                    throw ApiException.kafkaUnavailable("the content of file '" + file.id() + "' could not be read"
                            + " within " + settings.kafkaTimeout().toMillis() + " ms; retry later");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                    if (r.key() == null || !r.key().startsWith(prefix)) {
                        continue;
                    }
                    int n = Integer.parseInt(r.key().substring(prefix.length()));
                    if (r.value() == null) {
                        throw ApiException.notFound("the content of file '" + file.id() + "' is gone (deleted"
                                + " meanwhile)");
                    }
                    if (n < parts.length && parts[n] == null) {
                        parts[n] = r.value();
                        found++;
                    }
                }
            }
        } catch (KafkaException e) {
            throw failed(e, "read");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) file.bytes());
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Deletes up to {@link #SWEEP_MAX} expired files; how many it deleted. */
    int sweep() {
        Instant now = clock.instant();
        List<StoredFile> expired = table.files(null, SWEEP_MAX, f -> expired(f, now));
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

    /** The transactional producer, made (and its transactions initialized) on first use or after a failure. */
    private Producer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> config = KafkaClients.producer(settings, transactionalId, transactionalId);
            config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max((int) config.get(
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG), StoredFile.PART_BYTES + 65_536));
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

    /** Drops the producer after a failure (the next write makes a new one, which aborts what this one left open). */
    private synchronized void dropProducer() {
        if (producer != null) {
            Producer<String, byte[]> p = producer;
            producer = null;
            p.close(Duration.ZERO);
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
        LOG.warn("ingest {}: file {} failed: {}", settings.instanceId(), what, cause.toString());
        String verb = e instanceof TimeoutException || cause instanceof org.apache.kafka.common.errors.TimeoutException
                ? "did not answer in time" : "failed";
        return ApiException.kafkaUnavailable("Kafka " + verb + " for the file " + what + " (" + cause.getMessage()
                + ")" + (what.equals("read") ? "" : "; nothing was changed") + ", retry later");
    }

    private long timeoutMs() {
        return settings.kafkaTimeout().toMillis() + 1000;
    }

    @Override
    public synchronized void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(2));
            producer = null;
        }
    }
}
