package dev.llmq.usage.internal;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * The aggregator's {@code x-request-id}: a new {@code req_} and 32 hex digits on every answer, as the ingest API (and
 * OpenAI's API) gives its own, so that OpenAI's SDKs pointed straight at an aggregator fill {@code _request_id} and
 * a client's report can be matched with an aggregator's log. A caller's own {@code x-request-id} is taken only from a
 * caller presenting the internal key (the ingest forwarding a user's question with the id its answer and log carry),
 * and only in the ingest's form, so one id names the question in both logs; any other caller's is not: an id a client
 * made up could name another answer. The ingest has its own twin (no module dependency between the two roles).
 */
public final class RequestIds {

    /** The response header. */
    public static final String HEADER = "x-request-id";
    private static final HexFormat HEX = HexFormat.of();
    /** The form of {@link #next()}'s ids, and of the ingest's. */
    private static final Pattern FORM = Pattern.compile("req_[0-9a-f]{32}");

    private RequestIds() {
    }

    /** A new id. */
    public static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "req_" + HEX.toHexDigits(random.nextLong()) + HEX.toHexDigits(random.nextLong());
    }

    /**
     * A Jetty customizer that gives every request Jetty could parse its id before any handler runs, so the routes,
     * Javalin's errors and {@link JsonErrorHandler}'s answers all carry it: the request's own {@value #HEADER} when
     * {@code trusted} accepts its {@code Authorization} header and the id has the form of {@link #next()}'s, else a
     * new one.
     *
     * @param trusted whether an {@code Authorization} value (or null) presents the internal key
     */
    public static HttpConfiguration.Customizer customizer(Predicate<String> trusted) {
        return (request, responseHeaders) -> {
            String asked = request.getHeaders().get(HEADER);
            boolean take = asked != null && FORM.matcher(asked).matches()
                    && trusted.test(request.getHeaders().get(HttpHeader.AUTHORIZATION));
            responseHeaders.put(HEADER, take ? asked : next());
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
