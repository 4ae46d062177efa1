package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {

    record Head(String jobId, int attempt) {
    }

    @JsonIgnoreProperties(ignoreUnknown = false)
    record Declared(String jobId) {
    }

    static final class Bean {
        public String jobId;
    }

    private static final String WITH_UNKNOWN = """
            {"jobId":"job_1","body":{"messages":[{"role":"user","content":"hi"}],"n":[1,2,{"x":null}]},
             "attempt":3,"extra":"tail"}""";

    /** The mapper's unknown-property handling, seen through a problem handler that records every call. */
    private static ObjectMapper watched(List<String> seen) {
        return Json.newMapper().addHandler(new DeserializationProblemHandler() {
            @Override
            public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p,
                                                 JsonDeserializer<?> deserializer, Object beanOrClass,
                                                 String propertyName) {
                seen.add(propertyName);
                return false;
            }
        });
    }

    @Test
    void unknownPropertiesOfARecordAreSkippedWhereTheyAreNotBufferedAndHandedOver() throws Exception {
        List<String> seen = new ArrayList<>();
        Head head = watched(seen).readValue(WITH_UNKNOWN, Head.class);

        assertThat(head).isEqualTo(new Head("job_1", 3));
        // Jackson copies an unknown property of a constructor-built type into a token buffer and hands it to the
        // unknown-property handling after the object; a class that ignores unknown properties skips it in place
        assertThat(seen).isEmpty();
    }

    @Test
    void everyKindOfClassSkipsUnknownProperties() throws Exception {
        List<String> seen = new ArrayList<>();
        ObjectMapper mapper = watched(seen);

        assertThat(mapper.readValue(WITH_UNKNOWN, Declared.class)).isEqualTo(new Declared("job_1"));
        assertThat(mapper.readValue(WITH_UNKNOWN, Bean.class).jobId).isEqualTo("job_1");
        assertThat(seen).isEmpty();
    }

    @Test
    void aMapperThatFailsOnUnknownPropertiesStillFails() {
        ObjectMapper strict = Json.newMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

        assertThatThrownBy(() -> strict.readValue(WITH_UNKNOWN, Head.class))
                .isInstanceOf(UnrecognizedPropertyException.class)
                .hasMessageContaining("\"body\"");
    }

    @Test
    void aMessageRecordReadsTheSameWithUnknownPropertiesBesideItsOwn() throws Exception {
        JobStatusEvent event = JsonSerde.jobStatusEvent().fromBytes("""
                {"job_id":"job_1","status":"running","at":"2026-11-30T17:00:00Z","unknown":{"a":[1,{"b":2}]}}"""
                .getBytes(StandardCharsets.UTF_8));

        assertThat(event.jobId()).isEqualTo("job_1");
        assertThat(event.status()).isEqualTo(JobStatus.RUNNING);
    }
}
