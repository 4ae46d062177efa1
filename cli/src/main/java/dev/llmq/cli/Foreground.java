package dev.llmq.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

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
        StopSignals signals = new StopSignals(role, Runtime.getRuntime()::halt);
        signals.install();
        Thread hook = new Thread(() -> {
            signals.stopping();
            LOG.info("{}: stopping (a second Ctrl-C or SIGTERM stops at once)", role);
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

    /**
     * Ctrl-C and SIGTERM: the first starts the clean stop (the JVM's own handler, which runs the shutdown hooks and
     * can take up to {@code llmq.worker.shutdown_timeout} while jobs finish); one more while stopping halts at once,
     * as {@code kill -9} would (exit {@link #FORCED_EXIT}): the JVM alone ignores it, so an operator who asked twice
     * saw nothing happen. Jobs running then get no result here and run again on another worker (or this one once
     * restarted). A signal ignored when the process started ({@code nohup}) stays ignored.
     */
    static final class StopSignals {

        /** Exit code of a stop forced by a second signal: that of {@code kill -9}. */
        static final int FORCED_EXIT = 137;

        private final String role;
        private final IntConsumer halt;
        private final AtomicBoolean stopping = new AtomicBoolean();
        private final Map<String, SignalHandler> previous = new ConcurrentHashMap<>();

        StopSignals(String role, IntConsumer halt) {
            this.role = role;
            this.halt = halt;
        }

        /** Puts this in front of the JVM's handlers of SIGTERM and SIGINT. */
        void install() {
            for (String name : List.of("TERM", "INT")) {
                try {
                    Signal signal = new Signal(name);
                    if (!replaced(name, Signal.handle(signal, this::received))) {
                        Signal.handle(signal, SignalHandler.SIG_IGN);
                    }
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    LOG.debug("SIG{} left to the JVM: {}", name, e.toString());
                }
            }
        }

        /** Keeps the handler this one replaced for {@code name}; false when it was ignored, to be put back. */
        boolean replaced(String name, SignalHandler before) {
            if (before == SignalHandler.SIG_IGN) {
                return false;
            }
            previous.put(name, before);
            return true;
        }

        /** The stop has begun (by a signal or otherwise): a signal from now on halts. */
        void stopping() {
            stopping.set(true);
        }

        void received(Signal signal) {
            SignalHandler before = previous.get(signal.getName());
            if (stopping.compareAndSet(false, true)) {
                if (before != null) {
                    before.handle(signal); // the JVM's: the shutdown hooks run, this thread waits in it
                } else {
                    System.exit(128 + signal.getNumber());
                }
                return;
            }
            LOG.warn("{}: SIG{} while stopping: stopping at once, without waiting for running jobs (they run again "
                    + "on another worker) or closing cleanly", role, signal.getName());
            System.err.println("llmq " + role + " stopped at once (SIG" + signal.getName() + " while stopping)");
            System.err.flush();
            halt.accept(FORCED_EXIT);
        }
    }
}
