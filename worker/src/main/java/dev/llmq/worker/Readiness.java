package dev.llmq.worker;

import java.util.Objects;

/**
 * Whether a worker is ready to serve, and why (or why not), in words for {@code /health/ready}.
 *
 * @param ready  true when the worker holds partitions of the jobs topic, or when its group has none to give it
 * @param detail what the worker is doing: e.g. {@code "holds partitions [0, 2]"}, {@code "joined, no partition
 *               assigned yet"}
 */
public record Readiness(boolean ready, String detail) {

    public Readiness {
        Objects.requireNonNull(detail, "detail");
    }

    public static Readiness ready(String detail) {
        return new Readiness(true, detail);
    }

    public static Readiness notReady(String detail) {
        return new Readiness(false, detail);
    }
}
