package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ContentTypesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            application/json                        | false
            Application/JSON; charset=UTF-8          | false
            application/json;charset="utf-8"        | false
            application/json; boundary=x            | false
            application/x-ndjson                    | true
            application/jsonl; charset=utf-8        | true
            application/json-lines                  | true
            application/x-jsonlines                 | true
            """)
    void jsonAndNdjsonInUtf8AreAccepted(String contentType, boolean ndjson) {
        assertThatCode(() -> ContentTypes.requireJsonOrNdjson(contentType)).doesNotThrowAnyException();
        assertThat(ContentTypes.isNdjson(contentType)).isEqualTo(ndjson);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"text/plain", "application/xml", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "application/json; charset=iso-8859-1", "application/json; charset=",
            "application/x-ndjson; charset=utf-16", "application/jsonx", "text/json"})
    void anythingElseIs415NamingWhatIsAccepted(String contentType) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> ContentTypes.requireJsonOrNdjson(contentType));
        assertThat(e.status()).isEqualTo(415);
        assertThat(e.code()).isEqualTo("unsupported_media_type");
        assertThat(e.param()).isEqualTo("Content-Type");
        assertThat(e.getMessage()).contains("application/json").contains("application/x-ndjson")
                .contains("-H 'Content-Type: application/json'");
    }
}
