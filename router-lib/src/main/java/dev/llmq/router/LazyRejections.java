package dev.llmq.router;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.RandomAccess;

/**
 * The rejections of one {@link Filters#apply} run, kept as (snapshot, cause) pairs: the {@link Rejection}s and
 * their detail texts are built on first read, which most routing decisions never do. Immutable; the snapshots and
 * the request are immutable, so the texts are the ones an eager build would have made. Thread-safe.
 */
final class LazyRejections extends AbstractList<Rejection> implements RandomAccess {

    private final RouteRequest request;
    private final DeploymentSnapshot[] snapshots;
    private final Rejection.Cause[] causes;
    /** Texts given when the rejection was added (a budget's), else null: built from the snapshot on first read. */
    private final String[] details;
    private final int size;
    private volatile Rejection[] built;

    private LazyRejections(RouteRequest request, DeploymentSnapshot[] snapshots, Rejection.Cause[] causes,
                           String[] details, int size) {
        this.request = request;
        this.snapshots = snapshots;
        this.causes = causes;
        this.details = details;
        this.size = size;
    }

    @Override
    public Rejection get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " of " + size);
        }
        Rejection[] all = built;
        if (all == null) {
            all = new Rejection[size];
            for (int i = 0; i < size; i++) {
                all[i] = new Rejection(snapshots[i].id(), causes[i],
                        details[i] != null ? details[i] : detail(request, snapshots[i], causes[i]));
            }
            built = all;
        }
        return all[index];
    }

    @Override
    public int size() {
        return size;
    }

    /** What {@link Filters} says about a deployment it left out for {@code cause}. */
    static String detail(RouteRequest request, DeploymentSnapshot s, Rejection.Cause cause) {
        Deployment d = s.deployment();
        return switch (cause) {
            case TAG_MISMATCH -> "job tags " + request.tags() + ", deployment tags " + d.tags();
            case CONTEXT_WINDOW -> request.estimatedPromptTokens() + " prompt tokens > max_input_tokens "
                    + s.contextWindow() + (d.maxInputTokens() == null ? " (the price table's)" : "");
            case COOLED_DOWN -> "until " + s.cooledUntil();
            case CIRCUIT_OPEN -> null;
            case RPM_LIMIT -> s.rpmUsed() + "/" + s.rpmLimit() + " rpm";
            case TPM_LIMIT -> s.tpmUsed() + "/" + s.tpmLimit() + " tpm";
            case PARALLEL_LIMIT -> s.inFlight() + " in flight, max_parallel_requests " + d.maxParallelRequests();
            case PROVIDER_LIMIT -> s.provider().describe(request.estimatedPromptTokens());
            case LOWER_TIER_AVAILABLE -> "order " + d.order();
            case UNKNOWN_MODEL_GROUP, ZERO_WEIGHT, BUDGET_EXHAUSTED -> throw new IllegalArgumentException(cause + " is not a filter's");
        };
    }

    /** Collects one run's rejections; {@link #build} ends it. Not thread-safe. */
    static final class Builder {
        private final RouteRequest request;
        private DeploymentSnapshot[] snapshots;
        private Rejection.Cause[] causes;
        private String[] details;
        private int size;

        Builder(RouteRequest request, int capacity) {
            this.request = request;
            int c = Math.max(4, Math.min(capacity, 16));
            this.snapshots = new DeploymentSnapshot[c];
            this.causes = new Rejection.Cause[c];
            this.details = new String[c];
        }

        void add(DeploymentSnapshot s, Rejection.Cause cause) {
            add(s, cause, null);
        }

        /** A rejection whose text is known now (not derivable from the snapshot, such as a budget's). */
        void add(DeploymentSnapshot s, Rejection.Cause cause, String detail) {
            if (size == snapshots.length) {
                snapshots = Arrays.copyOf(snapshots, size * 2);
                causes = Arrays.copyOf(causes, size * 2);
                details = Arrays.copyOf(details, size * 2);
            }
            snapshots[size] = s;
            causes[size] = cause;
            details[size] = detail;
            size++;
        }

        LazyRejections build() {
            LazyRejections out = new LazyRejections(request, snapshots, causes, details, size);
            snapshots = null;
            causes = null;
            details = null;
            return out;
        }
    }
}
