package dev.llmq.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a started role in the foreground until Ctrl-C or SIGTERM, then closes it cleanly. Its ready line goes to
 * stdout once the role is ready ({@code /health/ready} would answer 200), not merely started: a restarted ingest's
 * status store, for one, answers only after its group has rebalanced, seconds after its HTTP port opened.
 */
final class Foreground {

    /** How often readiness is asked before the ready line. */
    static final Duration POLL = Duration.ofMillis(100);

    /** How long a role may take to be ready before it says what it waits for, and then how often again. */
    static final Duration NOTICE_EVERY = Duration.ofSeconds(15);

    private static final Logger LOG = LoggerFactory.getLogger(Foreground.class);

    private Foreground() {
    }

    /** Starts the role, prints its ready line on stdout once it is ready and runs it until signalled. */
    static int run(Role role, RoleOptions options, Function<Assembly, String> readyLine) throws Exception {
        return run(role.command(), () -> Assembly.start(role, options), a -> a, readyLine);
    }

    /**
     * Starts something, prints its ready line on stdout once its assembly is ready and runs it until signalled.
     *
     * @param assemblyOf the started thing's assembly, whose readiness the ready line waits for
     */
    static <T extends AutoCloseable> int run(String role, Callable<T> start, Function<T, Assembly> assemblyOf,
                                             Function<T, String> readyLine) throws Exception {
        T running = start.call();
        String line;
        Assembly assembly;
        try {
            line = readyLine.apply(running);
            assembly = assemblyOf.apply(running);
        } catch (RuntimeException | Error e) {
            running.close();
            throw e;
        }
        CountDownLatch stopped = stopOnSignal(role, running);
        announceWhenReady(role, assembly::ready, assembly::readinessDetail, line, stopped, System.out, NOTICE_EVERY);
        stopped.await();
        return 0;
    }

    /** Runs {@code running} until Ctrl-C or SIGTERM closes it (a role without readiness: the mock LLM). */
    static int runUntilSignalled(String role, AutoCloseable running) throws InterruptedException {
        stopOnSignal(role, running).await();
        return 0;
    }

    /**
     * Waits until {@code ready} holds, then prints {@code line} on {@code out}; returns without it once
     * {@code stopped} opens first. While not ready it logs what it waits for ({@code detail}) every
     * {@code noticeEvery}, so a role kept from readiness (an unreachable cluster) does not sit silent.
     *
     * @return whether the line was printed
     */
    static boolean announceWhenReady(String role, BooleanSupplier ready, Supplier<String> detail, String line,
                                     CountDownLatch stopped, PrintStream out, Duration noticeEvery)
            throws InterruptedException {
        if (!awaitReady(role, ready, detail, stopped, noticeEvery, null)) {
            return false;
        }
        out.println(line);
        out.flush();
        return true;
    }

    /**
     * Waits until {@code ready} holds, asking every {@link #POLL} and logging what it waits for ({@code detail}) every
     * {@code noticeEvery}; false once {@code stopped} opens or {@code max} (null: no bound) passes first.
     */
    static boolean awaitReady(String role, BooleanSupplier ready, Supplier<String> detail, CountDownLatch stopped,
                              Duration noticeEvery, Duration max) throws InterruptedException {
        long start = System.nanoTime();
        long nextNotice = start + noticeEvery.toNanos();
        while (!ready.getAsBoolean()) {
            if (stopped.await(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                return false;
            }
            long now = System.nanoTime();
            if (max != null && now - start > max.toNanos()) {
                return false;
            }
            if (now - nextNotice >= 0) {
                LOG.info("{}: started, not ready after {} s: {}", role, Duration.ofNanos(now - start).toSeconds(),
                        detail.get());
                nextNotice = now + noticeEvery.toNanos();
            }
        }
        return true;
    }

    private static CountDownLatch stopOnSignal(String role, AutoCloseable running) {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            LOG.info("{}: stopping", role);
            try {
                running.close();
            } catch (Exception e) {
                LOG.warn("{}: error while stopping: {}", role, e.toString());
            } finally {
                stopped.countDown();
            }
            System.err.println("llmq " + role + " stopped");
        }, "llmq-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return stopped;
    }
}
