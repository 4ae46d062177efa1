package dev.llmq.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka traffic of llmq's non-streaming jobs without llmq: plain Kafka clients write and read the records a job
 * costs, with the settings llmq's roles use, and do nothing else (no HTTP, JSON, routing, provider call or state
 * store). What it costs the broker and the clients is the floor under llmq's CPU per job on the same broker.
 *
 * <p>Per job: a <b>job record</b> written by an idempotent producer ({@code acks=all}, {@code linger.ms=2}, no
 * compression: the ingest's producer of single-job submissions), each sender waiting for its acknowledgement as a
 * {@code POST /v1/jobs} does; a <b>worker</b> loop reads the jobs in a consumer group ({@code read_committed}, at most
 * 500 a poll), commits their start offsets to a group of its own after each poll (llmq's start counts), and writes a
 * <b>result record</b> per job in a transaction with the jobs' offsets ({@code linger.ms=0}), one transaction at a
 * time, each holding the jobs polled since the last (at most one every {@code transactionInterval}); a <b>status</b> loop
 * reads jobs and results ({@code read_committed}, fetches waiting for 32 KiB or 100 ms, as llmq's status store) and
 * writes a <b>changelog record</b> for each (a small one for a job, one holding the result for a result) with an
 * idempotent producer, committing its offsets every second. A job is complete when the status loop has read its
 * result. Closed loop ({@code concurrency} senders, each sending its next job once the last one is complete) or open
 * loop at a rate.
 *
 * <p>Records carry five headers of the sizes of llmq's CloudEvents headers. Not modelled: the {@code running} status
 * event a job longer than {@code llmq.worker.running_event_delay_ms} sends, and the status store's RocksDB.
 */
final class KafkaFloor implements AutoCloseable {

    static final String JOBS = "floor.jobs.v1";
    static final String RESULTS = "floor.results.v1";
    static final String CHANGELOG = "floor.status-changelog";
    static final String WORKERS = "floor-workers";
    static final String STATUS = "floor-status";
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
    private static final Duration RESULT_WAIT = Duration.ofSeconds(30);

    /** The sizes of a job's records' values. */
    record Sizes(int jobBytes, int resultBytes, int jobSnapshotBytes) {

        static final Sizes DEFAULTS = new Sizes(1024, 1536, 512);
    }

    /**
     * @param partitions          of each topic
     * @param transactionInterval the worker loop begins a results transaction at most this often (zero: after every
     *                            poll that brought jobs, as soon as the last one committed)
     * @param statusChangelog     whether the status loop writes its changelog records (false: it only reads, to
     *                            measure what the changelog costs)
     */
    record Options(int partitions, Sizes sizes, Duration transactionInterval, boolean statusChangelog) {
    }

    private final String bootstrapServers;
    private final String prefix;
    private final Options options;
    private final byte[] jobValue;
    private final byte[] resultValue;
    private final byte[] jobSnapshot;
    private final byte[] resultSnapshot;
    private final KafkaProducer<String, byte[]> jobsProducer;
    private final Map<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong results = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong changelog = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> loops = new ArrayList<>();
    private volatile boolean running = true;

    private KafkaFloor(String bootstrapServers, String prefix, Options options) {
        this.bootstrapServers = bootstrapServers;
        this.prefix = prefix;
        this.options = options;
        Sizes sizes = options.sizes();
        this.jobValue = filler(sizes.jobBytes());
        this.resultValue = filler(sizes.resultBytes());
        this.jobSnapshot = filler(sizes.jobSnapshotBytes());
        this.resultSnapshot = filler(sizes.jobSnapshotBytes() + sizes.resultBytes());
        Map<String, Object> p = producer("floor-ingest");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        this.jobsProducer = new KafkaProducer<>(p);
    }

    /**
     * Creates the topics (the changelog compacted) and starts the worker and status loops; {@code prefix} starts the
     * names of its topics ({@link #JOBS} ...) and consumer groups ({@link #WORKERS} ...).
     */
    static KafkaFloor start(String bootstrapServers, String prefix, Options options) throws Exception {
        int partitions = options.partitions();
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin a = Admin.create(admin)) {
            a.createTopics(List.of(new NewTopic(prefix + JOBS, partitions, (short) 1), new NewTopic(prefix + RESULTS,
                    partitions, (short) 1), new NewTopic(prefix + CHANGELOG, partitions, (short) 1).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get(1,
                    TimeUnit.MINUTES);
        }
        KafkaFloor floor = new KafkaFloor(bootstrapServers, prefix, options);
        floor.loop("floor-worker", floor::worker);
        floor.loop("floor-status", floor::status);
        return floor;
    }

    /**
     * Sends jobs from {@code concurrency} senders, each waiting for its job to complete before the next, until
     * {@code duration} has passed or {@code maxJobs} were sent; job numbers start at {@code firstJob}. Returns the
     * jobs sent.
     */
    long run(int concurrency, Duration duration, long maxJobs, long firstJob) throws InterruptedException {
        return run(concurrency, 0, duration, maxJobs, firstJob);
    }

    /**
     * As {@link #run(int, Duration, long, long)}, or, when {@code rate} is above 0, open loop: job {@code k} is
     * sent {@code k / rate} seconds after the start, by a sender of its own, with at most {@code concurrency} jobs
     * between sending and completion (a job due while that many are open waits for one).
     */
    long run(int concurrency, double rate, Duration duration, long maxJobs, long firstJob)
            throws InterruptedException {
        long startNanos = System.nanoTime();
        long deadline = startNanos + duration.toNanos();
        AtomicLong next = new AtomicLong(firstJob);
        long last = maxJobs > Long.MAX_VALUE - firstJob ? Long.MAX_VALUE : firstJob + maxJobs;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            if (rate > 0) {
                Semaphore open = new Semaphore(concurrency);
                for (long k = 0; failure.get() == null; k++) {
                    long due = startNanos + (long) (k * 1e9 / rate);
                    long n = firstJob + k;
                    if (due >= deadline || n >= last) {
                        break;
                    }
                    LockSupport.parkNanos(due - System.nanoTime());
                    open.acquire();
                    next.set(n + 1);
                    senders.execute(() -> {
                        try {
                            send(n);
                        } finally {
                            open.release();
                        }
                    });
                }
            } else {
                for (int i = 0; i < concurrency; i++) {
                    senders.execute(() -> {
                        long n;
                        while (failure.get() == null && System.nanoTime() < deadline
                                && (n = next.getAndIncrement()) < last) {
                            send(n);
                        }
                    });
                }
            }
        }
        check();
        return Math.min(next.get(), last) - firstJob;
    }

    private void send(long n) {
        String id = jobId(n);
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.put(id, done);
        try {
            jobsProducer.send(new ProducerRecord<>(prefix + JOBS, null, id, jobValue, headers(id, "llmq.job"))).get();
            done.get(RESULT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failure.compareAndSet(null, new IllegalStateException("job " + id + " did not complete: " + e, e));
        } finally {
            pending.remove(id);
        }
    }

    static String jobId(long n) {
        return String.format("job_%012d-0000-7000-8000-000000000000", n);
    }

    /** Jobs whose result the status loop has read. */
    long completed() {
        return completed.get();
    }

    /** Result records the worker loop wrote in committed transactions. */
    long results() {
        return results.get();
    }

    /** Results transactions the worker loop committed. */
    long transactions() {
        return transactions.get();
    }

    /** Changelog records the status loop wrote. */
    long changelog() {
        return changelog.get();
    }

    /** Throws what stopped a loop or a sender, if anything did. */
    void check() {
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("the Kafka floor failed: " + t.getMessage(), t);
        }
    }

    private void loop(String name, ThrowingRunnable body) {
        Thread t = Thread.ofPlatform().name(name).daemon().start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                if (running) {
                    failure.compareAndSet(null, e);
                }
            }
        });
        loops.add(t);
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Jobs in, a result each in a transaction with the poll's offsets; the start offsets committed first. */
    private void worker() {
        Map<String, Object> c = consumer("floor-worker-jobs", prefix + WORKERS);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        Map<String, Object> s = consumer("floor-worker-starts", prefix + WORKERS + ".starts");
        Map<String, Object> p = producer("floor-worker-results");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "floor-worker-1");
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 1);
        try (KafkaConsumer<String, byte[]> jobs = new KafkaConsumer<>(c);
             KafkaConsumer<String, byte[]> starts = new KafkaConsumer<>(s);
             KafkaProducer<String, byte[]> out = new KafkaProducer<>(p)) {
            out.initTransactions();
            jobs.subscribe(List.of(prefix + JOBS));
            List<ConsumerRecord<String, byte[]>> held = new ArrayList<>();
            Map<TopicPartition, OffsetAndMetadata> heldOffsets = new HashMap<>();
            long nextTransaction = System.nanoTime();
            while (running) {
                long untilNext = nextTransaction - System.nanoTime();
                ConsumerRecords<String, byte[]> polled = jobs.poll(held.isEmpty() ? POLL
                        : Duration.ofNanos(Math.max(0, Math.min(POLL.toNanos(), untilNext))));
                if (!polled.isEmpty()) {
                    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                    for (ConsumerRecord<String, byte[]> r : polled) {
                        offsets.put(new TopicPartition(r.topic(), r.partition()),
                                new OffsetAndMetadata(r.offset() + 1));
                        held.add(r);
                    }
                    starts.commitSync(offsets);
                    heldOffsets.putAll(offsets);
                }
                if (held.isEmpty() || System.nanoTime() < nextTransaction) {
                    continue;
                }
                out.beginTransaction();
                for (ConsumerRecord<String, byte[]> r : held) {
                    out.send(new ProducerRecord<>(prefix + RESULTS, null, r.key(), resultValue, headers(r.key(),
                            "llmq.result")));
                }
                out.sendOffsetsToTransaction(heldOffsets, jobs.groupMetadata());
                out.commitTransaction();
                results.addAndGet(held.size());
                transactions.incrementAndGet();
                held.clear();
                heldOffsets.clear();
                nextTransaction = System.nanoTime() + options.transactionInterval().toNanos();
            }
        }
    }

    /** Jobs and results in, a changelog record each; a job completes when its result is read. */
    private void status() {
        Map<String, Object> c = consumer("floor-status", prefix + STATUS);
        c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 32 * 1024);
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        Map<String, Object> p = producer("floor-status-changelog");
        try (KafkaConsumer<String, byte[]> in = new KafkaConsumer<>(c);
             KafkaProducer<String, byte[]> out = new KafkaProducer<>(p)) {
            in.subscribe(List.of(prefix + JOBS, prefix + RESULTS));
            long nextCommit = System.nanoTime() + COMMIT_INTERVAL.toNanos();
            while (running) {
                for (ConsumerRecord<String, byte[]> r : in.poll(POLL)) {
                    boolean result = r.topic().equals(prefix + RESULTS);
                    if (options.statusChangelog()) {
                        out.send(new ProducerRecord<>(prefix + CHANGELOG, r.partition(), r.key(), result
                                ? resultSnapshot : jobSnapshot));
                        changelog.incrementAndGet();
                    }
                    if (result) {
                        completed.incrementAndGet();
                        CompletableFuture<Void> done = pending.get(r.key());
                        if (done != null) {
                            done.complete(null);
                        }
                    }
                }
                if (System.nanoTime() >= nextCommit) {
                    out.flush();
                    in.commitSync();
                    nextCommit = System.nanoTime() + COMMIT_INTERVAL.toNanos();
                }
            }
        }
    }

    private Map<String, Object> producer(String clientId) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    private Map<String, Object> consumer(String clientId, String group) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return c;
    }

    /** Five headers of the sizes of llmq's CloudEvents headers (spec version, id, source, type, time). */
    private static Headers headers(String id, String type) {
        RecordHeaders h = new RecordHeaders();
        h.add("ce_specversion", bytes("1.0"));
        h.add("ce_id", bytes(id));
        h.add("ce_source", bytes("/llmq/bench/kafka-floor"));
        h.add("ce_type", bytes(type));
        h.add("ce_time", bytes("2026-12-03T08:00:00.000Z"));
        return h;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code size} bytes of filler: nothing reads them, and none of these producers compresses (nor do llmq's). */
    private static byte[] filler(int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 'x');
        return b;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : loops) {
            t.join(Duration.ofSeconds(30));
        }
        jobsProducer.close(Duration.ofSeconds(5));
    }
}
