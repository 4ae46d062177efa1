package dev.llmq.provider.internal;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A base64 {@code data:} URL as OpenAI clients send images ({@code data:image/png;base64,iVBOR...}), split into its
 * media type and payload for providers that want them apart (Anthropic's base64 image source, Gemini's
 * {@code inlineData}).
 *
 * @param mediaType the media type, lower case ({@code image/png})
 * @param base64 the payload, still base64-encoded
 */
public record DataUrl(String mediaType, String base64) {

    public DataUrl {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(base64, "base64");
    }

    /** The parts of a base64 data URL, or empty when {@code url} is not one. */
    public static Optional<DataUrl> parse(String url) {
        if (url == null || !url.regionMatches(true, 0, "data:", 0, 5)) {
            return Optional.empty();
        }
        int comma = url.indexOf(',');
        if (comma < 0) {
            return Optional.empty();
        }
        String meta = url.substring(5, comma);
        String[] fields = meta.split(";");
        boolean base64 = false;
        for (int i = 1; i < fields.length; i++) {
            base64 |= "base64".equalsIgnoreCase(fields[i].strip());
        }
        String type = fields.length == 0 ? "" : fields[0].strip().toLowerCase(Locale.ROOT);
        if (!base64 || type.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DataUrl(type, url.substring(comma + 1)));
    }

    /** A media type guessed from a URL's file extension, or null. */
    public static String guessMediaType(String url) {
        String path = url.toLowerCase(Locale.ROOT);
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        if (path.endsWith(".png")) {
            return "image/png";
        }
        if (path.endsWith(".jpg") || path.endsWith(".jpeg")) {
            return "image/jpeg";
        }
        if (path.endsWith(".webp")) {
            return "image/webp";
        }
        if (path.endsWith(".gif")) {
            return "image/gif";
        }
        if (path.endsWith(".heic")) {
            return "image/heic";
        }
        if (path.endsWith(".pdf")) {
            return "application/pdf";
        }
        return null;
    }
}
