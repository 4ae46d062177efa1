package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * One provider call made for a job.
 *
 * @param outcome {@code ok} or the error kind (e.g. {@code rate_limited}, {@code server_error})
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Attempt(int number, String deployment, String provider, String model, String outcome, Integer httpStatus,
                      long latencyMs, Instant startedAt, String message) {

    public Attempt {
        if (number < 1) {
            throw new IllegalArgumentException("attempt number must be >= 1");
        }
        JobRequest.requireText(outcome, "outcome");
    }
}
