package dev.llmq.ingest.internal;

import java.util.HexFormat;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Gives every HTTP response an {@code x-request-id} ({@link ResponseHeaders#REQUEST_ID}): {@code req_} and 32 hex
 * digits, new for each request, as OpenAI's API does, so that OpenAI's SDKs fill {@code _request_id} and
 * {@code error.requestID}, and a client's report can be found in the ingest's log. A Jetty customizer: it runs for
 * every request Jetty could parse, before any handler, so routes, Javalin's errors and Jetty's own error pages all
 * carry it; {@link JsonErrorHandler} gives one to the answers of requests Jetty could not parse.
 */
public final class RequestIds implements HttpConfiguration.Customizer {

    private static final HexFormat HEX = HexFormat.of();

    private final LongSupplier random;

    /** @param random 64 random bits per call, safe to call from any thread */
    public RequestIds(LongSupplier random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /** A new request id. */
    public String next() {
        return "req_" + HEX.toHexDigits(random.getAsLong()) + HEX.toHexDigits(random.getAsLong());
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        responseHeaders.put(ResponseHeaders.REQUEST_ID, next());
        return request;
    }
}
