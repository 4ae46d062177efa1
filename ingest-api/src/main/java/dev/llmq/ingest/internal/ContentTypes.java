package dev.llmq.ingest.internal;

import java.util.Locale;
import java.util.Set;

/**
 * The request content types {@code POST /v1/jobs} takes: JSON ({@code application/json}) and NDJSON under its usual
 * names; a {@code charset} parameter, when given, must be UTF-8. Anything else is a 415.
 */
public final class ContentTypes {

    public static final String JSON = "application/json";
    /** NDJSON's usual name, which llmq writes. */
    public static final String NDJSON_TYPE = "application/x-ndjson";
    static final Set<String> NDJSON = Set.of("application/x-ndjson", "application/ndjson", "application/jsonl",
            "application/x-jsonl", "application/jsonlines", "application/x-jsonlines", "application/json-lines",
            "application/json-seq");

    private ContentTypes() {
    }

    /** Whether the (already accepted) content type is one of NDJSON's; null is JSON. */
    public static boolean isNdjson(String contentType) {
        return contentType != null && NDJSON.contains(mediaType(contentType));
    }

    /** Throws 415 {@code unsupported_media_type} unless {@code contentType} is JSON or NDJSON in UTF-8. */
    public static void requireJsonOrNdjson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw unsupported("the request has no Content-Type");
        }
        String media = mediaType(contentType);
        if (!media.equals(JSON) && !NDJSON.contains(media)) {
            throw unsupported("Content-Type '" + ChatRequestSchema.cut(media) + "' is not supported");
        }
        String[] parts = contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv[0].trim().equalsIgnoreCase("charset")) {
                String charset = kv.length < 2 ? "" : kv[1].trim().replace("\"", "");
                if (!charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
                    throw unsupported("charset '" + ChatRequestSchema.cut(charset) + "' is not supported; send UTF-8");
                }
            }
        }
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static ApiException unsupported(String what) {
        return new ApiException(415, "invalid_request_error", "unsupported_media_type", "Content-Type", what
                + ". Send 'application/json' (one job or a JSON array of jobs, UTF-8) or 'application/x-ndjson'"
                + " (one job per line); with curl add -H 'Content-Type: application/json'.", "unsupported_media_type");
    }
}
