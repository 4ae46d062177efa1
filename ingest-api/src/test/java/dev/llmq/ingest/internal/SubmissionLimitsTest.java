package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.llmq.config.IngestLimits;
import dev.llmq.schemas.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each configured limit of {@link IngestLimits}: a 400 naming the limit and its configured value. */
class SubmissionLimitsTest {

    private static final Instant NOW = Instant.parse("2023-06-01T00:00:00Z");
    static final String JOB = "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    /** Small limits: 3 jobs, 2 messages, depth 16, custom_id 5, metadata 2 pairs / key 3 / value 4, tags 2 of 3. */
    static final IngestLimits SMALL = new IngestLimits(3, 2, 16, 5, 2, 3, 4, 2, 3, 6);

    private final SubmissionParser parser = new SubmissionParser(Json.mapper(), () -> Set.of("g"), SMALL);

    private ApiException reject(String body, String contentType) {
        ApiException e = catchThrowableOfType(ApiException.class,
                () -> parser.parse(body.getBytes(StandardCharsets.UTF_8), contentType, NOW));
        assertThat(e).as("expected a rejection of %s", body).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        return e;
    }

    private static String job(String extra) {
        return JOB.substring(0, JOB.length() - 1) + "," + extra + "}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            messages            | "messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":"c"}] | array_above_max_length | messages | max_messages_per_job | 2
            custom_id           | "custom_id":"abcdef"                        | string_above_max_length | custom_id     | max_custom_id_chars      | 5
            metadata pairs      | "metadata":{"a":"1","b":"2","c":"3"}        | array_above_max_length  | metadata      | max_metadata_pairs       | 2
            metadata key        | "metadata":{"abcd":"1"}                     | string_above_max_length | metadata      | max_metadata_key_chars   | 3
            metadata value      | "metadata":{"a":"12345"}                    | string_above_max_length | metadata.a    | max_metadata_value_chars | 4
            tags count          | "tags":["a","b","c"]                        | array_above_max_length  | tags          | max_tags                 | 2
            tag length          | "tags":["a","abcd"]                         | string_above_max_length | tags[1]       | max_tag_chars            | 3
            """)
    void eachPerJobLimitNamesItselfAndItsValue(String name, String field, String code, String param, String key,
                                                int value) {
        String body = field.startsWith("\"messages\"")
                ? "{\"model\":\"g\"," + field + "}" : job(field);
        ApiException e = reject(body, "application/json");
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.param()).isEqualTo(param);
        assertThat(e.getMessage()).contains("llmq.ingest.limits." + key).contains("limit is " + value);
    }

    @Test
    void atTheLimitsAJobIsAccepted() {
        String body = "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\","
                + "\"content\":\"b\"}],\"custom_id\":\"abcde\",\"metadata\":{\"abc\":\"1234\",\"b\":\"\"},"
                + "\"tags\":[\"abc\",\"d\"]}";
        assertThat(parser.parse(body.getBytes(StandardCharsets.UTF_8), null, NOW).jobs()).hasSize(1);
    }

    @Test
    void tooManyJobsStopsAtTheFirstOneTooMany() {
        String four = String.join(",", Collections.nCopies(4, JOB));
        // the fifth element is broken: reading stops before it, so the error is the count, not the syntax
        ApiException array = reject("[" + four + ",{broken", "application/json");
        assertThat(array.code()).isEqualTo("too_many_jobs");
        assertThat(array.param()).isNull();
        assertThat(array.getMessage()).contains("3").contains("llmq.ingest.limits.max_jobs_per_submission");
        ApiException ndjson = reject(String.join("\n", Collections.nCopies(4, JOB)) + "\n{broken",
                "application/x-ndjson");
        assertThat(ndjson.code()).isEqualTo("too_many_jobs");
        assertThat(ndjson.param()).isEqualTo("line 4");
        assertThat(parser.parse(("[" + String.join(",", Collections.nCopies(3, JOB)) + "]")
                .getBytes(StandardCharsets.UTF_8), null, NOW).jobs()).hasSize(3);
    }
}
