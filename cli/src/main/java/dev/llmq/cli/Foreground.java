package dev.llmq.cli;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps a started role in the foreground until Ctrl-C or SIGTERM, then closes it cleanly. */
final class Foreground {

    private static final Logger LOG = LoggerFactory.getLogger(Foreground.class);

    private Foreground() {
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
