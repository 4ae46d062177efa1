package dev.llmq.ingest.internal;

import java.util.Locale;
import java.util.Set;

/**
 * The request content types {@code POST /v1/jobs} takes: JSON ({@code application/json}) and NDJSON under its usual
 * names; {@code POST /v1/batches}, JSON only; a {@code charset} parameter, when given, must be UTF-8. Anything else
 * is a 415.
 */
public final class ContentTypes {

    public static final String JSON = "application/json";
    /** NDJSON's usual name, which llmq writes. */
    public static final String NDJSON_TYPE = "application/x-ndjson";
    static final Set<String> NDJSON = Set.of("application/x-ndjson", "application/ndjson", "application/jsonl",
            "application/x-jsonl", "application/jsonlines", "application/x-jsonlines", "application/json-lines",
            "application/json-seq");
    private static final String JOBS_HINT = "Send 'application/json' (one job or a JSON array of jobs, UTF-8) or"
            + " 'application/x-ndjson' (one job per line); with curl add -H 'Content-Type: application/json'.";

    private ContentTypes() {
    }

    /** Whether the (already accepted) content type is one of NDJSON's; null is JSON. */
    public static boolean isNdjson(String contentType) {
        return contentType != null && NDJSON.contains(mediaType(contentType));
    }

    /** Throws 415 {@code unsupported_media_type} unless {@code contentType} is JSON or NDJSON in UTF-8. */
    public static void requireJsonOrNdjson(String contentType) {
        require(contentType, true, JOBS_HINT);
    }

    /**
     * Throws 415 {@code unsupported_media_type} unless {@code contentType} is JSON in UTF-8.
     *
     * @param body what the body is, for the message ({@code the batch request object})
     */
    public static void requireJson(String contentType, String body) {
        require(contentType, false, "Send 'application/json' (" + body + ", UTF-8); with curl add -H 'Content-Type:"
                + " application/json'.");
    }

    private static void require(String contentType, boolean ndjson, String hint) {
        if (contentType == null || contentType.isBlank()) {
            throw unsupported("the request has no Content-Type", hint);
        }
        String media = mediaType(contentType);
        if (!media.equals(JSON) && !(ndjson && NDJSON.contains(media))) {
            throw unsupported("Content-Type '" + ChatRequestSchema.cut(media) + "' is not supported", hint);
        }
        String[] parts = contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv[0].trim().equalsIgnoreCase("charset")) {
                String charset = kv.length < 2 ? "" : kv[1].trim().replace("\"", "");
                if (!charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
                    throw unsupported("charset '" + ChatRequestSchema.cut(charset) + "' is not supported; send UTF-8",
                            hint);
                }
            }
        }
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static ApiException unsupported(String what, String hint) {
        return new ApiException(415, "invalid_request_error", "unsupported_media_type", "Content-Type", what + ". "
                + hint, "unsupported_media_type");
    }
}
