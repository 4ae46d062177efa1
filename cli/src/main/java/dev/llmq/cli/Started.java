package dev.llmq.cli;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The components a role started, closed in reverse order; a failure to close one is logged and the rest still close. */
final class Started implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Started.class);

    private final Deque<AutoCloseable> stack = new ArrayDeque<>();

    /** Remembers a started component (null is ignored) and returns it. */
    synchronized <T extends AutoCloseable> T add(T component) {
        if (component != null) {
            stack.push(component);
        }
        return component;
    }

    @Override
    public synchronized void close() {
        while (!stack.isEmpty()) {
            AutoCloseable component = stack.pop();
            try {
                component.close();
            } catch (Exception e) {
                LOG.warn("error stopping {}: {}", component.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
