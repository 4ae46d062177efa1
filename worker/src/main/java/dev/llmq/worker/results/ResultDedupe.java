package dev.llmq.worker.results;

import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology that turns the raw results (one per run of a job: {@code <prefix>.results.raw.v1}) into the results
 * readers see (one per job id: {@code <prefix>.results.v1}). It passes the first result of each job id on, unchanged
 * (bytes, headers and timestamp), and drops every later one that comes within the retention of it, whatever its
 * status. Run with {@code processing.guarantee=exactly_once_v2} ({@link ResultDedupeStream}), the store update, the
 * output record and the input offset commit in one transaction, so a crash of the de-duplication itself neither loses
 * nor repeats a result for {@code read_committed} readers.
 *
 * <p>State: a window store ({@value #STORE}) keyed by job id, holding the timestamp of the result that passed; a
 * later result of the same job is a duplicate when the store has an entry within the retention of its own timestamp
 * (either side: workers' clocks differ). Entries older than the retention (by stream time) are dropped with their
 * segments, so the store holds about one retention's worth of job ids; a job run again after that gets a second
 * result.
 *
 * <p>A raw record without a key, without a value, or whose value is not a {@link JobResult} whose job id is the key
 * is skipped and logged: it cannot be told apart from other jobs' results, and results readers must only ever see
 * results. It does not count as the job's result (a later valid one still passes).
 */
public final class ResultDedupe {

    /** The name of the de-duplication store (its changelog topic is {@code <application id>-<store>-changelog}). */
    public static final String STORE = "results-first-seen";
    static final String SOURCE = "raw-results";
    static final String PROCESSOR = "first-result-per-job";
    static final String SINK = "results";

    private static final Logger LOG = LoggerFactory.getLogger(ResultDedupe.class);
    private static final JsonSerde<JobResult> RESULTS = JsonSerde.jobResult();

    private ResultDedupe() {
    }

    /**
     * The de-duplication: reads {@code topics.resultsRaw()}, writes {@code topics.results()}, remembers job ids for
     * {@code retention}.
     */
    public static Topology topology(TopicNames topics, Duration retention) {
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(retention, "retention");
        if (retention.isZero() || retention.isNegative()) {
            throw new IllegalArgumentException("retention must be positive");
        }
        StoreBuilder<WindowStore<String, Long>> store = Stores.windowStoreBuilder(
                Stores.persistentWindowStore(STORE, retention, retention, false), Serdes.String(), Serdes.Long());
        Topology topology = new Topology();
        topology.addSource(SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                topics.resultsRaw());
        topology.addProcessor(PROCESSOR, () -> new FirstPerJob(retention.toMillis()), SOURCE);
        topology.addStateStore(store, PROCESSOR);
        topology.addSink(SINK, topics.results(), Serdes.String().serializer(), Serdes.ByteArray().serializer(),
                PROCESSOR);
        return topology;
    }

    /** Forwards a job's first result, remembers it, drops the job's later ones. */
    private static final class FirstPerJob implements Processor<String, byte[], String, byte[]> {

        private final long retentionMs;
        private ProcessorContext<String, byte[]> context;
        private WindowStore<String, Long> seen;

        FirstPerJob(long retentionMs) {
            this.retentionMs = retentionMs;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            this.seen = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            String problem = problem(record);
            if (problem != null) {
                LOG.warn("raw result record skipped ({}): {}", problem, where());
                return;
            }
            String jobId = record.key();
            long at = record.timestamp();
            long from = at > retentionMs ? at - retentionMs : 0;
            long to = at > Long.MAX_VALUE - retentionMs ? Long.MAX_VALUE : at + retentionMs;
            try (WindowStoreIterator<Long> earlier = seen.fetch(jobId, from, to)) {
                if (earlier.hasNext()) {
                    LOG.info("job {}: a second terminal result was dropped (the job ran again after a crash or a "
                            + "rebalance; the first result stands) {}", jobId, where());
                    return;
                }
            }
            seen.put(jobId, at, at);
            context.forward(record);
        }

        private String where() {
            return context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("");
        }

        private static String problem(Record<String, byte[]> record) {
            if (record.key() == null) {
                return "no key";
            }
            if (record.value() == null) {
                return "no value";
            }
            try {
                JobResult result = RESULTS.fromBytes(record.value());
                return record.key().equals(result.jobId()) ? null
                        : "the key is not the result's job id " + result.jobId();
            } catch (RuntimeException e) {
                return "not a job result: " + e.getMessage();
            }
        }
    }
}
