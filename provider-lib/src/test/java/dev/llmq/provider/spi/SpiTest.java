package dev.llmq.provider.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderException;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpiTest {

    static ObjectNode body(String json) throws IOException {
        return (ObjectNode) Json.mapper().readTree(json);
    }

    @Test
    void unsupportedParametersFailNamingThemOrAreDroppedAndRecorded() throws IOException {
        ParameterSupport s = ParameterSupport.denying("logprobs", "logit_bias").denyingValues("n", v -> v.asInt() != 1);
        assertThat(s.apply(body("{\"n\":1,\"logprobs\":null,\"x\":1}"), false, "p")).isEmpty();
        assertThatThrownBy(() -> s.apply(body("{\"n\":2}"), false, "groq"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("n");
                    assertThat(e.error().httpStatus()).isEqualTo(400);
                }).hasMessageContaining("groq does not support the parameter 'n'");
        ObjectNode b = body("{\"logit_bias\":{\"1\":1},\"n\":3,\"logprobs\":true,\"temperature\":1}");
        assertThatThrownBy(() -> s.apply(b.deepCopy(), false, "p")).hasMessageContaining("[logit_bias, n, logprobs]");
        assertThat(s.apply(b, true, "p")).containsExactly("dropped:logit_bias", "dropped:n", "dropped:logprobs");
        assertThat(b.fieldNames()).toIterable().containsExactly("temperature");
    }

    @Test
    void allowListMakesEveryOtherParameterUnsupported() throws IOException {
        ParameterSupport s = new ParameterSupport(java.util.Map.of(), java.util.Set.of("model", "messages"));
        assertThat(s.apply(body("{\"model\":\"m\",\"messages\":[],\"seed\":1}"), true, "p")).containsExactly("dropped:seed");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "key sk-proj-abcdefghijklmnop end|key sk-*** end",
            "Authorization: Bearer abc.def.ghi|Authorization: ***",
            "token Bearer abc.def.ghi here|token Bearer *** here",
            "{\"api_key\":\"secret123\"}|{\"api_key\":\"***\"}",
            "https://x/y?key=AIzaSyA1234567890123456789012345&alt=sse|https://x/y?key=***&alt=sse",
            "x-api-key=sk-ant-api03-abcdefgh|x-api-key=***",
            "nothing secret here|nothing secret here"})
    void redactsSecrets(String in, String out) {
        assertThat(Redaction.redact(in, null)).isEqualTo(out);
    }

    @Test
    void redactsTheKnownSecretAnywhere() {
        assertThat(Redaction.snippet("the key was my-custom-key-value!", "my-custom-key-value")).isEqualTo("the key was [REDACTED]!");
        assertThat(Redaction.snippet((byte[]) null, null)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "-", value = {"1s, PT1S", "6m0s, PT6M", "20ms, PT0.02S", "1h2m3.5s, PT1H2M3.5S", "0.5s, PT0.5S",
            "abc, -", "5, -", "1s2x, -"})
    void goDurations(String raw, Duration expected) {
        assertThat(RetryHints.goDuration(raw).orElse(null)).isEqualTo(expected);
    }
}
