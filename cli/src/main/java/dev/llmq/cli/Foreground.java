package dev.llmq.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps a started role in the foreground until Ctrl-C or SIGTERM, then closes it cleanly. */
final class Foreground {

    private static final Logger LOG = LoggerFactory.getLogger(Foreground.class);

    private Foreground() {
    }

    /** Starts the role, prints its ready line on stdout and runs it until signalled. */
    static int run(Role role, RoleOptions options, Function<Assembly, String> readyLine) throws Exception {
        return run(role.command(), () -> Assembly.start(role, options), readyLine);
    }

    /** Starts something, prints its ready line on stdout and runs it until signalled. */
    static <T extends AutoCloseable> int run(String role, Callable<T> start, Function<T, String> readyLine)
            throws Exception {
        T running = start.call();
        try {
            System.out.println(readyLine.apply(running));
            System.out.flush();
        } catch (RuntimeException | Error e) {
            running.close();
            throw e;
        }
        return runUntilSignalled(role, running);
    }

    static int runUntilSignalled(String role, AutoCloseable running) throws InterruptedException {
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
        stopped.await();
        return 0;
    }
}
