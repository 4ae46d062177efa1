package dev.llmq.worker.results;

import dev.llmq.config.ExactlyOnceState;
import dev.llmq.config.StateDir;
import dev.llmq.config.StreamsDefaults;
import dev.llmq.schemas.TopicNames;
import dev.llmq.worker.WorkerSettings;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link ResultDedupe} in one worker process: a Kafka Streams instance of the application
 * {@code <prefix>-results-dedupe} with {@code processing.guarantee=exactly_once_v2}. Every worker process runs one,
 * so the raw results' partitions (and the store's) spread over the workers like the jobs' do. Use: {@link #start()},
 * {@link #ready()}, {@link #close()}.
 */
public final class ResultDedupeStream implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResultDedupeStream.class);
    /**
     * The de-duplication's fetches wait for this much data, up to {@link #FETCH_MAX_WAIT}, instead of returning as
     * soon as one raw result is there (below saturation that was a fetch per result or two).
     */
    static final int FETCH_MIN_BYTES = 32 * 1024;
    static final Duration FETCH_MAX_WAIT = Duration.ofMillis(20);

    private final String workerId;
    private final String applicationId;
    private final StateDir stateDir;
    private final KafkaStreams streams;
    private volatile boolean runningOnce;

    public ResultDedupeStream(WorkerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        this.workerId = settings.workerId();
        this.applicationId = applicationId(settings.topics());
        this.stateDir = StateDir.open(settings.stateDir(), "llmq-worker-state-",
                dropped -> LOG.info("deleted the state directories of stopped processes: {}", dropped));
        this.streams = new KafkaStreams(ResultDedupe.topology(settings.topics(), settings.resultsDedupeRetention()),
                properties(settings, stateDir.path()));
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                runningOnce = true;
            }
            LOG.debug("worker {} result de-duplication: {} -> {}", workerId, before, now);
        });
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("worker {} result de-duplication thread failed; replacing it", workerId, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    /** Kafka Streams' metrics of this application, for binding to a meter registry (closed by the caller). */
    public KafkaStreamsMetrics metrics() {
        return new KafkaStreamsMetrics(streams);
    }

    /** The Streams application id of the de-duplication under these topics: {@code <prefix>-results-dedupe}. */
    public static String applicationId(TopicNames topics) {
        return topics.prefix() + "-results-dedupe";
    }

    static Properties properties(WorkerSettings settings, Path stateDir) {
        Properties props = new Properties();
        props.putAll(settings.clientProperties());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId(settings.topics()));
        props.put(StreamsConfig.CLIENT_ID_CONFIG, settings.workerId() + "-results-dedupe");
        // how long a result can wait in an open transaction before read_committed readers see it
        // (llmq.worker.results_commit_interval_ms; Kafka Streams' own default under exactly-once is 100 ms)
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(settings.resultsCommitInterval().toMillis()));
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        // exactly_once_v2, no checkpoint-less task directory left to be found, the producer retrying soon
        ExactlyOnceState.configure(props, settings.clientProperties());
        // a killed worker's share of the de-duplication moves as fast as its share of the jobs
        // (llmq.worker.session_timeout), unless the user's Kafka properties say otherwise
        StreamsDefaults.consumer(props, settings.clientProperties(), "session.timeout.ms",
                settings.sessionTimeout().toMillis());
        StreamsDefaults.consumer(props, settings.clientProperties(), "heartbeat.interval.ms",
                settings.heartbeatInterval().toMillis());
        // fetches wait for a few dozen raw results instead of returning each one or two: what they read waits for the
        // next commit (the interval above) before readers see it anyway
        StreamsDefaults.consumer(props, settings.clientProperties(), "fetch.min.bytes", FETCH_MIN_BYTES);
        StreamsDefaults.consumer(props, settings.clientProperties(), "fetch.max.wait.ms", FETCH_MAX_WAIT.toMillis());
        return props;
    }

    /** Starts the stream thread; it joins the application's group in the background. */
    public void start() {
        List<String> dropped = ExactlyOnceState.dropUncheckpointedTaskDirs(stateDir.path(), applicationId);
        if (!dropped.isEmpty()) {
            LOG.info("worker {}: state of tasks {} had no checkpoint (an unclean stop); restoring them from the changelog",
                    workerId, dropped);
        }
        streams.start();
        LOG.info("worker {} de-duplicating results (application {}, state in {})", workerId, applicationId,
                stateDir.path());
    }

    /** True once the stream has been running, while it is running or rebalancing. */
    public boolean ready() {
        KafkaStreams.State state = streams.state();
        return runningOnce && (state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING);
    }

    /** The stream's state (for tests and diagnostics). */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Commits what is processed, leaves the group, and deletes the state directory if it was temporary. */
    @Override
    public void close() {
        // leave the group, so that the partitions move to the other workers now rather than after the session timeout
        if (!streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)))) {
            LOG.warn("worker {} result de-duplication did not stop within 30 s", workerId);
        }
        try {
            stateDir.close();
        } catch (IOException e) {
            LOG.warn("worker {}: temporary state directory {} not deleted", workerId, stateDir.path(), e);
        }
    }
}
