package dev.llmq.router;

import dev.llmq.provider.ErrorKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One attempt of a job, as the result records it.
 *
 * @param number 1-based, across retries and fallbacks
 * @param errorKind null when the attempt succeeded
 * @param httpStatus the provider's status, 200 on success, 0 when no response arrived
 * @param message the error's message (redacted by provider-lib), null on success
 */
public record AttemptRecord(int number, String deploymentId, String modelGroup, String provider, String model,
                            ErrorKind errorKind, int httpStatus, Duration latency, Instant startedAt,
                            String message) {

    public AttemptRecord {
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(startedAt, "startedAt");
    }

    public boolean succeeded() {
        return errorKind == null;
    }

    /** {@code success}, or the error kind's wire name: a bounded value for metrics and results. */
    public String outcome() {
        return errorKind == null ? "success" : errorKind.wire();
    }
}
