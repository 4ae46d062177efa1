package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Why a job failed: OpenAI's error fields ({@code type}, {@code code}, {@code message}, {@code param}) plus llmq's
 * error kind and the provider's HTTP status.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobError(String type, String code, String message, String param, String kind, Integer httpStatus, String provider) {

    public JobError {
        JobRequest.requireText(message, "message");
        if (type == null || type.isBlank()) {
            type = "api_error";
        }
    }
}
