package dev.llmq.worker;

import dev.llmq.config.KafkaTransactions;
import dev.llmq.schemas.LeftOpenTransactions;
import dev.llmq.worker.budgets.BudgetBoard;
import dev.llmq.worker.internal.Cancellations;
import dev.llmq.worker.internal.ClassicGroupFeed;
import dev.llmq.worker.internal.ControlReader;
import dev.llmq.worker.internal.GroupReadiness;
import dev.llmq.worker.internal.JobProcessor;
import dev.llmq.worker.internal.ResultTransactions;
import dev.llmq.worker.internal.Sender;
import dev.llmq.worker.internal.StartsLog;
import dev.llmq.worker.internal.WorkerMetrics;
import dev.llmq.worker.internal.ConsumerLag;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the jobs topic and runs each job on its own virtual thread through a {@link JobHandler}, publishing its
 * stream chunks and exactly one terminal result per job record. Records that cannot be read go to the dead-letter
 * topic.
 *
 * <p>Results (and dead letters) are written by a transactional producer ({@link ResultTransactions}) in the same Kafka
 * transaction that commits their job records' offsets, with the records above the committed offset that are done in
 * the commit's metadata; so {@code read_committed} readers see one terminal result per job, and a job's next owner
 * after a crash or a rebalance runs exactly the records that have none. Provider calls may repeat (a job running when
 * its worker died runs again); results do not. Use: {@link #start()}, {@link #ready()}, {@link #close()}.
 *
 * <p>Failover: a worker that dies silently loses its partitions to the others after the group's session timeout
 * ({@link WorkerSettings#sessionTimeout()}); a closed worker leaves the group at once.
 */
public final class JobWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JobWorker.class);
    /** Longest wait at start for the cancellations already asked and the budget states already written. */
    private static final Duration CONTROL_WAIT = Duration.ofSeconds(30);
    /** Kafka's default {@code max.poll.interval.ms}, kept while the handoff timeout leaves a minute under it. */
    private static final Duration MIN_POLL_INTERVAL = Duration.ofMinutes(5);
    /** How long each question about transactions left open may take (a results producer's start waits for it). */
    private static final Duration LEFT_OPEN_TIMEOUT = Duration.ofSeconds(10);

    private final WorkerSettings settings;
    private final JobFeed feed;
    private final Producer<byte[], byte[]> producer;
    private final ExecutorService jobs;
    private final ScheduledExecutorService flusher;
    private final JobProcessor processor;
    private final GroupReadiness readiness;
    private final Thread pollThread;
    private final ResultTransactions transactions;
    private final LeftOpenTransactions leftOpen;
    private final StartsLog starts;
    private final ControlReader controlReader;
    /** Kafka's own metrics of this worker's clients, as meters; closed with them. */
    private final List<KafkaClientMetrics> clientMetrics = new ArrayList<>();
    private final Object metricsLock = new Object();
    /** The meters of each results producer ({@link ResultTransactions#PRODUCERS}), by slot. */
    private final KafkaClientMetrics[] resultsMetrics = new KafkaClientMetrics[ResultTransactions.PRODUCERS];
    private volatile boolean stopping;
    private volatile boolean closing;
    private boolean started;
    private boolean closed;

    /** A worker whose budget states (read from the control topic all the same) nothing else consults. */
    public JobWorker(WorkerSettings settings, JobHandler handler, Clock clock, MeterRegistry meters) {
        this(settings, handler, clock, meters, new BudgetBoard());
    }

    /**
     * @param budgets filled from the budget states on the control topic (read before the first job is taken); share
     *        it with the router and the handler that act on it
     */
    public JobWorker(WorkerSettings settings, JobHandler handler, Clock clock, MeterRegistry meters,
                     BudgetBoard budgets) {
        Objects.requireNonNull(budgets, "budgets");
        this.settings = Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(meters, "meters");
        this.producer = new KafkaProducer<>(producerProperties(settings), new ByteArraySerializer(),
                new ByteArraySerializer());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties(settings),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<Map<String, Object>> transactional = IntStream.range(0, ResultTransactions.PRODUCERS)
                .mapToObj(slot -> transactionalProperties(settings, slot)).toList();
        Admin admin = Admin.create(adminProperties(settings));
        Map<String, Object> leftOpenAdmin = new HashMap<>(adminProperties(settings));
        leftOpenAdmin.put(AdminClientConfig.CLIENT_ID_CONFIG, settings.workerId() + "-left-open");
        // the topics a worker's transactions write; the offsets they commit are records of __consumer_offsets
        this.leftOpen = new LeftOpenTransactions(() -> Admin.create(leftOpenAdmin), List.of(settings.topics().results(),
                settings.topics().dlq(), LeftOpenTransactions.CONSUMER_OFFSETS), null, LEFT_OPEN_TIMEOUT);
        this.transactions = new ResultTransactions(slot -> bindResultsMetrics(slot, leftOpen.producer(
                transactional.get(slot), new ByteArraySerializer(), new ByteArraySerializer()), meters),
                (group, partitions) -> stableOffsets(admin, group, partitions),
                "llmq-worker-results-" + settings.workerId(), meters);
        KafkaConsumer<byte[], byte[]> startsConsumer = new KafkaConsumer<>(startsProperties(settings),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.starts = new StartsLog(startsConsumer, "llmq-worker-starts-" + settings.workerId());
        this.feed = new ClassicGroupFeed(consumer, feedOptions(settings), transactions, starts,
                new ConsumerLag(meters, clock));
        clientMetrics.add(new KafkaClientMetrics(producer));
        clientMetrics.add(new KafkaClientMetrics(consumer));
        clientMetrics.add(new KafkaClientMetrics(startsConsumer));
        this.jobs = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("llmq-job-", 0).factory());
        // chunk flushes, in-flight deadlines, delayed running events; a cancelled timer leaves the queue at once
        // (a job's deadline can be days away, and each finished job cancels its timers)
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("llmq-job-timers").factory());
        timers.setRemoveOnCancelPolicy(true);
        this.flusher = timers;
        Cancellations cancellations = new Cancellations(clock, Cancellations.DEFAULT_RETENTION);
        this.controlReader = new ControlReader(settings.bootstrapServers(), settings.clientProperties(),
                settings.topics().control(), settings.workerId(), cancellations, budgets);
        WorkerMetrics metrics = new WorkerMetrics(meters, feed::inFlight, feed::waiting);
        Sender sender = new Sender(producer, "llmq/worker/" + settings.workerId());
        this.processor = new JobProcessor(settings.topics(), settings.workerId(), handler, sender, clock, metrics,
                settings.coalescing(), flusher, () -> stopping, cancellations, settings.runningEventDelay());
        if (admin instanceof AdminClient client) {
            clientMetrics.add(new KafkaClientMetrics(client));
        }
        this.readiness = new GroupReadiness(admin, settings.groupId(),
                List.of(settings.topics().jobsInteractive(), settings.topics().jobs()), Duration.ofSeconds(1),
                System::nanoTime);
        this.pollThread = Thread.ofPlatform().name("llmq-worker-poll-" + settings.workerId()).unstarted(this::pollLoop);
        clientMetrics.add(controlReader.metrics());
        clientMetrics.forEach(m -> m.bindTo(meters));
    }

    /** The group's committed offsets of {@code partitions}, once no transaction that commits some is pending. */
    private static Map<TopicPartition, OffsetAndMetadata> stableOffsets(Admin admin, String group,
                                                                      Set<TopicPartition> partitions)
            throws Exception {
        return admin.listConsumerGroupOffsets(Map.of(group, new ListConsumerGroupOffsetsSpec()
                        .topicPartitions(partitions)), new ListConsumerGroupOffsetsOptions().requireStable(true))
                .partitionsToOffsetAndMetadata(group).get(10, TimeUnit.SECONDS);
    }

    /** The meters of a results producer follow it when a failed one is replaced. */
    private Producer<byte[], byte[]> bindResultsMetrics(int slot, Producer<byte[], byte[]> producer,
                                                        MeterRegistry meters) {
        synchronized (metricsLock) { // not this: close() holds this while the transactions' thread may get here
            if (resultsMetrics[slot] != null) {
                resultsMetrics[slot].close();
            }
            resultsMetrics[slot] = new KafkaClientMetrics(producer);
            resultsMetrics[slot].bindTo(meters);
            return producer;
        }
    }

    /** Joins the group and starts consuming on a background thread. */
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "worker closed" : "worker already started");
        }
        started = true;
        transactions.start();
        controlReader.start();
        pollThread.start();
        LOG.info("worker {} consuming {} and {} in group {} (max {} in flight, batch share {})", settings.workerId(),
                settings.topics().jobsInteractive(), settings.topics().jobs(), settings.groupId(),
                settings.maxInFlight(), settings.batchMinShare());
    }

    /** {@link #readiness()}{@code .ready()}. */
    public boolean ready() {
        return readiness().ready();
    }

    /**
     * Ready while running and holding partitions of the jobs topic, or when the group has none to give (every
     * partition held by another worker); not ready while joining, while waiting for an assignment, and once stopping.
     */
    public Readiness readiness() {
        if (!started) {
            return Readiness.notReady("not started");
        }
        if (closing) {
            return Readiness.notReady("stopping");
        }
        if (!pollThread.isAlive()) {
            return Readiness.notReady("not consuming (see the log)");
        }
        if (!controlReader.caughtUp()) {
            return Readiness.notReady("reading the cancellations and budgets on " + settings.topics().control());
        }
        return readiness.check(feed.memberId(), feed.partitions());
    }

    /** Jobs handed out, not yet finished, and holding a slot. */
    public int inFlight() {
        return feed.inFlight();
    }

    /** Jobs waiting for capacity without holding a slot. */
    public int waiting() {
        return feed.waiting();
    }

    /** Records fetched and not yet handed out. */
    public int backlog() {
        return feed.backlog();
    }

    /**
     * Stops fetching, waits up to the shutdown timeout for in-flight jobs (their results are written), commits what
     * is done, leaves the group at once (the others take its partitions without waiting for a session timeout) and
     * closes the clients. Jobs still running after the timeout are interrupted, get no result from this worker and
     * are delivered again to the group; those that answer the interrupt within a few seconds (any provider call does)
     * have their start given back first, so a stop does not count towards {@code llmq.worker.max_deliveries}.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        feed.stop(this::stopJobs);
        if (started) {
            joinPollThread(settings.shutdownTimeout().plus(Duration.ofSeconds(30)));
        }
        stopJobs(); // again: the feed has only when jobs outlasted its drain
        try {
            if (!jobs.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("some job threads did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (flusher != null) {
            flusher.shutdownNow();
        }
        transactions.close();
        leftOpen.close();
        starts.close();
        producer.close(Duration.ofSeconds(10));
        readiness.close();
        controlReader.close();
        closeMetrics();
        LOG.info("worker {} closed", settings.workerId());
    }

    /** Interrupts the running jobs: those that answer end without a result and run again at the next owner. */
    private void stopJobs() {
        stopping = true;
        jobs.shutdownNow();
    }

    /**
     * Stops at once as a killed process would: no drain, no commit, no result for running jobs, and the member stays
     * in the group until its session times out. For failover tests.
     */
    synchronized void abort() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        stopping = true;
        transactions.abort(); // first, so that no running job publishes anything more
        leftOpen.close();
        producer.close(Duration.ZERO);
        feed.abort();
        jobs.shutdownNow();
        if (started) {
            joinPollThread(Duration.ofSeconds(30));
        }
        if (flusher != null) {
            flusher.shutdownNow();
        }
        starts.close();
        readiness.close();
        controlReader.close();
        closeMetrics();
        LOG.info("worker {} aborted", settings.workerId());
    }

    private void closeMetrics() {
        clientMetrics.forEach(KafkaClientMetrics::close);
        synchronized (metricsLock) {
            for (KafkaClientMetrics m : resultsMetrics) {
                if (m != null) {
                    m.close();
                }
            }
        }
    }

    private void pollLoop() {
        try {
            awaitControl();
            feed.run(delivery -> jobs.execute(() -> processor.process(delivery)));
        } catch (RuntimeException e) {
            LOG.error("worker {} stopped consuming", settings.workerId(), e);
        }
    }

    /**
     * Before the first job: the cancellations asked and the budget states written so far are known, so a job
     * cancelled while no worker ran is not started, and no job spends on an exhausted budget. Bounded, so a control
     * topic that cannot be read delays jobs but does not stop them (logged).
     */
    private void awaitControl() {
        long end = System.nanoTime() + CONTROL_WAIT.toNanos();
        try {
            while (!closing && !controlReader.awaitCaughtUp(Duration.ofMillis(100))) {
                if (System.nanoTime() > end) {
                    LOG.warn("worker {}: cancellations and budgets on {} not read within {}; taking jobs anyway",
                            settings.workerId(), settings.topics().control(), CONTROL_WAIT);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void joinPollThread(Duration timeout) {
        try {
            pollThread.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static ClassicGroupFeed.Options feedOptions(WorkerSettings settings) {
        return new ClassicGroupFeed.Options(settings.topics().jobsInteractive(), settings.topics().jobs(),
                settings.maxInFlight(), settings.maxInFlightPerPartition(), settings.batchMinShare(),
                settings.maxWaiting(), settings.maxDeliveries(), settings.awaitFirstStart(), settings.pollTimeout(),
                settings.shutdownTimeout(), settings.handoffTimeout());
    }

    static Map<String, Object> consumerProperties(WorkerSettings settings) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.workerId() + "-jobs");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(500, settings.maxInFlight()));
        if (!"consumer".equals(settings.clientProperties().getOrDefault(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "")
                .toLowerCase(Locale.ROOT))) {
            // the classic protocol's settings; the consumer protocol (KIP-848) refuses them, its broker decides
            props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Math.toIntExact(settings.sessionTimeout().toMillis()));
            props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                    Math.toIntExact(settings.heartbeatInterval().toMillis()));
        }
        // a revocation waits up to the handoff timeout inside the poll (ClassicGroupFeed.handOver): the poll interval
        // (also the group's rebalance timeout) leaves a minute over it
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Math.toIntExact(Math.max(
                MIN_POLL_INTERVAL.toMillis(), settings.handoffTimeout().plus(Duration.ofMinutes(1)).toMillis())));
        props.putAll(settings.clientProperties());
        // the static member <worker id>: a worker restarted after a crash under the same id takes its former
        // member's place (and partitions) at once, instead of waiting out that member's session; a stopped worker
        // still leaves the group (ClassicGroupFeed closes with LEAVE_GROUP); two live workers of one id fence each
        // other here as their results' transactional ids do
        props.putIfAbsent(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.workerId());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // a job whose submission was aborted is never run, whatever llmq.kafka says
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }

    /**
     * The consumer that records the jobs' start counts ({@link StartsLog}): the offsets of a group of its own,
     * {@code <group>.starts}, which it commits and reads without ever subscribing (no membership, so no static
     * member id or group protocol of the users' properties).
     */
    static Map<String, Object> startsProperties(WorkerSettings settings) {
        Map<String, Object> props = new HashMap<>(settings.clientProperties());
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.workerId() + "-starts");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId() + ".starts");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return props;
    }

    static Map<String, Object> adminProperties(WorkerSettings settings) {
        Map<String, Object> props = new HashMap<>(settings.clientProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, settings.workerId() + "-readiness");
        return props;
    }

    /**
     * The results' transactional producer of {@code slot} ({@link ResultTransactions#PRODUCERS} used in turn): a
     * {@code transactional.id} of its own per worker process and slot (a worker's transactions are fenced by its
     * consumer group membership, not by the id), a client id ending in {@code -results-<slot>}, lz4 batches unless the
     * user's Kafka properties set {@code compression.type}, and transactions that the broker aborts 10 s after a
     * worker died in one ({@code transaction.timeout.ms}, as Kafka Streams sets it; until then {@code read_committed}
     * readers wait at that transaction on the partitions it wrote). Retries after 1 ms, not 100
     * ({@link KafkaTransactions#OFFSETS_RETRY_BACKOFF}): a transaction's offset commit is refused
     * ({@code CONCURRENT_TRANSACTIONS}) while its records or its producer's last markers are still being written, and
     * sent again.
     */
    static Map<String, Object> transactionalProperties(WorkerSettings settings, int slot) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, settings.workerId() + "-results-" + slot);
        // a transaction's records go at once, beside its offset commit, instead of after it at the commit's flush
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // a transaction's results (a few hundred at saturation) are sent at once, in batches of up to 16 KB per
        // partition (batch.size), which lz4 shrinks several times; uncompressed, they were a third of the broker's
        // writes
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, KafkaTransactions.OFFSETS_RETRY_BACKOFF.toMillis());
        props.putAll(settings.clientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.groupId() + "-" + settings.workerId() + "-"
                + slot + "-" + UUID.randomUUID());
        return props;
    }

    static Map<String, Object> producerProperties(WorkerSettings settings) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, settings.workerId() + "-out");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.putAll(settings.clientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return props;
    }
}
