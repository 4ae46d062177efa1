package dev.llmq.usage.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.llmq.schemas.Json;
import dev.llmq.usage.UsageApiException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers on the aggregator's port (a malformed request line or header, bad percent-encoding, a URI
 * or headers too large, an unsupported HTTP version) as {@link UsageApiException#http} bodies with
 * {@code application/json}: never an HTML page, never a stack trace, and with an {@code x-request-id}
 * ({@link RequestIds}) as every other answer. The ingest API has its own twin (no module
 * dependency between the two roles).
 */
public final class JsonErrorHandler extends ErrorHandler {

    private static final String JSON = "application/json";

    public JsonErrorHandler() {
        setShowStacks(false);
        setShowCauses(false);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Object message = request.getAttribute(ERROR_MESSAGE);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
        response.getHeaders().put(ERROR_CACHE_CONTROL);
        RequestIds.addIfNone(response.getHeaders());
        response.write(true, ByteBuffer.wrap(body(response.getStatus(), message instanceof String s ? s : null)),
                callback);
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, JSON);
        RequestIds.addIfNone(fields);
        return ByteBuffer.wrap(body(status, reason));
    }

    static byte[] body(int status, String message) {
        try {
            return Json.mapper().writeValueAsBytes(UsageApiException.http(status, message).body());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
