package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * One provider call made for a job, or refused by llmq before it was made.
 *
 * @param outcome {@code ok} or the error kind (e.g. {@code rate_limited}, {@code server_error})
 * @param httpStatus the provider's answer status; absent when none arrived or nothing was sent
 * @param sent {@code false} when llmq refused the request before calling the provider (e.g.
 *             {@code unsupported_parameter} without {@code drop_params}): nothing went to the provider, so the
 *             attempt has no {@code http_status}. Absent (null) for a call that was sent, and in every record
 *             written before the field existed, so old records read as before
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Attempt(int number, String deployment, String provider, String model, String outcome, Integer httpStatus,
                      long latencyMs, Instant startedAt, String message, Boolean sent) {

    public Attempt {
        if (number < 1) {
            throw new IllegalArgumentException("attempt number must be >= 1");
        }
        JobRequest.requireText(outcome, "outcome");
        if (Boolean.TRUE.equals(sent)) {
            sent = null; // written only when false
        }
        if (Boolean.FALSE.equals(sent) && httpStatus != null) {
            throw new IllegalArgumentException("an attempt that was not sent has no http_status");
        }
    }

    /** A call that was sent to the provider. */
    public Attempt(int number, String deployment, String provider, String model, String outcome, Integer httpStatus,
                   long latencyMs, Instant startedAt, String message) {
        this(number, deployment, provider, model, outcome, httpStatus, latencyMs, startedAt, message, null);
    }

    /** Whether the request went to the provider (true unless {@code sent} is false). */
    public boolean wasSent() {
        return !Boolean.FALSE.equals(sent);
    }
}
