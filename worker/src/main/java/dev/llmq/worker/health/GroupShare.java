package dev.llmq.worker.health;

import dev.llmq.router.DeploymentHealth;
import dev.llmq.worker.internal.GroupDescriber;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this worker's part of every rpm/tpm limit at 1/N, N being the members of the worker consumer group that are
 * assigned partitions of the jobs topics (asked every {@code interval}), so the limits hold for the whole cluster
 * without tuning: each worker enforces {@code limit × limit_share / N}. Members without jobs partitions (more workers
 * than partitions, or another deployment's workers sharing the group id) get no jobs and are not counted. Until the
 * first answer, and while no member is assigned or the group cannot be described, the last known N stays (initially
 * 1). After a worker joins or leaves, the others adjust within one interval.
 */
public final class GroupShare implements AutoCloseable {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(3);

    private static final Logger LOG = LoggerFactory.getLogger(GroupShare.class);

    private final Admin admin;
    private final String groupId;
    private final List<String> jobsTopics;
    private final DeploymentHealth health;
    private final Duration interval;
    private final GroupDescriber group;
    private ScheduledExecutorService scheduler;
    private volatile int members = 1;

    /**
     * @param admin closed by {@link #close()}
     * @param jobsTopics the topics of both priority lanes
     */
    public GroupShare(Admin admin, String groupId, List<String> jobsTopics, DeploymentHealth health,
                      Duration interval) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.jobsTopics = List.copyOf(jobsTopics);
        this.health = Objects.requireNonNull(health, "health");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.group = new GroupDescriber(admin, groupId);
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("interval must be > 0");
        }
    }

    public synchronized GroupShare start() {
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("llmq-group-share").factory());
            scheduler.scheduleWithFixedDelay(this::refreshQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Asks the group's size once and applies 1/N.
     *
     * @return N, the members with jobs partitions (the previous N when there are none)
     */
    public int refresh() throws InterruptedException, ExecutionException, TimeoutException {
        int n = group.describe(jobsTopics, interval.plusSeconds(5)).withPartitions();
        if (n > 0 && n != members) {
            LOG.info("{} workers in group {}: this worker now uses 1/{} of each rpm/tpm limit", n, groupId, n);
            members = n;
        }
        health.processFraction(1.0 / members);
        return members;
    }

    /** The N last applied. */
    public int members() {
        return members;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.debug("cannot describe consumer group {}: {}", groupId, e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
        admin.close(Duration.ofSeconds(5));
    }
}
