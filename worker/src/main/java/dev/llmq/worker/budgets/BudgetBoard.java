package dev.llmq.worker.budgets;

import dev.llmq.router.DeploymentBudgets;
import dev.llmq.schemas.BudgetMessage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest state of every spend budget, as the usage aggregator last wrote it on the control topic (one
 * {@link BudgetMessage} per key, so a replay of the compacted topic rebuilds it). A budget stops spending only while
 * {@link BudgetMessage#inForce} says so: at its {@code resets_at} it lifts by itself, with no new message. The router
 * asks it about deployments ({@link DeploymentBudgets}); the job handler about a job's tenant and tags
 * ({@link #stopping}). Thread-safe: written by the control topic's reader, read by every job.
 */
public final class BudgetBoard implements DeploymentBudgets {

    private final Map<String, BudgetMessage> latest = new ConcurrentHashMap<>();

    /** Keeps {@code message} as its budget's state, replacing the one before. */
    public void apply(BudgetMessage message) {
        Objects.requireNonNull(message, "message");
        latest.put(message.key(), message);
    }

    /** Forgets the budget of a compaction key (a tombstone on the control topic). */
    public void remove(String key) {
        latest.remove(key);
    }

    /** The budget states known, in force or not. */
    public int size() {
        return latest.size();
    }

    /** The budget of {@code scope}/{@code subject} when it is in force at {@code now}. */
    public Optional<BudgetMessage> inForce(String scope, String subject, Instant now) {
        BudgetMessage m = subject == null ? null : latest.get(BudgetMessage.key(scope, subject));
        return m != null && m.inForce(now) ? Optional.of(m) : Optional.empty();
    }

    /**
     * The budget that stops a job of {@code tenant} with {@code tags} at {@code now}, if any: one that fails jobs
     * first (the job ends at once whatever the others say), else the one that resets last (the job must wait for
     * all of them).
     */
    public Optional<BudgetMessage> stopping(String tenant, List<String> tags, Instant now) {
        BudgetMessage chosen = inForce(BudgetMessage.SCOPE_TENANT, tenant, now).orElse(null);
        for (String tag : tags) {
            BudgetMessage m = inForce(BudgetMessage.SCOPE_TAG, tag, now).orElse(null);
            if (m != null && (chosen == null || rank(m, chosen))) {
                chosen = m;
            }
        }
        return Optional.ofNullable(chosen);
    }

    private static boolean rank(BudgetMessage candidate, BudgetMessage current) {
        if (candidate.failsJobs() != current.failsJobs()) {
            return candidate.failsJobs();
        }
        return !current.failsJobs() && candidate.resetsAt().isAfter(current.resetsAt());
    }

    @Override
    public Exhausted exhausted(String deploymentId, Instant now) {
        return inForce(BudgetMessage.SCOPE_DEPLOYMENT, deploymentId, now)
                .map(m -> new Exhausted(m.resetsAt(), m.describe())).orElse(null);
    }
}
