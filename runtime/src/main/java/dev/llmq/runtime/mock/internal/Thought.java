package dev.llmq.runtime.mock.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The reasoning the mock answers with when a request turns thinking on (Anthropic {@code thinking}, Gemini
 * {@code includeThoughts}, an OpenAI reasoning model): {@link #WORDS} words drawn from the reply's seed, one word a
 * stream piece, and a signature standing in for the provider's (opaque base64; the mock checks none it gets back).
 *
 * @param tokens the thinking's output tokens (a word is a token), billed on top of the answer's
 */
record Thought(String text, List<String> pieces, int tokens, String signature) {

    static final int WORDS = 12;

    /** Kept apart from the answer's words, which come from the seed itself. */
    private static final long SALT = 0x7468696E6B696E67L;

    static Thought of(long seed) {
        String text = String.join(" ", TextGenerator.words(seed ^ SALT, WORDS));
        String signature = Base64.getEncoder().encodeToString(("llmq-mock-thought:" + Long.toHexString(seed))
                .getBytes(StandardCharsets.UTF_8));
        return new Thought(text, TextGenerator.pieces(text), WORDS, signature);
    }
}
