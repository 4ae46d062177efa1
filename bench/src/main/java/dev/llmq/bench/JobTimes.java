package dev.llmq.bench;

import dev.llmq.bench.load.SubmittedJobs;
import dev.llmq.cli.Repeat;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The times of each job of one measured run, on this JVM's {@link System#nanoTime()}: due (the load generator's
 * intended send), accepted (its 202 read), received and answered by the provider (the mock), and its result first
 * readable on the results topic. Jobs {@code first .. first + capacity - 1} are kept (arrays, so thousands of jobs a
 * second cost no objects); results are kept for every job id seen (warm-up ones too) and joined at the end.
 */
final class JobTimes implements AutoCloseable {

    private final long first;
    private final long[] due;
    private final long[] accepted;
    /** Written by the mock's request threads, so atomic (read by the main thread at the end). */
    private final AtomicLongArray received;
    private final AtomicLongArray answered;
    private final String[] ids;
    private final Map<String, Long> results = new ConcurrentHashMap<>();
    /** How often the deadlines of the threads waiting in {@link #awaitResult} are looked at. */
    static final Duration DEADLINE_SWEEP = Duration.ofMillis(100);

    /** Threads waiting in {@link #awaitResult} for a job's result, by job id. */
    private final Map<String, Waiter> waiting = new ConcurrentHashMap<>();
    /** Wakes the waiters whose deadline has passed, every {@link #DEADLINE_SWEEP}. */
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("bench-result-deadlines").factory());

    private record Waiter(Thread thread, long deadlineNanos) {
    }

    JobTimes(long first, int capacity) {
        this.first = first;
        this.due = new long[capacity];
        this.accepted = new long[capacity];
        this.received = new AtomicLongArray(capacity);
        this.answered = new AtomicLongArray(capacity);
        this.ids = new String[capacity];
        deadlines.scheduleWithFixedDelay(this::wakeOverdue, DEADLINE_SWEEP.toMillis(), DEADLINE_SWEEP.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private int index(long jobNumber) {
        long i = jobNumber - first;
        return i >= 0 && i < ids.length ? (int) i : -1;
    }

    /** A 202 for the jobs numbered from {@code firstJob}: their ids in {@code body}, in order. */
    void accepted(long firstJob, long dueNanos, long acceptedNanos, byte[] body) {
        List<String> jobIds = SubmittedJobs.ids(body);
        for (int j = 0; j < jobIds.size(); j++) {
            int i = index(firstJob + j);
            if (i >= 0) {
                due[i] = dueNanos;
                accepted[i] = acceptedNanos;
                ids[i] = jobIds.get(j); // written last: a reader that sees the id sees the times
            }
        }
    }

    /** The provider's call for job {@code jobNumber} (the first one, if it was called again). */
    void provider(long jobNumber, long receivedNanos, long answeredNanos) {
        int i = index(jobNumber);
        if (i >= 0 && received.compareAndSet(i, 0, receivedNanos)) {
            answered.set(i, answeredNanos);
        }
    }

    /** Job {@code jobId}'s result was read now (the first reading counts). */
    void result(String jobId, long nanos) {
        results.putIfAbsent(jobId, nanos);
        Waiter waiter = waiting.remove(jobId);
        if (waiter != null) {
            LockSupport.unpark(waiter.thread());
        }
    }

    /**
     * Waits until job {@code jobId}'s result has been read, at most until {@code deadlineNanos}
     * ({@link System#nanoTime()}, give or take {@link #DEADLINE_SWEEP}); one thread per job. Whether it came.
     */
    boolean awaitResult(String jobId, long deadlineNanos) {
        Thread me = Thread.currentThread();
        Waiter self = new Waiter(me, deadlineNanos);
        waiting.put(jobId, self);
        try {
            // registered before looking, so a result read meanwhile is seen either here or by its unpark. The park has
            // no timeout: a timed park of a virtual thread is a task on the JDK's delay scheduler, added and then
            // cancelled, each waking the scheduler's thread (with the load generator's socket read timeouts, 7.5% of
            // this JVM's CPU at saturation, on the cores the measured processes share); one platform thread looks at
            // the deadlines instead, 10 times a second
            while (!results.containsKey(jobId) && deadlineNanos - System.nanoTime() > 0 && !me.isInterrupted()) {
                LockSupport.park(this);
            }
            return results.containsKey(jobId);
        } finally {
            waiting.remove(jobId, self);
        }
    }

    private void wakeOverdue() {
        long now = System.nanoTime();
        waiting.values().forEach(w -> {
            if (now - w.deadlineNanos() >= 0) {
                LockSupport.unpark(w.thread());
            }
        });
    }

    /** Stops looking at the waiters' deadlines. */
    @Override
    public void close() {
        deadlines.shutdownNow();
    }

    /** Results first read between the two instants (any job). */
    long completedBetween(long fromNanos, long toNanos) {
        return results.values().stream().filter(t -> t >= fromNanos && t <= toNanos).count();
    }

    long acceptedCount() {
        long n = 0;
        for (String id : ids) {
            n += id == null ? 0 : 1;
        }
        return n;
    }

    /** Waits up to {@code limit} for every accepted job's result; returns how many have none. */
    long awaitResults(Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        Repeat.every(Duration.ofMillis(200), () -> missing() > 0 && System.nanoTime() < deadline);
        return missing();
    }

    private long missing() {
        long n = 0;
        for (String id : ids) {
            n += id != null && !results.containsKey(id) ? 1 : 0;
        }
        return n;
    }

    /**
     * 202 read → provider received the call. Clamped at 0: the worker may call the provider before the client has
     * read the 202 (both follow the broker's acknowledgement).
     */
    Histogram acceptedToProvider() {
        Histogram h = histogram();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] != null && received.get(i) != 0) {
                h.recordValue(Math.max(0, received.get(i) - accepted[i]));
            }
        }
        return h;
    }

    /** Provider answered → result readable. */
    Histogram providerToResult() {
        Histogram h = histogram();
        for (int i = 0; i < ids.length; i++) {
            Long result = ids[i] == null ? null : results.get(ids[i]);
            if (result != null && answered.get(i) != 0) {
                h.recordValue(Math.max(0, result - answered.get(i)));
            }
        }
        return h;
    }

    /** Due (the open loop's intended send: coordinated omission included) → result readable. */
    Histogram dueToResult() {
        return toResult(due);
    }

    /** 202 read → result readable. */
    Histogram acceptedToResult() {
        return toResult(accepted);
    }

    private Histogram toResult(long[] from) {
        Histogram h = histogram();
        for (int i = 0; i < ids.length; i++) {
            Long result = ids[i] == null ? null : results.get(ids[i]);
            if (result != null) {
                h.recordValue(Math.max(0, result - from[i]));
            }
        }
        return h;
    }

    private static Histogram histogram() {
        return new Histogram(3);
    }
}
