package dev.llmq.provider.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The deployment's key leaves no form behind: whole, encoded, cut, or masked the way OpenAI masks it. */
class RedactionTest {

    static final String KEY = "sk-proj-Zq8v3LmN0pXr7TbY2wKd5HsJ9uFe1GcA";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "Incorrect API key provided: %s. You can find your API key at https://platform.openai.com.",
            "Incorrect API key provided: sk-proj-********************************1GcA.",
            "Incorrect API key provided: sk-pr**********1GcA",
            "key ending ****1GcA was revoked",
            "invalid x-api-key: sk-proj-Zq8v3LmN0pX (truncated)",
            "tail of key: Kd5HsJ9uFe1GcA",
            "https://host/v1beta/models/m:generateContent?key=%s&alt=sse",
            "{\"error\":{\"message\":\"API key not valid\",\"details\":[{\"key\":\"%s\"}]}}"})
    void everyFormOfTheKeyIsScrubbed(String template) {
        String text = template.formatted(KEY);
        String scrubbed = Redaction.redact(text, KEY);
        assertThat(scrubbed).doesNotContain(KEY).doesNotContain("Zq8v3LmN").doesNotContain("1GcA")
                .containsAnyOf(Redaction.REDACTED, "***");
        assertThat(Redaction.revealsSecret(text, KEY)).isTrue();
        assertThat(Redaction.revealsSecret(scrubbed, KEY)).isFalse();
    }

    @Test
    void encodedFormsAreScrubbed() {
        String key = "k3y+with/odd=chars&more-0123456789";
        String url = URLEncoder.encode(key, StandardCharsets.UTF_8);
        String b64 = Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
        String basic = Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)).replace("=", "");
        for (String form : new String[] {url, b64, basic}) {
            assertThat(Redaction.scrubSecret("x " + form + " y", key)).isEqualTo("x " + Redaction.REDACTED + " y");
        }
    }

    @Test
    void textWithoutTheKeyIsLeftAlone() {
        String text = "The server had an error ** processing your request (sk-other****abcd). Sorry about that!";
        assertThat(Redaction.scrubSecret(text, KEY)).isEqualTo(text);
        assertThat(Redaction.scrubSecret(null, KEY)).isNull();
        assertThat(Redaction.scrubSecret(text, null)).isEqualTo(text);
        assertThat(Redaction.scrubSecret("short key abc here", "abc")).isEqualTo("short key [REDACTED] here");
    }

    /** A placeholder key (k, test) is scrubbed where it stands alone, never inside a word of the message. */
    @Test
    void aShortKeyIsScrubbedOnlyWhereItStandsAlone() {
        assertThat(Redaction.scrubSecret("Expected `thinking` to draw on key k (not kk), k.", "k"))
                .isEqualTo("Expected `thinking` to draw on key [REDACTED] (not kk), [REDACTED].");
        assertThat(Redaction.scrubSecret("Incorrect API key provided: test; contest over, dGVzdA==", "test"))
                .isEqualTo("Incorrect API key provided: [REDACTED]; contest over, [REDACTED]");
    }

    @Property(tries = 200)
    void anyRunOfEightOrMoreCharactersOfTheKeyIsScrubbed(@ForAll @AlphaChars @NumericChars @StringLength(min = 16,
            max = 80) String key, @ForAll @IntRange(min = 0, max = 72) int from, @ForAll @IntRange(min = 8, max = 80)
            int length, @ForAll @StringLength(max = 40) String before, @ForAll @StringLength(max = 40) String after) {
        int start = Math.min(from, key.length() - 8);
        String fragment = key.substring(start, Math.min(key.length(), start + length));
        String scrubbed = Redaction.scrubSecret(before + fragment + after, key);
        assertThat(scrubbed).doesNotContain(fragment);
        assertThat(Redaction.revealsSecret(scrubbed, key)).isFalse();
    }
}
