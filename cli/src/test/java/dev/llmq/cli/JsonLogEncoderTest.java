package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class JsonLogEncoderTest {

    private final Logger logger = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("dev.llmq.test.Json");

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    private static String encode(LoggingEvent event) {
        JsonLogEncoder encoder = new JsonLogEncoder();
        encoder.start();
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    @Test
    void anEventIsOneFlatJsonLineWithTheMdcKeysAtTopLevel() throws Exception {
        MDC.put("job_id", "job-1");
        MDC.put("batch_id", "batch-7");
        MDC.put("deployment", "openai-1");
        MDC.put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
        MDC.put("message", "an MDC key named like a fixed field");
        String line = encode(new LoggingEvent(Logger.class.getName(), logger, Level.WARN, "job {} took\n{} ms",
                null, new Object[] {"job-1", 42}));

        assertThat(line).endsWith("\n").doesNotContain("\n\n");
        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n");
        JsonNode json = Json.mapper().readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("logger").asText()).isEqualTo("dev.llmq.test.Json");
        assertThat(json.path("thread").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(json.path("message").asText()).isEqualTo("job job-1 took\n42 ms");
        assertThat(json.path("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
        assertThat(json.path("job_id").asText()).isEqualTo("job-1");
        assertThat(json.path("batch_id").asText()).isEqualTo("batch-7");
        assertThat(json.path("deployment").asText()).isEqualTo("openai-1");
        assertThat(json.path("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(json.path("mdc.message").asText()).isEqualTo("an MDC key named like a fixed field");
        assertThat(json.has("exception")).isFalse();
    }

    @Test
    void theExceptionIsItsWholeStackAsOneStringField() throws Exception {
        Exception cause = new IllegalStateException("the cause");
        String line = encode(new LoggingEvent(Logger.class.getName(), logger, Level.ERROR, "failed",
                new RuntimeException("outer", cause), null));

        JsonNode json = Json.mapper().readTree(line);
        assertThat(json.path("exception").isTextual()).isTrue();
        assertThat(json.path("exception").asText())
                .contains("java.lang.RuntimeException: outer", "Caused by: java.lang.IllegalStateException: the cause",
                        "at dev.llmq.cli.JsonLogEncoderTest");
        assertThat(json.has("job_id")).isFalse();
    }
}
