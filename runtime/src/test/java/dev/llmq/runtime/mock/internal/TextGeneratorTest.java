package dev.llmq.runtime.mock.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextGeneratorTest {

    @Test
    void wordsAreDeterministicPerSeedAndCount() {
        assertThat(TextGenerator.words(5, 20)).isEqualTo(TextGenerator.words(5, 20)).hasSize(20);
        assertThat(TextGenerator.words(5, 20)).isNotEqualTo(TextGenerator.words(6, 20));
        assertThat(TextGenerator.words(5, 8)).isEqualTo(TextGenerator.words(5, 20).subList(0, 8));
        assertThat(TextGenerator.words(5, 0)).isEmpty();
    }

    @Test
    void piecesConcatenateBackToTheText() {
        for (String text : List.of("", "one", "one two three", "{\"a\": \"b c\", \"n\": 3}", "  lead  and trail  ")) {
            assertThat(String.join("", TextGenerator.pieces(text))).isEqualTo(text);
        }
        assertThat(TextGenerator.pieces("a b c")).containsExactly("a", " b", " c");
    }

    @Test
    void wordCountCountsAsStripAndARegexSplitDo() {
        char[] alphabet = {'a', 'b', ' ', '\t', '\n', '\u000B', '\f', '\r', '\u001C', '\u00A0', '\u2003', '\u3000'};
        java.util.Random random = new java.util.Random(42);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(12); i > 0; i--) {
                text.append(alphabet[random.nextInt(alphabet.length)]);
            }
            String t = text.toString();
            String stripped = t.strip();
            int expected = stripped.isEmpty() ? 0 : stripped.split("\\s+").length;
            assertThat(TextGenerator.wordCount(t)).as("words of \"%s\"", t).isEqualTo(expected);
        }
        assertThat(TextGenerator.wordCount(null)).isZero();
        assertThat(TextGenerator.wordCount(" one\ttwo\n three ")).isEqualTo(3);
    }

    @Test
    void promptTokensAreThreePerMessagePlusWordsPlusThree() throws Exception {
        var messages = new ObjectMapper().readTree("[{\"role\":\"user\",\"content\":\"hi there\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a b c\"},{\"type\":\"image_url\"}]},"
                + "{\"role\":\"assistant\",\"content\":null}]");
        List<String> texts = new java.util.ArrayList<>();
        messages.forEach(m -> texts.add(TextGenerator.textOf(m.get("content"))));
        assertThat(TextGenerator.promptTokens(texts)).isEqualTo(3 + (3 + 2) + (3 + 3) + 3);
    }

    @Test
    void seedDependsOnModelAndMessages() throws Exception {
        var m1 = new ObjectMapper().readTree("[{\"role\":\"user\",\"content\":\"x\"}]");
        var m2 = new ObjectMapper().readTree("[{\"role\":\"user\",\"content\":\"y\"}]");
        assertThat(TextGenerator.seedOf("a", m1)).isEqualTo(TextGenerator.seedOf("a", m1))
                .isNotEqualTo(TextGenerator.seedOf("b", m1))
                .isNotEqualTo(TextGenerator.seedOf("a", m2));
    }

    @Test
    void seedIsTakenFromTheMessagesJsonTextAsBefore() throws Exception {
        // the seed was FNV-1a over model, NUL and the messages' toString() in UTF-8: replies must stay the same text
        for (String json : List.of("[{\"role\":\"user\",\"content\":\"x\"}]",
                "[{\"role\":\"user\",\"content\":\"caf\u00e9 \u00fcber \ud83d\ude80 \\\"quoted\\\" \\n line\"}]",
                "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a b\"}],\"n\":1.5e3}]")) {
            var messages = new ObjectMapper().readTree(json);
            long h = 0xcbf29ce484222325L;
            for (byte b : ("gpt-4o\u0000" + messages).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                h ^= b & 0xff;
                h *= 0x100000001b3L;
            }
            assertThat(TextGenerator.seedOf("gpt-4o", messages)).as(json).isEqualTo(MockEngine.mix(h));
        }
    }
}
