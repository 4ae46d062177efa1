package dev.llmq.usage.internal;

import dev.llmq.config.ExactlyOnceState;
import dev.llmq.config.StateDir;
import dev.llmq.config.StreamsDefaults;
import dev.llmq.router.Budget;
import dev.llmq.schemas.LeftOpenTransactions;
import dev.llmq.schemas.StartupCatchUp;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.Topics;
import dev.llmq.usage.ResultOutcome;
import dev.llmq.usage.UsageSettings;
import dev.llmq.usage.UsageTopology;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One aggregator instance's member of the Kafka Streams application {@code <prefix>-usage-aggregator}
 * ({@link UsageTopology}, {@code processing.guarantee=exactly_once_v2}): its lifecycle, readiness, and the partition
 * count of the usage stores (to tell a whole answer from a partial one during a rebalance).
 */
public final class UsageStreams implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UsageStreams.class);

    /**
     * The aggregator's fetches wait for this much data, up to {@link #FETCH_MAX_WAIT}, unless {@code llmq.kafka} sets
     * either: with Kafka's defaults it fetched as soon as a record was there, up to one fetch per produce request of
     * the workers. At 1,000 results a second this cut its fetches from 0.14 to 0.03 per result and the CPU per result
     * (broker and aggregator) by 17–20%, for ~50 ms more lag to the usage topics (BENCHMARKS.md).
     */
    static final int FETCH_MIN_BYTES = 32 * 1024;
    static final Duration FETCH_MAX_WAIT = Duration.ofMillis(100);
    /** How long a reload waits for Kafka to take its budget rechecks. */
    private static final Duration RECHECK_TIMEOUT = Duration.ofSeconds(10);

    private final UsageSettings settings;
    private final StateDir stateDir;
    private final Consumer<ResultOutcome> outcomes;
    private final AtomicReference<Map<String, Budget>> budgets;
    private volatile KafkaStreams streams;
    private volatile Admin admin;
    private LeftOpenTransactions leftOpen;
    private volatile StartupCatchUp catchUp;
    private volatile boolean runningOnce;
    private volatile int partitions;

    public UsageStreams(UsageSettings settings, Consumer<ResultOutcome> outcomes) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
        this.budgets = new AtomicReference<>(UsageTopology.byKey(settings.budgets()));
        this.stateDir = StateDir.open(settings.stateDir(), "llmq-usage-state-",
                dropped -> LOG.info("deleted the state directories of stopped processes: {}", dropped));
    }

    /**
     * Replaces the budgets the stream counts ({@code llmq.budgets} and the deployments' budgets, reloaded), and asks
     * for the stored state of each budget changed or removed to be brought in line at once: a recheck (a record
     * without a value, {@link BudgetWatch}) on its key on the charges' topic. Without one the state would wait for
     * the budget's next charge, which a reached budget's subject does not make.
     *
     * @return whether they differ from those in force
     */
    public boolean reloadBudgets(List<Budget> next) {
        Map<String, Budget> byKey = UsageTopology.byKey(next);
        Map<String, Budget> before = budgets.getAndSet(byKey);
        Set<String> changed = new TreeSet<>();
        before.forEach((key, budget) -> {
            if (!budget.equals(byKey.get(key))) {
                changed.add(key);
            }
        });
        if (!changed.isEmpty()) {
            recheck(changed);
        }
        return !before.equals(byKey);
    }

    private void recheck(Set<String> keys) {
        Map<String, Object> props = new HashMap<>(settings.kafkaProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-usage-budget-recheck");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) RECHECK_TIMEOUT.toMillis());
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) RECHECK_TIMEOUT.toMillis() / 2);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) RECHECK_TIMEOUT.toMillis());
        String topic = budgetChargesTopic(settings.topics());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            keys.forEach(key -> sent.add(producer.send(new ProducerRecord<>(topic, key, null))));
            for (Future<RecordMetadata> f : sent) {
                f.get(RECHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            LOG.warn("usage aggregator {}: could not ask for the states of the budgets {} to be brought in line with "
                    + "the reloaded config ({}); each will be at its next charge or the aggregator's next start",
                    settings.instanceId(), keys, e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        }
    }

    /** The full name of the budget charges' repartition topic under these topics (partitioned by budget key). */
    public static String budgetChargesTopic(TopicNames topics) {
        return applicationId(topics) + "-" + UsageTopology.BUDGET_REPARTITION + "-repartition";
    }

    /** The Streams application id under these topics: {@code <prefix>-usage-aggregator}. */
    public static String applicationId(TopicNames topics) {
        return topics.prefix() + "-usage-aggregator";
    }

    /** The full name of the group deltas' repartition topic (its partitions are the usage stores'). */
    public String repartitionTopic() {
        return repartitionTopic(settings.topics());
    }

    /** The full name of the group deltas' repartition topic under these topics. */
    public static String repartitionTopic(TopicNames topics) {
        return applicationId(topics) + "-" + UsageTopology.USAGE_REPARTITION + "-repartition";
    }

    /** The full name of a store's changelog under these topics (Kafka Streams' naming). */
    public static String changelogTopic(TopicNames topics, String store) {
        return applicationId(topics) + "-" + store + "-changelog";
    }

    static Properties properties(UsageSettings settings, Path stateDir, HostInfo self) {
        Properties props = new Properties();
        props.putAll(settings.kafkaProperties());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId(settings.topics()));
        props.put(StreamsConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-usage");
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // RocksDB's memory bounded for the process, unless the user's Kafka properties name a setter of their own
        props.putIfAbsent(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, UsageRocksDbMemory.class);
        props.put(UsageRocksDbMemory.BYTES_CONFIG, Long.toString(settings.rocksDbMemoryBytes()));
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        Map<String, String> user = settings.kafkaProperties();
        StreamsDefaults.globalProcessingErrorsHandled(props, user); // no global tables here, but Kafka warns
        StreamsDefaults.shortSession(props, user);
        StreamsDefaults.staticMember(props, user, settings.instanceId() + "-usage");
        StreamsDefaults.consumer(props, user, "fetch.min.bytes", FETCH_MIN_BYTES);
        StreamsDefaults.consumer(props, user, "fetch.max.wait.ms", FETCH_MAX_WAIT.toMillis());
        // exactly_once_v2, no checkpoint-less task directory left to be found, the producer retrying soon
        ExactlyOnceState.configure(props, user);
        return props;
    }

    /** Starts the stream; {@code self} is where the other instances reach this one. */
    public synchronized void start(HostInfo self) {
        if (streams != null) {
            return;
        }
        Map<String, Object> adminProps = new HashMap<>(settings.kafkaProperties());
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-usage-admin");
        admin = Admin.create(adminProps);
        Map<String, Object> leftOpenProps = new HashMap<>(adminProps);
        leftOpenProps.put(AdminClientConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-usage-left-open");
        TopicNames t = settings.topics();
        // the topics its transactions write: the usage topics, budget states on the control topic, the offsets it
        // commits (records of __consumer_offsets), and its own changelog and repartition topics
        leftOpen = new LeftOpenTransactions(() -> Admin.create(leftOpenProps), List.of(t.name(Topics.USAGE_1M),
                t.name(Topics.USAGE_1H), t.name(Topics.USAGE_1D), t.name(Topics.USAGE_TOTAL), t.control(),
                LeftOpenTransactions.CONSUMER_OFFSETS), applicationId(t) + "-", settings.queryTimeout());
        Map<String, Object> gapReader = new HashMap<>(adminProps);
        gapReader.put(AdminClientConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-usage-catch-up-gap");
        catchUp = new StartupCatchUp("usage aggregator", admin, applicationId(t), List.of(t.results()),
                List.of(repartitionTopic(), budgetChargesTopic(t)),
                settings.queryTimeout(), gapReader);
        KafkaStreams s = new KafkaStreams(UsageTopology.topology(settings.topics(), settings.grace(),
                settings.dedupeRetention(), budgets::get, settings.instanceId(), outcomes),
                properties(settings, stateDir.path(), self), new LeftOpenClients(leftOpen));
        s.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                runningOnce = true;
            }
            LOG.info("usage aggregator {}: {} -> {}", settings.instanceId(), before, now);
        });
        s.setUncaughtExceptionHandler(e -> {
            LOG.error("usage aggregator {} stream thread failed; replacing it", settings.instanceId(), e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        List<String> dropped = ExactlyOnceState.dropUncheckpointedTaskDirs(stateDir.path(),
                applicationId(settings.topics()));
        if (!dropped.isEmpty()) {
            LOG.info("usage aggregator {}: state of tasks {} had no checkpoint (an unclean stop); restoring them from "
                    + "the changelog", settings.instanceId(), dropped);
        }
        s.start();
        catchUp.start();
        streams = s;
        LOG.info("usage aggregator {} started (application {}, state in {}, advertised as {})",
                settings.instanceId(), applicationId(settings.topics()), stateDir.path(), self);
    }

    /** The running stream, or null before {@link #start}. */
    public KafkaStreams streams() {
        return streams;
    }

    /**
     * True once the stream has been running and has counted what the results topic held when this instance started
     * (its sums before that are partial: results written while it was down, or before its first start), while it is
     * running or rebalancing.
     */
    public boolean ready() {
        KafkaStreams s = streams;
        return s != null && runningOnce && caughtUp() && s.state().isRunningOrRebalancing();
    }

    /** True once the application has counted what the results topic held when this instance started. */
    public boolean caughtUp() {
        StartupCatchUp c = catchUp;
        return c != null && c.caughtUp();
    }

    /** The stream's state, for readiness bodies. */
    public String state() {
        KafkaStreams s = streams;
        return s == null ? "NOT_STARTED" : s.state().name();
    }

    /**
     * How many partitions the usage stores have (those of the repartition topic), asked of the broker once; 0 while
     * the topic does not exist yet.
     */
    public int partitions() {
        int known = partitions;
        Admin a = admin;
        if (known > 0 || a == null) {
            return known;
        }
        try {
            known = a.describeTopics(List.of(repartitionTopic())).allTopicNames()
                    .get(settings.queryTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .get(repartitionTopic()).partitions().size();
            partitions = known;
            return known;
        } catch (ExecutionException | TimeoutException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** Leaves the group (the partitions move at once), closes the stores, deletes a temporary state directory. */
    @Override
    public synchronized void close() {
        if (catchUp != null) {
            catchUp.close();
        }
        Admin a = admin;
        if (a != null) {
            a.close(Duration.ofSeconds(5));
        }
        KafkaStreams s = streams;
        if (s != null && !s.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(30)))) {
            LOG.warn("usage aggregator {} did not stop within 30 s", settings.instanceId());
        }
        if (leftOpen != null) {
            leftOpen.close();
        }
        try {
            stateDir.close();
        } catch (IOException e) {
            LOG.warn("usage aggregator {}: temporary state directory {} not deleted", settings.instanceId(),
                    stateDir.path(), e);
        }
    }
}
