package dev.llmq.cli;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this role can reach its Kafka cluster now, for every role's {@code /health/ready}: one admin client asks the
 * cluster to describe itself every {@code interval} (a metadata request, answered by any broker) on a daemon thread.
 * A role's own loops (a consumer's poll, a Streams thread) keep running while the brokers are gone and say nothing;
 * this says so within about {@code interval} plus {@code timeout}, and again once the brokers are back. Logs each
 * change once.
 */
final class KafkaReachability implements AutoCloseable {

    static final Duration INTERVAL = Duration.ofSeconds(1);
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(KafkaReachability.class);

    private final Admin admin;
    private final Duration timeout;
    private final ScheduledExecutorService timer;
    private volatile boolean reachable = true;
    private volatile String problem = "";
    private volatile boolean closed;

    private KafkaReachability(Map<String, String> clientProperties, String clientId, Duration interval,
                              Duration timeout) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        // this client only probes: a short wait per request, and no long reconnect backoff once the broker is back
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, (int) interval.toMillis());
        this.admin = Admin.create(props);
        this.timeout = timeout;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name(clientId).factory());
    }

    /**
     * Starts probing; reachable until a probe fails (the role checked its access to the cluster just before).
     *
     * @param clientProperties the role's Kafka client properties, bootstrap servers and security settings included
     */
    static KafkaReachability start(Map<String, String> clientProperties, String clientId) {
        KafkaReachability reachability = new KafkaReachability(clientProperties, clientId, INTERVAL, TIMEOUT);
        reachability.timer.scheduleWithFixedDelay(reachability::probe, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return reachability;
    }

    boolean reachable() {
        return reachable;
    }

    /** Empty while reachable, else why not. */
    String detail() {
        return reachable ? "" : "Kafka unreachable: " + problem;
    }

    private void probe() {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis())).nodes()
                    .get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
            if (!reachable) {
                LOG.info("Kafka reachable again");
            }
            reachable = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            problem = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
            if (reachable && !closed) {
                LOG.warn("Kafka unreachable: {}; not ready until it answers again", problem);
            }
            reachable = false;
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(1));
    }
}
