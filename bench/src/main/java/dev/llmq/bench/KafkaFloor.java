package dev.llmq.bench;

import dev.llmq.bench.load.JobBodies;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.CloudEventHeaders;
import dev.llmq.schemas.LlmqHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Headers;
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
 * time, each holding the jobs polled since the last (at most one every {@link Options#transactionInterval()}); a
 * <b>status</b> loop reads jobs and results ({@code read_committed}, fetches waiting for 32 KiB or 100 ms, as llmq's
 * status store) and writes a <b>changelog record</b> for each (a small one for a job, one holding the result for a
 * result) with an idempotent producer, committing its offsets every second. A job is complete when the status loop has
 * read its result. Closed loop ({@code concurrency} senders, each sending its next job once the last one is complete)
 * or open loop at a rate.
 *
 * <p>Multi-job submissions ({@link Options#jobsPerSubmission()} above 1, an NDJSON body's jobs): the jobs and their
 * batch's list of ids (~{@value #MANIFEST_BYTES_PER_JOB} bytes a job) written in one transaction by one of
 * {@value #SUBMITTERS} transactional producers ({@code lz4}, {@code linger.ms=2}, as the ingest's group commit), the
 * list read by the status loop and written to its changelog too. Without the worker loop ({@link Options#worker()}
 * false) a job is complete once written: the ingest's traffic alone, as {@code bench ingest} measures it.
 *
 * <p>Records carry llmq's headers ({@link CloudEventHeaders}); job records the load generator's bodies
 * ({@link JobBodies}). Not modelled: the {@code running} status
 * event a job longer than {@code llmq.worker.running_event_delay_ms} sends, and the status store's RocksDB.
 */
final class KafkaFloor implements AutoCloseable {

    static final String JOBS = "floor.jobs.v1";
    static final String RESULTS = "floor.results.v1";
    static final String CHANGELOG = "floor.status-changelog";
    static final String BATCHES = "floor.batches.v1";
    static final String WORKERS = "floor-workers";
    static final String STATUS = "floor-status";
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
    private static final Duration RESULT_WAIT = Duration.ofSeconds(30);
    /** The open loop's pacing wakes at most this often. */
    static final Duration TICK = Duration.ofMillis(1);
    /** Transactional producers of multi-job submissions, at most (llmq's ingest: its group commit's committers). */
    private static final int SUBMITTERS = 4;
    /** A job id's share of a batch's list of ids ({@code "job_...",} in JSON). */
    private static final int MANIFEST_BYTES_PER_JOB = 48;
    private static final String SOURCE = "/llmq/bench/kafka-floor";

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
     * @param jobsPerSubmission   1: each job written alone (a single-job POST); more: that many jobs and their batch's
     *                            list of ids written in one transaction (an NDJSON submission)
     * @param worker              whether the worker loop runs: true, a job is complete when the status loop read its
     *                            result; false (the ingest alone, as {@code bench ingest}), once it is written
     */
    record Options(int partitions, Sizes sizes, Duration transactionInterval, boolean statusChangelog,
                   int jobsPerSubmission, boolean worker) {

        Options {
            if (partitions < 1 || jobsPerSubmission < 1 || transactionInterval.isNegative()) {
                throw new IllegalArgumentException("partitions and jobs per submission must be positive, the "
                        + "transaction interval at least zero");
            }
        }

        /** Single jobs, each finished by the worker loop. */
        static Options endToEnd(int partitions, Sizes sizes, Duration transactionInterval, boolean statusChangelog) {
            return new Options(partitions, sizes, transactionInterval, statusChangelog, 1, true);
        }
    }

    private final String bootstrapServers;
    private final String prefix;
    private final Options options;
    private final JobBodies jobBodies;
    private final byte[] resultValue;
    private final byte[] jobSnapshot;
    private final byte[] resultSnapshot;
    private final byte[] manifest;
    private final KafkaProducer<String, byte[]> jobsProducer;
    private final BlockingQueue<KafkaProducer<String, byte[]>> submitters = new LinkedBlockingQueue<>();
    private final List<KafkaProducer<String, byte[]>> allSubmitters = new ArrayList<>();
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
        this.jobBodies = new JobBodies(LlmqRoles.GROUP, sizes.jobBytes(), 1);
        this.resultValue = filler(sizes.resultBytes());
        this.jobSnapshot = filler(sizes.jobSnapshotBytes());
        this.resultSnapshot = filler(sizes.jobSnapshotBytes() + sizes.resultBytes());
        this.manifest = new JobBodies(LlmqRoles.GROUP, Math.min(1_000, options.jobsPerSubmission())
                * MANIFEST_BYTES_PER_JOB, 2).body(0);
        Map<String, Object> p = producer("floor-ingest");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        this.jobsProducer = new KafkaProducer<>(p);
    }

    /**
     * The transactional producers of multi-job submissions, as the ingest's group commit has them ({@code lz4},
     * {@code linger.ms=2}).
     */
    private void startSubmitters(int count) {
        for (int i = 0; i < count; i++) {
            Map<String, Object> p = producer("floor-ingest-tx-" + i);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "floor-ingest-" + i);
            KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p);
            allSubmitters.add(producer);
            producer.initTransactions();
            submitters.add(producer);
        }
    }

    /**
     * Creates the topics (the changelog compacted) and starts the worker and status loops; {@code prefix} starts the
     * names of its topics ({@link #JOBS} ...) and consumer groups ({@link #WORKERS} ...).
     */
    static KafkaFloor start(String bootstrapServers, String prefix, Options options) throws Exception {
        int partitions = options.partitions();
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        List<String> topics = List.of(prefix + JOBS, prefix + RESULTS, prefix + BATCHES, prefix + CHANGELOG);
        List<NewTopic> created = topics.stream().map(t -> new NewTopic(t, partitions, (short) 1).configs(
                t.endsWith(CHANGELOG) ? Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)
                        : Map.of())).toList();
        try (Admin a = Admin.create(admin)) {
            a.createTopics(created).all().get(1, TimeUnit.MINUTES);
            // every new partition served by its leader before the first idempotent send, as llmq's roles wait
            TopicProvisioner.awaitLeaders(a, created, Duration.ofMinutes(1));
        }
        KafkaFloor floor = new KafkaFloor(bootstrapServers, prefix, options);
        if (options.jobsPerSubmission() > 1) {
            floor.startSubmitters(SUBMITTERS);
        }
        if (options.worker()) {
            floor.loop("floor-worker", floor::worker);
        }
        floor.loop("floor-status", floor::status);
        return floor;
    }

    /**
     * Sends submissions (of {@link Options#jobsPerSubmission()} jobs) with {@code concurrency} of them between sending
     * and completion (one loop sends the next into each place a completed one frees), until {@code duration} has
     * passed or {@code maxSubmissions} were sent; submission numbers start at {@code firstSubmission} (submission
     * {@code n} holds the jobs numbered from {@code n × jobsPerSubmission}). Returns the jobs sent.
     */
    long run(int concurrency, Duration duration, long maxSubmissions, long firstSubmission)
            throws InterruptedException {
        return run(concurrency, 0, duration, maxSubmissions, firstSubmission);
    }

    /**
     * As {@link #run(int, Duration, long, long)}, or, when {@code rate} (jobs per second) is above 0, open loop:
     * submission {@code k} is due {@code k × jobsPerSubmission / rate} seconds after the start, with at most
     * {@code concurrency} submissions between sending and completion (one due while that many are open waits). The
     * pacing wakes at most once every {@link #TICK} and sends what fell due meanwhile. A single job, paced or not, is
     * sent without a thread of its own (its acknowledgement or its result releases its place): at thousands of jobs
     * a second a wake-up and a thread per job would cost this JVM more than the Kafka clients it measures, and in
     * llmq that work is the load generator's, which is not counted. A multi-job submission runs on a virtual thread.
     */
    long run(int concurrency, double rate, Duration duration, long maxSubmissions, long firstSubmission)
            throws InterruptedException {
        int perSubmission = options.jobsPerSubmission();
        long startNanos = System.nanoTime();
        long deadline = startNanos + duration.toNanos();
        long last = maxSubmissions > Long.MAX_VALUE - firstSubmission ? Long.MAX_VALUE
                : firstSubmission + maxSubmissions;
        long k = 0;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            Semaphore open = new Semaphore(concurrency);
            while (failure.get() == null && firstSubmission + k < last) {
                if (rate > 0) {
                    long due = startNanos + (long) (k * perSubmission * 1e9 / rate);
                    if (due >= deadline) {
                        break;
                    }
                    long early = due - System.nanoTime();
                    if (early > 0) {
                        LockSupport.parkNanos(Math.max(early, TICK.toNanos()));
                        continue;
                    }
                }
                if (!open.tryAcquire(RESULT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    failure.compareAndSet(null, new IllegalStateException("no submission of " + concurrency
                            + " open completed within " + RESULT_WAIT.toSeconds() + " s"));
                    break;
                }
                if (rate <= 0 && System.nanoTime() >= deadline) { // closed: no submission starts after the duration
                    open.release();
                    break;
                }
                long n = firstSubmission + k++;
                if (perSubmission == 1) {
                    sendAsync(n, open::release);
                } else {
                    senders.execute(() -> {
                        try {
                            send(n);
                        } finally {
                            open.release();
                        }
                    });
                }
            }
            // done when every place is free again
            if (failure.get() == null
                    && !open.tryAcquire(concurrency, RESULT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                failure.compareAndSet(null, new IllegalStateException((concurrency - open.availablePermits())
                        + " submissions did not complete within " + RESULT_WAIT.toSeconds() + " s of the run's end"));
            }
        }
        check();
        return k * perSubmission;
    }

    /**
     * Job {@code n} alone, without a thread: {@code release} runs once it is complete (written, or with the worker
     * loop its result read) or has failed.
     */
    private void sendAsync(long n, Runnable release) {
        String id = jobId(n);
        CompletableFuture<Void> result = options.worker() ? new CompletableFuture<>() : null;
        if (result != null) {
            pending.put(id, result);
            result.whenComplete((v, e) -> {
                pending.remove(id);
                release.run();
            });
        }
        Callback written = (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, new IllegalStateException("job " + n + " was not written: " + e, e));
                if (result != null) {
                    result.completeExceptionally(e);
                }
            }
            if (result == null) {
                if (e == null) {
                    completed.incrementAndGet();
                }
                release.run();
            }
        };
        try {
            jobsProducer.send(jobRecord(n), written);
        } catch (RuntimeException e) { // refused before it was queued (closed, or no buffer within max.block.ms)
            written.onCompletion(null, e);
        }
    }

    /** Submission {@code n}: written, then, with the worker loop, its jobs' results read by the status loop. */
    private void send(long n) {
        int count = options.jobsPerSubmission();
        List<Long> jobs = LongStream.range(n * count, (n + 1) * count).boxed().toList();
        List<String> ids = jobs.stream().map(KafkaFloor::jobId).toList();
        List<CompletableFuture<Void>> done = new ArrayList<>(count);
        if (options.worker()) {
            for (String id : ids) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                pending.put(id, f);
                done.add(f);
            }
        }
        try {
            if (count == 1) {
                jobsProducer.send(jobRecord(jobs.getFirst())).get();
            } else {
                submit(jobs);
            }
            if (!options.worker()) {
                completed.addAndGet(count);
            }
            for (CompletableFuture<Void> f : done) {
                f.get(RESULT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failure.compareAndSet(null, new IllegalStateException("submission " + n + " did not complete: " + e, e));
        } finally {
            ids.forEach(pending::remove);
        }
    }

    /** The jobs and their batch's list of ids in one transaction, by the next free transactional producer. */
    private void submit(List<Long> jobs) throws InterruptedException {
        KafkaProducer<String, byte[]> producer = submitters.take();
        try {
            producer.beginTransaction();
            for (long job : jobs) {
                producer.send(jobRecord(job));
            }
            String batchId = "batch_" + jobId(jobs.getFirst());
            producer.send(new ProducerRecord<>(prefix + BATCHES, null, batchId, manifest,
                    headers(batchId, LlmqHeaders.TYPE_BATCH)));
            producer.commitTransaction();
        } catch (RuntimeException e) {
            producer.abortTransaction();
            throw e;
        } finally {
            submitters.add(producer);
        }
    }

    /**
     * Job {@code n}'s record: the load generator's body of its number ({@link JobBodies}: text that differs from job
     * to job, so the submissions' {@code lz4} batches are not flattered by repeated bytes).
     */
    private ProducerRecord<String, byte[]> jobRecord(long n) {
        String id = jobId(n);
        return new ProducerRecord<>(prefix + JOBS, null, id, jobBodies.body(n), headers(id, LlmqHeaders.TYPE_JOB));
    }

    static String jobId(long n) {
        return String.format("job_%012d-0000-7000-8000-000000000000", n);
    }

    /** Jobs whose result the status loop has read or, without the worker loop, jobs written. */
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
                            LlmqHeaders.TYPE_RESULT)));
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
            in.subscribe(List.of(prefix + JOBS, prefix + RESULTS, prefix + BATCHES));
            long nextCommit = System.nanoTime() + COMMIT_INTERVAL.toNanos();
            while (running) {
                for (ConsumerRecord<String, byte[]> r : in.poll(POLL)) {
                    boolean result = r.topic().equals(prefix + RESULTS);
                    if (options.statusChangelog()) { // a batch's list goes to the store as it came
                        byte[] stored = result ? resultSnapshot : r.topic().equals(prefix + BATCHES) ? manifest
                                : jobSnapshot;
                        out.send(new ProducerRecord<>(prefix + CHANGELOG, r.partition(), r.key(), stored));
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

    /** llmq's own headers of a record ({@link CloudEventHeaders}: content type and the CloudEvents attributes). */
    private static Headers headers(String id, String type) {
        return CloudEventHeaders.builder().source(SOURCE).type(type).id(id).time(Instant.now()).build();
    }

    /** {@code size} bytes of filler for the records of producers that do not compress (nor do llmq's there). */
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
        allSubmitters.forEach(p -> p.close(Duration.ofSeconds(5)));
    }
}
