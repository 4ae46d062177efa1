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
 * @param httpStatus the provider's status, 200 on success, 0 when no response arrived or nothing was sent
 * @param message the error's message (redacted by provider-lib), null on success
 * @param sent false when llmq refused the request before calling the provider (an unsupported parameter without
 *             {@code drop_params}): the attempt had no provider answer, whatever status the job's error carries
 */
public record AttemptRecord(int number, String deploymentId, String modelGroup, String provider, String model,
                            ErrorKind errorKind, int httpStatus, Duration latency, Instant startedAt,
                            String message, boolean sent) {

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
