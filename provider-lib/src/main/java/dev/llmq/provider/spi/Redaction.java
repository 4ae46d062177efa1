package dev.llmq.provider.spi;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes short, secret-free snippets of provider bodies for errors and logs.
 *
 * <p>Two layers. Patterns mask anything shaped like a credential (bearer tokens, {@code sk-…}, {@code AIza…}, key
 * fields and query parameters) with {@code ***}. The deployment's own key ({@code knownSecret}) is replaced by
 * {@value #REDACTED} in every form a provider or the JDK may echo it: whole, URL-encoded, base64, any run of
 * {@value #MIN_FRAGMENT} or more of its characters (a truncated echo, a key cut by a line break), and OpenAI's masked
 * form ({@code sk-ab****wxyz}: a run of {@code *} joined to the key's first or last characters). Eight characters
 * of a random key are about 48 bits, which no unrelated text matches by chance; the four characters OpenAI shows
 * beside its mask are scrubbed with the mask, not on their own, so ordinary words are never touched.
 */
public final class Redaction {

    /** Longest snippet kept, in characters. */
    public static final int MAX_SNIPPET = 512;
    /** What replaces the known secret and its partial forms. */
    public static final String REDACTED = "[REDACTED]";
    /** Shortest run of the known secret's characters that is scrubbed on its own. */
    public static final int MIN_FRAGMENT = 8;

    private static final String MASK = "***";
    private static final Pattern MASKED_TOKEN = Pattern.compile("([A-Za-z0-9_-]*)\\*{2,}([A-Za-z0-9_-]*)");
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
        String s = scrubSecret(text, knownSecret);
        s = KEY_FIELD.matcher(s).replaceAll("$1" + MASK);
        s = BEARER.matcher(s).replaceAll("$1" + MASK);
        s = ANTHROPIC_KEY.matcher(s).replaceAll("sk-ant-" + MASK);
        s = OPENAI_KEY.matcher(s).replaceAll("$1-" + MASK);
        s = GOOGLE_KEY.matcher(s).replaceAll("AIza" + MASK);
        s = KEY_QUERY.matcher(s).replaceAll("$1" + MASK);
        return s;
    }

    /**
     * {@code text} with {@code secret} replaced by {@value #REDACTED} in every form the class comment lists; a
     * secret shorter than {@value #MIN_FRAGMENT} characters is replaced only whole and where it stands alone (not
     * inside a word). Null in, null out.
     */
    public static String scrubSecret(String text, String secret) {
        if (text == null || secret == null || secret.isBlank() || text.isEmpty()) {
            return text;
        }
        boolean shortSecret = secret.length() < MIN_FRAGMENT;
        String s = replaceWhole(text, secret, shortSecret);
        String urlEncoded = URLEncoder.encode(secret, StandardCharsets.UTF_8);
        if (!urlEncoded.equals(secret)) {
            s = replaceWhole(s, urlEncoded, shortSecret);
        }
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        s = replaceWhole(s, Base64.getEncoder().encodeToString(bytes), shortSecret);
        s = replaceWhole(s, Base64.getEncoder().withoutPadding().encodeToString(bytes), shortSecret);
        s = scrubMasked(s, secret);
        return shortSecret ? s : scrubFragments(s, secret);
    }

    /**
     * Replaces {@code form} of the secret; for a short secret ({@code standingAlone}: a placeholder such as {@code k}
     * or {@code test}, as configs against a mock or a local server carry) only where it stands alone, not inside a
     * word: replaced everywhere, {@code k} made every "thinking" in a provider's message "thin[REDACTED]ing".
     */
    private static String replaceWhole(String text, String form, boolean standingAlone) {
        if (!standingAlone) {
            return text.replace(form, REDACTED);
        }
        return Pattern.compile("(?<![A-Za-z0-9])" + Pattern.quote(form) + "(?![A-Za-z0-9])").matcher(text)
                .replaceAll(Matcher.quoteReplacement(REDACTED));
    }

    /** {@code true} when {@code text} holds the secret or any form {@link #scrubSecret} removes. */
    public static boolean revealsSecret(String text, String secret) {
        return text != null && !text.equals(scrubSecret(text, secret));
    }

    /** Replaces every longest run of {@link #MIN_FRAGMENT}+ characters that also occurs in the secret. */
    private static String scrubFragments(String text, String secret) {
        StringBuilder out = null;
        int copied = 0;
        int i = 0;
        while (i <= text.length() - MIN_FRAGMENT) {
            int run = longestRunInSecret(text, i, secret);
            if (run >= MIN_FRAGMENT) {
                if (out == null) {
                    out = new StringBuilder(text.length());
                }
                out.append(text, copied, i).append(REDACTED);
                i += run;
                copied = i;
            } else {
                i++;
            }
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    private static int longestRunInSecret(String text, int at, String secret) {
        int best = 0;
        for (int from = secret.indexOf(text.charAt(at)); from >= 0; from = secret.indexOf(text.charAt(at), from + 1)) {
            int n = 0;
            while (at + n < text.length() && from + n < secret.length() && text.charAt(at + n) == secret.charAt(from + n)) {
                n++;
            }
            best = Math.max(best, n);
        }
        return best;
    }

    /** OpenAI's {@code sk-ab****wxyz}: a mask joined to at least two of the key's first or last characters. */
    private static String scrubMasked(String text, String secret) {
        if (text.indexOf('*') < 0) {
            return text;
        }
        Matcher m = MASKED_TOKEN.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            String head = m.group(1);
            String tail = m.group(2);
            boolean fromKey = head.length() >= 2 && secret.startsWith(head)
                    || tail.length() >= 2 && secret.endsWith(tail);
            m.appendReplacement(out, Matcher.quoteReplacement(fromKey ? REDACTED : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }
}
