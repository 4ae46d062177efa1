package dev.llmq.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP server's own refusals as OpenAI-shaped errors: a code per status, no cause shown for a server error. */
class UsageApiExceptionTest {

    @ParameterizedTest
    @CsvSource({
        "400, bad_request, invalid_request_error, Bad Request",
        "404, not_found, invalid_request_error, Not Found",
        "405, method_not_allowed, invalid_request_error, Method Not Allowed",
        "413, request_too_large, invalid_request_error, Content Too Large",
        "414, uri_too_long, invalid_request_error, URI Too Long",
        "431, request_header_fields_too_large, invalid_request_error, Request Header Fields Too Large",
        "505, http_version_not_supported, invalid_request_error, Unknown Version",
        "418, http_418, invalid_request_error, teapot",
        "500, server_error, server_error, HTTP 500",
    })
    void eachStatusHasItsCodeAndType(int status, String code, String type, String message) {
        JsonNode error = UsageApiException.http(status, message).body().path("error");
        assertThat(error.path("code").asText()).isEqualTo(code);
        assertThat(error.path("type").asText()).isEqualTo(type);
        assertThat(error.path("message").asText()).isEqualTo(message);
        assertThat(error.path("param").isNull()).isTrue();
    }

    @Test
    void aServerErrorNeverShowsItsCauseAndAMissingMessageNamesTheStatus() {
        assertThat(UsageApiException.http(500, "java.lang.IllegalStateException: at dev.llmq.x").getMessage())
                .isEqualTo("HTTP 500");
        assertThat(UsageApiException.http(400, null).getMessage()).isEqualTo("HTTP 400");
        assertThat(UsageApiException.http(400, " ").getMessage()).isEqualTo("HTTP 400");
    }

    @Test
    void aLongMessageIsCut() {
        String message = UsageApiException.http(414, "u".repeat(10_000)).getMessage();
        assertThat(message).hasSize(UsageApiException.MAX_MESSAGE + 3).endsWith("...");
    }
}
