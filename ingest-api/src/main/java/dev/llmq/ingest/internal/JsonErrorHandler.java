package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers (a malformed request line or header, a URI or headers too large, an ambiguous path, a body
 * over a limit) in OpenAI's error shape with {@code application/json}, whatever the method and whatever the client
 * accepts: never an HTML page, never a stack trace. Set on the server and on the servlet context.
 */
public final class JsonErrorHandler extends ErrorHandler {

    private static final String JSON = "application/json";

    private final ObjectMapper mapper;
    private final RequestIds requestIds;

    /** @param requestIds the ids of answers to requests that got none before (Jetty could not parse them) */
    public JsonErrorHandler(ObjectMapper mapper, RequestIds requestIds) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.requestIds = Objects.requireNonNull(requestIds, "requestIds");
        setShowStacks(false);
        setShowCauses(false);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        Object message = request.getAttribute(ERROR_MESSAGE);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
        response.getHeaders().put(ERROR_CACHE_CONTROL);
        requestId(response.getHeaders());
        ApiException e = error(status, message instanceof String s ? s : null);
        if (e.retryFutile()) {
            response.getHeaders().put(ResponseHeaders.SHOULD_RETRY, "false");
        }
        response.write(true, ByteBuffer.wrap(ErrorBodies.render(mapper, e)), callback);
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, JSON);
        requestId(fields);
        ApiException e = error(status, reason);
        if (e.retryFutile()) {
            fields.put(ResponseHeaders.SHOULD_RETRY, "false");
        }
        return ByteBuffer.wrap(ErrorBodies.render(mapper, e));
    }

    private void requestId(HttpFields.Mutable fields) {
        if (!fields.contains(ResponseHeaders.REQUEST_ID)) {
            fields.put(ResponseHeaders.REQUEST_ID, requestIds.next());
        }
    }

    private static ApiException error(int status, String message) {
        return ApiException.http(status, message == null ? null : ChatRequestSchema.cut(message));
    }
}
