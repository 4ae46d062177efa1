package dev.llmq.usage.internal;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * The aggregator's {@code x-request-id}: a new {@code req_} and 32 hex digits on every answer, as the ingest API (and
 * OpenAI's API) gives its own, so that OpenAI's SDKs pointed straight at an aggregator fill {@code _request_id} and a
 * client's report can be matched with an aggregator's log. As at the ingest, a client's own {@code x-request-id} is
 * not taken: an id the client made up could name another answer. The ingest has its own twin (no module dependency
 * between the two roles).
 */
public final class RequestIds {

    /** The response header. */
    public static final String HEADER = "x-request-id";
    private static final HexFormat HEX = HexFormat.of();

    private RequestIds() {
    }

    /** A new id. */
    public static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "req_" + HEX.toHexDigits(random.nextLong()) + HEX.toHexDigits(random.nextLong());
    }

    /**
     * A Jetty customizer that gives every request Jetty could parse its id before any handler runs, so the routes,
     * Javalin's errors and {@link JsonErrorHandler}'s answers all carry it.
     */
    public static HttpConfiguration.Customizer customizer() {
        return (request, responseHeaders) -> {
            responseHeaders.put(HEADER, next());
            return request;
        };
    }

    /** Gives an answer that has no id yet (one to a request Jetty could not parse) a new one. */
    static void addIfNone(HttpFields.Mutable fields) {
        if (!fields.contains(HEADER)) {
            fields.put(HEADER, next());
        }
    }
}
