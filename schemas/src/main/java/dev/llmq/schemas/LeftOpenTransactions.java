package dev.llmq.schemas;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aborts the transactions that Kafka aborted without marking their end on the partitions they wrote, each time one of
 * this instance's transactional producers is initialized, before its first transaction.
 *
 * <p>Why: a broker killed ({@code kill -9}) while a transaction was open comes back, and its transaction coordinator
 * aborts that transaction (at once, when it has timed out meanwhile), but Kafka 4.4 may end it without writing the
 * abort markers: while the restarted broker does not yet know the partitions' leader it takes them for deleted and
 * skips them. The records stay open on their partitions. The next transaction of the same producer id then ends
 * them with its <em>commit</em> marker: records of a transaction that failed become visible to {@code read_committed}
 * readers (part of a submission the ingest had answered 503 became jobs; seen with {@code llmq broker} killed under
 * {@code llmq submit}). A producer id not used again (each results producer of a worker has an id of its own) leaves
 * them open for good: {@code read_committed} readers of those partitions stop there, and offsets the transaction
 * committed stay pending, so its consumer group commits nothing more.
 *
 * <p>So, right after {@code initTransactions}, every partition of the producers' topics is asked which transactions
 * are open on it ({@link Admin#describeProducers}), and one that its coordinator aborted is aborted there too
 * ({@link Admin#abortTransaction}, Kafka's tool for hanging transactions). Which were aborted: those of another
 * producer id whose coordinator says its last transaction was aborted, at a later epoch (with transactions v2 every
 * transaction's end raises it); and those of the producer's own id when its coordinator said, before the
 * {@code initTransactions}, that a transaction was going on or aborted (the initialization aborts one going on). One
 * whose coordinator committed it is never aborted: Kafka may skip commit markers the same way, and the next
 * transaction of the same id commits what they left open; under an id not used again it stays open, said in an error.
 * The topics are those given, the ones whose names start with a given prefix (a Kafka Streams application's internal
 * topics), and every one the producers of this instance have sent to. A failure to ask fails the
 * {@code initTransactions} (a {@link TimeoutException} while Kafka does not answer), which every caller retries.
 */
public final class LeftOpenTransactions implements AutoCloseable {

    /** The topic a transaction's consumer offsets are written to, to look at for producers that commit offsets. */
    public static final String CONSUMER_OFFSETS = "__consumer_offsets";

    private static final Logger log = LoggerFactory.getLogger(LeftOpenTransactions.class);
    private static final Comparator<TopicPartition> BY_NAME = Comparator.comparing(TopicPartition::topic)
            .thenComparingInt(TopicPartition::partition);
    /** A producer id's coordinator states that say its transaction was, or is being, aborted. */
    private static final Set<TransactionState> ABORTED = EnumSet.of(TransactionState.PREPARE_ABORT,
            TransactionState.COMPLETE_ABORT);
    /** Before an initialization: a transaction the initialization aborts, or one aborted already. */
    private static final Set<TransactionState> ABORTED_BY_INIT = EnumSet.of(TransactionState.ONGOING,
            TransactionState.PREPARE_ABORT, TransactionState.COMPLETE_ABORT);
    private static final Set<TransactionState> COMMITTED = EnumSet.of(TransactionState.PREPARE_COMMIT,
            TransactionState.COMPLETE_COMMIT);

    private final Supplier<Admin> adminFactory;
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final String topicPrefix;
    private final Duration timeout;
    private final AtomicBoolean warnedNotAuthorised = new AtomicBoolean();
    private Admin admin;
    private boolean closed;

    /**
     * @param admin       makes the admin client asked (once, at the first initialization; closed by {@link #close})
     * @param topics      the topics the producers write from their first transaction on
     * @param topicPrefix topics whose names start with it are looked at too, or null for none
     * @param timeout     how long each question to Kafka may take
     */
    public LeftOpenTransactions(Supplier<Admin> admin, Collection<String> topics, String topicPrefix,
                                Duration timeout) {
        this.adminFactory = admin;
        this.topics.addAll(topics);
        this.topicPrefix = topicPrefix;
        this.timeout = timeout;
    }

    /** A producer whose {@code initTransactions} also aborts what Kafka left open (serializers set in the config). */
    public <K, V> Producer<K, V> producer(Map<String, Object> config) {
        return new Guarded<>(config, null, null);
    }

    /** A producer whose {@code initTransactions} also aborts what Kafka left open. */
    public <K, V> Producer<K, V> producer(Map<String, Object> config, Serializer<K> keys, Serializer<V> values) {
        return new Guarded<>(config, keys, values);
    }

    /** What the coordinator of {@code transactionalId} says of it now; null when it does not know the id. */
    public TransactionDescription describe(String transactionalId) {
        return asked(() -> {
            try {
                return get(admin().describeTransactions(List.of(transactionalId)).description(transactionalId));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TransactionalIdNotFoundException) {
                    return null;
                }
                throw e;
            }
        }, null);
    }

    /**
     * Aborts, on the partitions of the topics looked at, the transactions left open that their coordinators aborted;
     * call after a producer's {@code initTransactions} and before its next transaction.
     *
     * @param transactionalId the producer's
     * @param before          what its coordinator said of it before the {@code initTransactions} ({@link #describe})
     * @return the partitions where one was aborted
     */
    public List<TopicPartition> abortLeftOpen(String transactionalId, TransactionDescription before) {
        return asked(() -> {
            Admin a = admin();
            List<TopicPartition> partitions = partitions(a);
            Map<TopicPartition, List<ProducerState>> open = new TreeMap<>(BY_NAME);
            if (!partitions.isEmpty()) {
                get(a.describeProducers(partitions).all()).forEach((tp, state) -> state.activeProducers().stream()
                        .filter(s -> s.currentTransactionStartOffset().isPresent())
                        .forEach(s -> open.computeIfAbsent(tp, k -> new ArrayList<>()).add(s)));
            }
            if (open.isEmpty()) {
                return List.of();
            }
            TransactionDescription own = get(a.describeTransactions(List.of(transactionalId))
                    .description(transactionalId));
            Set<Long> others = new TreeSet<>();
            open.values().forEach(l -> l.forEach(s -> others.add(s.producerId())));
            others.remove(own.producerId());
            Map<Long, TransactionDescription> now = new HashMap<>();
            now.put(own.producerId(), own);
            if (!others.isEmpty()) {
                List<String> ids = get(a.listTransactions(new ListTransactionsOptions().filterProducerIds(others))
                        .all()).stream().map(TransactionListing::transactionalId).toList();
                if (!ids.isEmpty()) {
                    get(a.describeTransactions(ids).all()).values().forEach(d -> now.putIfAbsent(d.producerId(), d));
                }
            }
            List<TopicPartition> aborted = new ArrayList<>();
            for (Map.Entry<TopicPartition, List<ProducerState>> e : open.entrySet()) {
                for (ProducerState s : e.getValue()) {
                    TransactionDescription d = now.get(s.producerId());
                    boolean mine = s.producerId() == own.producerId();
                    if (mine ? abortedByInit(s, own, before) : aborted(s, d)) {
                        if (abort(a, e.getKey(), s)) {
                            aborted.add(e.getKey());
                        }
                    } else if (d != null && s.producerEpoch() < d.producerEpoch()) {
                        leftAlone(e.getKey(), s, d, mine);
                    }
                }
            }
            if (!aborted.isEmpty()) {
                log.warn("aborted transactions left open on {}: their coordinators had aborted them, but Kafka had"
                        + " not marked their end there", aborted);
            }
            return aborted;
        }, List.of());
    }

    /** Open, of another producer id, whose coordinator aborted its last transaction, at a later epoch. */
    static boolean aborted(ProducerState open, TransactionDescription now) {
        return now != null && open.producerId() == now.producerId() && ABORTED.contains(now.state())
                && open.producerEpoch() < now.producerEpoch();
    }

    /**
     * Open, of the producer's own id, from an epoch before the one it was just initialized at, when its coordinator
     * said before the initialization that a transaction was going on or aborted.
     */
    static boolean abortedByInit(ProducerState open, TransactionDescription now, TransactionDescription before) {
        return before != null && before.producerId() == open.producerId() && ABORTED_BY_INIT.contains(before.state())
                && open.producerEpoch() < now.producerEpoch();
    }

    private static void leftAlone(TopicPartition tp, ProducerState s, TransactionDescription d, boolean mine) {
        if (mine) {
            log.warn("a transaction of this producer ({}) from an earlier epoch is still open on {}, and its"
                    + " coordinator may have committed it: left for the producer's next transaction to end",
                    s.producerId(), tp);
        } else if (COMMITTED.contains(d.state())) {
            log.error("a transaction of producer {} that its coordinator committed is still open on {} (Kafka did not"
                    + " mark its end there): read_committed readers of {} wait at offset {} until that producer's"
                    + " next transaction", s.producerId(), tp, tp, s.currentTransactionStartOffset().getAsLong());
        } else {
            // another producer just initialized (EMPTY): its own initialization looks after it
            log.debug("a transaction of producer {} ({}) is still open on {}", s.producerId(), d.state(), tp);
        }
    }

    /** Aborts one on {@code tp}; false when the partition had ended it meanwhile (its producer's epoch moved on). */
    private boolean abort(Admin a, TopicPartition tp, ProducerState s) throws ExecutionException,
            InterruptedException, java.util.concurrent.TimeoutException {
        try {
            get(a.abortTransaction(new AbortTransactionSpec(tp, s.producerId(), (short) s.producerEpoch(),
                    s.coordinatorEpoch().orElse(-1))).all());
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InvalidProducerEpochException
                    || e.getCause() instanceof ProducerFencedException) {
                log.debug("transaction of producer {} on {} ended meanwhile: {}", s.producerId(), tp, e.getCause());
                return false;
            }
            throw e;
        }
    }

    /**
     * A question to Kafka; its failure as a Kafka exception, a {@link TimeoutException} when it may pass, and
     * {@code notAuthorised} when the principal may not ask it (llmq then runs as it did without looking).
     */
    private <T> T asked(Question<T> question, T notAuthorised) {
        try {
            return question.ask();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AuthorizationException) {
                if (!warnedNotAuthorised.getAndSet(true)) {
                    log.warn("cannot look for transactions Kafka left open after a broker crash: {} (the principal"
                            + " needs Describe on its transactional ids and the cluster, Read and Write on its"
                            + " topics); going on without", cause.toString());
                }
                return notAuthorised;
            }
            if (cause instanceof RetriableException) {
                throw new TimeoutException("cannot yet look for transactions left open: " + cause, cause);
            }
            throw new KafkaException("cannot look for transactions left open", cause);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException("Kafka did not tell within " + timeout.toMillis()
                    + " ms whether a transaction was left open", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    private interface Question<T> {
        T ask() throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException;
    }

    /** Every partition of the topics looked at that exist now. */
    private List<TopicPartition> partitions(Admin a) throws ExecutionException, InterruptedException,
            java.util.concurrent.TimeoutException {
        Set<String> names = new TreeSet<>(topics);
        if (topicPrefix != null) {
            for (String name : get(a.listTopics().names())) {
                if (name.startsWith(topicPrefix)) {
                    names.add(name);
                }
            }
        }
        List<TopicPartition> out = new ArrayList<>();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e
                : a.describeTopics(names).topicNameValues().entrySet()) {
            try {
                get(e.getValue()).partitions().forEach(p -> out.add(new TopicPartition(e.getKey(), p.partition())));
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw ex;
                }
            }
        }
        return out;
    }

    private <T> T get(Future<T> f) throws ExecutionException, InterruptedException,
            java.util.concurrent.TimeoutException {
        return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized Admin admin() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (admin == null) {
            admin = adminFactory.get();
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (admin != null) {
            admin.close(Duration.ZERO);
            admin = null;
        }
    }

    /** A Kafka producer that looks for what it left open once initialized, and notes the topics it writes. */
    private final class Guarded<K, V> extends KafkaProducer<K, V> {
        private final String transactionalId;

        Guarded(Map<String, Object> config, Serializer<K> keys, Serializer<V> values) {
            super(config, keys, values);
            this.transactionalId = String.valueOf(config.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
        }

        @Override
        public void initTransactions() {
            TransactionDescription before = describe(transactionalId);
            super.initTransactions();
            abortLeftOpen(transactionalId, before);
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
            if (!topics.contains(record.topic())) {
                topics.add(record.topic());
            }
            return super.send(record, callback);
        }
    }
}
