package dev.llmq.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * An HTTP load generator for llmq's ingest API and for any OpenAI-compatible endpoint ({@link Target}), open loop at
 * a set rate or closed loop at a set concurrency ({@link LoadSpec}), bounded by a duration and a request count.
 * A fixed set of keep-alive HTTP/1.1 connections ({@link HttpConnection}), one virtual thread each, which a warm-up can
 * hand on to the measured run ({@link ConnectionPool}); requests are
 * built from bytes ({@link JobBodies}); latencies go into HdrHistograms with coordinated-omission correction (what
 * each figure means: {@link LoadResult}). Cheap on purpose: it shares the machine with what it measures.
 *
 * <pre>{@code
 * Target target = new Target.OpenAiChat(URI.create("http://127.0.0.1:8080"), new JobBodies("gpt-4o-mini", 1024, 1),
 *         null, 0);
 * LoadResult r = LoadGenerator.run(target, LoadSpec.open(500, 64, Duration.ofSeconds(10), 100_000),
 *         ResponseListener.NONE);
 * }</pre>
 */
public final class LoadGenerator {

    /** How often the connections' exchanges are checked against the time limit. */
    static final Duration TIMEOUT_SWEEP = Duration.ofMillis(100);

    private final Target target;
    private final LoadSpec spec;
    private final ResponseListener listener;
    private final AtomicLong next = new AtomicLong();
    private final Histogram latency = new ConcurrentHistogram(3);
    private final Histogram service = new ConcurrentHistogram(3);
    private long start;
    private long end;
    private long grace;

    private LoadGenerator(Target target, LoadSpec spec, ResponseListener listener) {
        this.target = target;
        this.spec = spec;
        this.listener = listener;
    }

    /**
     * Runs the load on connections of its own, closed at the end, and returns what it measured; blocks for about
     * {@code spec.duration()}.
     */
    public static LoadResult run(Target target, LoadSpec spec, ResponseListener listener) throws InterruptedException {
        try (ConnectionPool pool = new ConnectionPool(target.base(), spec.timeout())) {
            return run(target, spec, listener, pool);
        }
    }

    /**
     * Runs the load on {@code pool}'s connections (opening those it does not have yet) and leaves them open for the
     * next run; blocks for about {@code spec.duration()}.
     */
    public static LoadResult run(Target target, LoadSpec spec, ResponseListener listener, ConnectionPool pool)
            throws InterruptedException {
        return new LoadGenerator(target, spec, listener).run(pool);
    }

