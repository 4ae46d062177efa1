package dev.llmq.provider.spi;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Makes short, secret-free snippets of provider bodies for errors and logs. */
public final class Redaction {

    /** Longest snippet kept, in characters. */
    public static final int MAX_SNIPPET = 512;

    private static final String MASK = "***";
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+");
    private static final Pattern OPENAI_KEY = Pattern.compile("\\b(sk|rk|pk)-[A-Za-z0-9_-]{6,}");
    private static final Pattern ANTHROPIC_KEY = Pattern.compile("\\bsk-ant-[A-Za-z0-9_-]{6,}");
    private static final Pattern GOOGLE_KEY = Pattern.compile("\\bAIza[0-9A-Za-z_-]{20,}");
    private static final Pattern KEY_FIELD = Pattern.compile(
            "(?i)(\"?(?:api[-_]?key|x-api-key|x-goog-api-key|authorization|access[-_]?token|secret)\"?\\s*[:=]\\s*\"?)"
                    + "(?:bearer\\s+)?[^\"\\s,&}]+");
    private static final Pattern KEY_QUERY = Pattern.compile("(?i)([?&](?:key|api[-_]?key|sig|token)=)[^&\\s\"]+");

    private Redaction() {
    }

    /** The first {@link #MAX_SNIPPET} characters of {@code body} with secrets (and {@code knownSecret}) masked. */
    public static String snippet(byte[] body, String knownSecret) {
        if (body == null || body.length == 0) {
            return null;
        }
        int len = Math.min(body.length, MAX_SNIPPET * 4);
        return snippet(new String(body, 0, len, StandardCharsets.UTF_8), knownSecret);
    }

    public static String snippet(String body, String knownSecret) {
        if (body == null || body.isEmpty()) {
            return null;
        }
        String s = redact(body, knownSecret).strip();
        return s.length() <= MAX_SNIPPET ? s : s.substring(0, MAX_SNIPPET) + "…";
    }

    /** {@code text} with API keys, bearer tokens, key fields and key query parameters masked. */
    public static String redact(String text, String knownSecret) {
        String s = text;
        if (knownSecret != null && knownSecret.length() >= 4) {
            s = s.replace(knownSecret, MASK);
        }
        s = KEY_FIELD.matcher(s).replaceAll("$1" + MASK);
        s = BEARER.matcher(s).replaceAll("$1" + MASK);
        s = ANTHROPIC_KEY.matcher(s).replaceAll("sk-ant-" + MASK);
        s = OPENAI_KEY.matcher(s).replaceAll("$1-" + MASK);
        s = GOOGLE_KEY.matcher(s).replaceAll("AIza" + MASK);
        s = KEY_QUERY.matcher(s).replaceAll("$1" + MASK);
        return s;
    }
}
