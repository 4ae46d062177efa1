package dev.llmq.worker.health;

import dev.llmq.router.DeploymentHealth;
import dev.llmq.worker.WorkerSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Everything a worker process shares with the others about deployments: health on the control topic
 * ({@link KafkaHealthBus} + {@link SharedHealth}) and its share of the rpm/tpm limits ({@link GroupShare}). Start it
 * before the {@link dev.llmq.worker.JobWorker}, wait for {@link #awaitReady} so the current shared state is in force
 * before the first job, and close it after the worker.
 */
public final class ClusterHealth implements AutoCloseable {

    private final KafkaHealthBus bus;
    private final SharedHealth shared;
    private final GroupShare share;

    private final Admin admin;
    private final List<KafkaClientMetrics> metrics = new ArrayList<>();

    private ClusterHealth(KafkaHealthBus bus, SharedHealth shared, GroupShare share, Admin admin) {
        this.admin = admin;
        this.bus = bus;
        this.shared = shared;
        this.share = share;
    }

    /** Starts reading the control topic and watching the group of the worker {@code settings} describe. */
    public static ClusterHealth start(DeploymentHealth health, WorkerSettings settings, Clock clock) {
        return start(health, settings, clock, GroupShare.DEFAULT_INTERVAL);
    }

    public static ClusterHealth start(DeploymentHealth health, WorkerSettings settings, Clock clock,
                                      Duration shareInterval) {
        Objects.requireNonNull(health, "health");
        SharedHealth shared = new SharedHealth(health, clock);
        KafkaHealthBus bus = new KafkaHealthBus(settings.bootstrapServers(), settings.clientProperties(),
                settings.topics(), KafkaHealthBus.newSource(settings.workerId()), clock, shared);
        shared.publishTo(bus);
        Map<String, Object> adminProps = new HashMap<>(settings.clientProperties());
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, settings.workerId() + "-group-share");
        GroupShare share;
        Admin admin;
        try {
            admin = Admin.create(adminProps);
            share = new GroupShare(admin, settings.groupId(),
                    java.util.List.of(settings.topics().jobsInteractive(), settings.topics().jobs()), health,
                    shareInterval);
        } catch (RuntimeException e) {
            bus.close();
            throw e;
        }
        bus.start();
        share.start();
        return new ClusterHealth(bus, shared, share, admin);
    }

    /** Binds Kafka's metrics of the control topic's producer and consumer and of the group watcher's admin client. */
    public synchronized ClusterHealth bindMetrics(MeterRegistry registry) {
        List<KafkaClientMetrics> all = new ArrayList<>(bus.metrics());
        if (admin instanceof AdminClient client) {
            all.add(new KafkaClientMetrics(client));
        }
        all.forEach(m -> m.bindTo(registry));
        metrics.addAll(all);
        return this;
    }

    /** True once the shared health state has been read and applied. */
    public boolean ready() {
        return bus.ready();
    }

    /**
     * Waits until the shared state is applied.
     *
     * @return false on timeout
     * @throws IllegalStateException when the control topic cannot be read (closed, or a fatal error, logged)
     */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return bus.awaitReady(timeout);
    }

    /** This process's id on the control topic. */
    public String source() {
        return bus.source();
    }

    public SharedHealth shared() {
        return shared;
    }

    /** Live workers in the group, as last seen (this worker uses 1/N of each limit). */
    public int workers() {
        return share.members();
    }

    @Override
    public void close() {
        try {
            share.close();
        } finally {
            bus.close();
            synchronized (this) {
                metrics.forEach(KafkaClientMetrics::close);
            }
        }
    }
}