    private LoadResult run(ConnectionPool pool) throws InterruptedException {
        int connections = spec.loop().connections();
        List<HttpConnection> https = pool.take(target.base(), connections);
        List<Connection> workers = new ArrayList<>(connections);
        List<Thread> threads = new ArrayList<>(connections);
        start = System.nanoTime();
        end = start + spec.duration().toNanos();
        // requests due before the end but still unsent this long after it only measure a backlog: not sent
        grace = Math.max(Duration.ofSeconds(1).toNanos(), spec.duration().toNanos() / 10);
        for (int i = 0; i < connections; i++) {
            Connection c = new Connection(https.get(i));
            workers.add(c);
            threads.add(Thread.ofVirtual().name("load-" + i).start(c));
        }
        // the connections' time limit (HttpConnection.expireIfOverdue): one platform thread for all of them instead of
        // a read timeout on each socket
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("load-timeouts").factory());
        watchdog.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            https.forEach(h -> h.expireIfOverdue(now));
        }, TIMEOUT_SWEEP.toMillis(), TIMEOUT_SWEEP.toMillis(), TimeUnit.MILLISECONDS);
        try {
            long joinBy = end + grace + spec.timeout().toNanos() + Duration.ofSeconds(5).toNanos();
            for (Thread t : threads) {
                long left = joinBy - System.nanoTime();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    t.interrupt();
                    t.join(Duration.ofSeconds(5));
                }
            }
        } finally {
            watchdog.shutdownNow();
        }
        return result(workers);
    }

    private LoadResult result(List<Connection> workers) {
        long sent = 0;
        long succeeded = 0;
        long bytesSent = 0;
        long bytesReceived = 0;
        long last = start;
        Map<Integer, Long> errors = new TreeMap<>();
        Map<Integer, String> samples = new TreeMap<>();
        for (Connection c : workers) {
            c.samples.forEach(samples::putIfAbsent);
            sent += c.sent;
            succeeded += c.succeeded;
            bytesSent += c.bytesSent;
            bytesReceived += c.bytesReceived;
            last = Math.max(last, c.lastDone);
            c.errors.forEach((status, n) -> errors.merge(status, n, Long::sum));
        }
        Histogram uncorrected = service.copy();
        Histogram corrected;
        long expected = 0;
        long behind = 0;
        switch (spec.loop()) {
            case LoadSpec.Loop.Open open -> {
                corrected = latency.copy();
                long due = Math.min(spec.maxRequests(),
                        (long) Math.ceil(spec.duration().toNanos() / 1e9 * open.rate()));
                behind = Math.max(0, due - sent);
            }
            case LoadSpec.Loop.Closed closed -> {
                expected = uncorrected.getTotalCount() == 0 ? 0 : Math.max(1, uncorrected.getValueAtPercentile(50));
                corrected = expected == 0 ? uncorrected.copy() : uncorrected.copyCorrectedForCoordinatedOmission(expected);
            }
        }
        String loop = switch (spec.loop()) {
            case LoadSpec.Loop.Open o -> String.format("open, %.0f requests/s over %d connections", o.rate(),
                    o.connections());
            case LoadSpec.Loop.Closed c -> "closed, " + c.concurrency() + " concurrent";
        };
        return new LoadResult(loop, sent, succeeded, succeeded * target.jobsPerRequest(), new TreeMap<>(errors),
                new TreeMap<>(samples), bytesSent, bytesReceived, (last - start) / 1e9, corrected, uncorrected, behind, expected);
    }

    /** When request {@code seq} should go, or -1 when it should not go at all. */
    private long due(long seq) {
        if (seq >= spec.maxRequests()) {
            return -1;
        }
        long now = System.nanoTime();
        return switch (spec.loop()) {
            case LoadSpec.Loop.Open open -> {
                long intended = start + (long) (seq * 1e9 / open.rate());
                yield intended >= end || now > end + grace ? -1 : intended;
            }
            case LoadSpec.Loop.Closed closed -> now >= end ? -1 : now;
        };
    }

    /** One connection and its thread's counts (read after the thread has ended). */
    private final class Connection implements Runnable {
        private final HttpConnection http;
        private final Map<Integer, Long> errors = new TreeMap<>();
        private final Map<Integer, String> samples = new TreeMap<>();
        long sent;
        long succeeded;
        long bytesSent;
        long bytesReceived;
        long lastDone;

        Connection(HttpConnection http) {
            this.http = http;
        }

        @Override
        public void run() {
            http.dropIfClosed(); // kept from the run before: the server may have closed it meanwhile
            for (long seq = next.getAndIncrement(), intended = due(seq); intended >= 0;
                 seq = next.getAndIncrement(), intended = due(seq)) {
                for (long wait = intended - System.nanoTime(); wait > 0; wait = intended - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                    if (Thread.currentThread().isInterrupted()) {
                        return;
                    }
                }
                exchange(seq, intended);
            }
        }

        private void exchange(long seq, long intended) {
            byte[] request = target.request(seq);
            long sentAt = System.nanoTime();
            int status;
            byte[] body;
            try {
                HttpConnection.Response r = http.exchange(request);
                status = r.status();
                body = r.body();
                bytesReceived += r.wireBytes();
            } catch (IOException | RuntimeException e) {
                status = LoadResult.TRANSPORT_ERROR;
                body = new byte[0];
                samples.putIfAbsent(status, e.toString());
            }
            long done = System.nanoTime();
            sent++;
            bytesSent += request.length;
            lastDone = done;
            service.recordValue(done - sentAt);
            if (spec.loop() instanceof LoadSpec.Loop.Open) {
                latency.recordValue(done - intended);
            }
            if (target.success(status)) {
                succeeded++;
            } else {
                errors.merge(status, 1L, Long::sum);
                if (status != LoadResult.TRANSPORT_ERROR && !samples.containsKey(status)) {
                    String text = new String(body, 0, Math.min(body.length, 160), StandardCharsets.UTF_8);
                    samples.put(status, text.replace('|', '/').replaceAll("\\s+", " "));
                }
            }
            listener.answered(seq, intended, sentAt, done, status, body);
        }
    }
}
