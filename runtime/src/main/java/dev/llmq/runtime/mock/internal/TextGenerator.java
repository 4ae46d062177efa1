package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic reply text and the mock's token arithmetic, shared by every protocol.
 *
 * <p>A "token" is a whitespace-separated word. Prompt tokens are counted as
 * {@code 3 + words(text)} per message plus 3 for the reply, where a message's text is its string
 * content or the {@code text} of its content parts (system prompts given apart count as a message).
 */
public final class TextGenerator {

    private static final String[] WORDS = {
        "the", "queue", "broker", "token", "stream", "model", "answer", "kafka", "record", "offset",
        "partition", "worker", "batch", "latency", "retry", "budget", "route", "deployment", "result", "chunk",
        "prompt", "reply", "mock", "fast", "steady", "quiet", "bright", "clear", "simple", "exact",
        "and", "with", "from", "into", "over", "under", "after", "before", "while", "because",
        "job", "topic", "cluster", "leader", "replica", "commit", "producer", "consumer", "group", "event",
        "river", "stone", "cloud", "light", "north", "garden", "signal", "window", "bridge", "harbor",
        "seven", "eleven", "twelve", "forty",
    };

    private TextGenerator() {
    }

    /** A seed from the request's content: the same messages and model give the same reply. */
    public static long seedOf(String model, JsonNode messages) {
        String text;
        try {
            // the same text as the messages' toString(), written with the mock's pooled buffers (toString() takes
            // Jackson's per-thread ones), so a request's reply text stays what it was
            text = messages == null ? "null" : MockJson.mapper().writeValueAsString(messages);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        long h = 0xcbf29ce484222325L;
        for (byte b : (model + "\u0000" + text).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return MockEngine.mix(h);
    }

    /** {@code count} words from {@code seed}; choice {@code i} of a request uses {@code seed + i}. */
    public static List<String> words(long seed, int count) {
        List<String> out = new ArrayList<>(count);
        long x = seed;
        for (int i = 0; i < count; i++) {
            x = MockEngine.mix(x + 0x9E3779B97F4A7C15L);
            out.add(WORDS[(int) Long.remainderUnsigned(x, WORDS.length)]);
        }
        return out;
    }

    /**
     * The words of {@code text} stripped of {@link Character#isWhitespace} at both ends: its runs of characters other
     * than the regex class {@code \s} ({@code [ \t\n\x0B\f\r]}), as {@code text.strip().split("\\s+")} counts them,
     * in one pass (the regex split was half of the mock's CPU per chat call).
     */
    public static int wordCount(String text) {
        if (text == null) {
            return 0;
        }
        int from = 0;
        int to = text.length();
        while (from < to && Character.isWhitespace(text.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(text.charAt(to - 1))) {
            to--;
        }
        int words = 0;
        boolean inWord = false;
        for (int i = from; i < to; i++) {
            boolean space = isRegexSpace(text.charAt(i));
            if (!space && !inWord) {
                words++;
            }
            inWord = !space;
        }
        return words;
    }

    private static boolean isRegexSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /** Text of a message: string content, or the {@code text} fields of its content parts. */
    public static String textOf(JsonNode content) {
        if (content == null || content.isNull() || content.isMissingNode()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                JsonNode text = part.isTextual() ? part : part.get("text");
                if (text != null && text.isTextual()) {
                    sb.append(' ').append(text.asText());
                }
            }
            return sb.toString();
        }
        return "";
    }

    /** {@code sum over messages of (3 + words(content))} + 3. */
    public static int promptTokens(List<String> messageTexts) {
        int total = 3;
        for (String t : messageTexts) {
            total += 3 + wordCount(t);
        }
        return total;
    }

    /** Splits text into stream pieces whose concatenation is the text: one word with its leading space each. */
    public static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) == ' ' && text.charAt(i - 1) != ' ') {
                out.add(text.substring(start, i));
                start = i;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }
}
