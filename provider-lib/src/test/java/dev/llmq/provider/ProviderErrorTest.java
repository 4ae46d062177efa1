package dev.llmq.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.schemas.JobError;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProviderErrorTest {

    @Test
    void errorsConvertToTheJobAndOpenAiShapes() {
        ProviderError e = ProviderError.builder(ErrorKind.RATE_LIMITED).httpStatus(429).providerType("requests")
                .providerCode("rate_limit_exceeded").message("slow down").retryAfter(Duration.ofSeconds(1))
                .requestId("req").snippet("{}").build();
        assertThat(e.toJobError("openai")).isEqualTo(new JobError("rate_limit_error",
                "rate_limit_exceeded", "slow down", null, "rate_limited", 429, "openai"));
        assertThat(e.toOpenAiErrorBody().toString()).isEqualTo(
                "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_error\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
        assertThat(ProviderError.of(ErrorKind.TIMEOUT, "t").toJobError("azure").httpStatus()).isNull();
    }

    @Test
    void theBuilderSetsEachFieldByNameAndLeavesTheRestAbsent() {
        ProviderError e = ProviderError.builder(ErrorKind.INVALID_REQUEST).httpStatus(400).providerType("t")
                .providerCode("c").message("m").param("p").retryAfter(Duration.ofSeconds(2)).requestId("r")
                .snippet("s").build();
        assertThat(e).isEqualTo(new ProviderError(ErrorKind.INVALID_REQUEST, 400, "t", "c", "m", "p",
                Duration.ofSeconds(2), "r", "s"));
        ProviderError late = ProviderError.of(ErrorKind.TIMEOUT, "late");
        assertThat(late).isEqualTo(ProviderError.builder(ErrorKind.TIMEOUT).message("late").build());
        assertThat(late.httpStatus()).isEqualTo(ProviderError.NO_STATUS);
        assertThat(late).extracting(ProviderError::providerType, ProviderError::providerCode, ProviderError::param,
                ProviderError::retryAfter, ProviderError::requestId, ProviderError::snippet).containsOnlyNulls();
    }

    @Test
    void aMissingMessageIsTheKindsWireName() {
        assertThat(ProviderError.builder(ErrorKind.SERVER_ERROR).build().message()).isEqualTo("server_error");
        assertThat(ProviderError.of(ErrorKind.OVERLOADED, " ").message()).isEqualTo("overloaded");
        assertThatThrownBy(() -> ProviderError.builder(null)).isInstanceOf(NullPointerException.class);
    }
}
