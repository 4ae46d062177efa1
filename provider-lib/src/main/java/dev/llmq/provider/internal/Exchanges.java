package dev.llmq.provider.internal;

import dev.llmq.provider.Abort;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.spi.WireCall;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpHeaders;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a {@link WireCall} and waits for the response head. The call's deadline is the exchange's own timeout, which
 * Jetty keeps (one timer per connection, not one per call) and which fails the exchange, head or body, when it passes:
 * the waits here and in {@link BodyQueue#next()} need no timeout of their own (a stream's idle timeout is its
 * {@link IdleWatch}'s). A timed wait on a virtual thread costs a timer set and cancelled on the JDK's timer thread for
 * every call.
 */
final class Exchanges {

    private static final Logger LOG = LoggerFactory.getLogger(Exchanges.class);

    /** Headers a call may not set: the client writes them itself. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection");

    private final HttpClient http;

    Exchanges(HttpClient http) {
        this.http = http;
    }

    /**
     * An exchange whose head arrived; closing it aborts the body if it was not read to the end. An {@link Abort} while
     * it is open closes the body from the aborting thread; the reader's next read throws
     * {@link BodyQueue.AbortedException}.
     */
    record Open(int status, HttpHeaders headers, BodyQueue body, Runnable unwatch) implements AutoCloseable {
        @Override
        public void close() {
            unwatch.run();
            body.close();
        }
    }

    /**
     * Sends the call and waits for the response head. An {@link Abort} aborts the exchange (closing the connection
     * of an HTTP/1.1 exchange, resetting an HTTP/2 stream) and makes this throw the abort's error.
     *
     * <p>A call whose connection is closed before any answer arrives is sent once more, on another connection: a
     * pooled connection the server closed while idle (its keep-alive timeout; vLLM's uvicorn keeps 5 s) can be handed
     * out just before the client notices. The server took no call on it. The JDK client did the same.
     */
    Open open(WireCall call, ProviderTarget target, boolean stream, Deadline deadline, Abort abort) {
        for (int attempt = 1; ; attempt++) {
            if (abort.aborted()) {
                throw abort.exception(null);
            }
            try {
                return openOnce(call, target, stream, deadline, abort);
            } catch (ClosedBeforeAnswer e) {
                if (attempt > 1 || deadline.remainingNanos() <= 0) {
                    throw transportFailure(e.getCause(), target);
                }
                LOG.debug("provider call {}/{}: connection closed before an answer ({}), sent again",
                        target.provider(), target.model(), e.getCause().toString());
            }
        }
    }

    private Open openOnce(WireCall call, ProviderTarget target, boolean stream, Deadline deadline, Abort abort) {
        long remaining = deadline.remainingNanos();
        if (remaining <= 0) {
            throw noResponse(target, null);
        }
        // Jetty's timeout is in whole milliseconds, and 0 would mean none: rounded up
        Request request = request(call, target, stream).timeout(Math.max(1, (remaining + 999_999) / 1_000_000),
                TimeUnit.MILLISECONDS);
        JettyExchange exchange = new JettyExchange(request);
        exchange.send();
        Response response;
        Runnable unwatch = abort.onAbort(exchange::cancel);
        try {
            response = exchange.head().get();
        } catch (CancellationException e) {
            throw abort.aborted() ? abort.exception(null) : transportFailure(e, target);
        } catch (InterruptedException e) {
            exchange.cancel();
            Thread.currentThread().interrupt();
            throw interrupted(e);
        } catch (ExecutionException e) {
            if (abort.aborted()) {
                throw abort.exception(null);
            }
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (timedOut(cause)) {
                throw noResponse(target, cause);
            }
            if (closedBeforeAnswer(cause)) {
                throw new ClosedBeforeAnswer(cause);
            }
            throw transportFailure(cause, target);
        } finally {
            unwatch.run();
        }
        BodyQueue body = new BodyQueue();
        Runnable unwatchBody = abort.onAbort(body::abort);
        exchange.subscribe(body);
        return new Open(response.getStatus(), headers(response.getHeaders()), body, unwatchBody);
    }

    private static ProviderException noResponse(ProviderTarget target, Throwable cause) {
        return new ProviderException(ProviderError.of(ErrorKind.TIMEOUT,
                "no response within " + seconds(target.timeout())), cause);
    }

    /** The connection ended (end of stream, closed) before the answer's head: the server took no call on it. */
    private static boolean closedBeforeAnswer(Throwable cause) {
        return causedBy(cause, EOFException.class, ClosedChannelException.class);
    }

    /** Whether the exchange timed out: Jetty fails a request past its timeout with a {@link TimeoutException}. */
    static boolean timedOut(Throwable failure) {
        return causedBy(failure, TimeoutException.class);
    }

    /** Whether {@code failure} or one of its causes is of one of {@code types}. */
    @SafeVarargs
    private static boolean causedBy(Throwable failure, Class<? extends Throwable>... types) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@link #openOnce}'s signal that the call may be sent again. */
    private static final class ClosedBeforeAnswer extends RuntimeException {
        ClosedBeforeAnswer(Throwable cause) {
            super(null, cause, false, false);
        }
    }

    private Request request(WireCall call, ProviderTarget target, boolean stream) {
        Map<String, String> set = new LinkedHashMap<>();
        set.put("Accept", stream ? "text/event-stream" : "application/json");
        call.headers().forEach((name, value) -> put(set, name, value));
        target.extraHeaders().forEach((name, value) -> put(set, name, value));
        // no read timeout of the connection's own while the call is open: the engine's deadlines decide
        long idle = Math.max(target.timeout().toMillis(), target.streamIdleTimeout().toMillis()) + 60_000;
        return http.newRequest(call.uri()).method(HttpMethod.POST).idleTimeout(idle, TimeUnit.MILLISECONDS)
                .headers(h -> set.forEach(h::put))
                .body(new BytesRequestContent("application/json", call.body()));
    }

    /**
     * Adds a header after checking it as the JDK client did: a name that is an HTTP token and not one the client
     * writes itself, a value without line breaks or control characters.
     */
    private static void put(Map<String, String> headers, String name, String value) {
        if (!validName(name) || RESTRICTED.contains(name.toLowerCase(Locale.ROOT)) || !validValue(value)) {
            // the value may be the key (a key file's trailing newline): neither it nor the name is quoted
            throw new ProviderException(ProviderError.of(ErrorKind.INVALID_REQUEST,
                    "cannot build the provider request: a header name or value is invalid (does the API key hold a "
                            + "line break or control character?)"));
        }
        headers.keySet().removeIf(name::equalsIgnoreCase);
        headers.put(name, value);
    }

    /** An HTTP token (RFC 9110 {@code tchar}s), by Jetty's own table. */
    private static boolean validName(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 0x7f || !HttpTokens.getToken(c).isRfc2616Token()) {
                return false;
            }
        }
        return true;
    }

    private static boolean validValue(String value) {
        return value != null && HttpTokens.isLegalFieldValue(value);
    }

    /** The response head as the adapters read it (names compared without case). */
    static HttpHeaders headers(HttpFields fields) {
        Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (HttpField f : fields) {
            map.computeIfAbsent(f.getName(), k -> new ArrayList<>(1)).add(f.getValue());
        }
        return HttpHeaders.of(map, (name, value) -> true);
    }

    /** A call interrupted by its caller: cancelled, reported as a timeout (the caller gave up waiting). */
    static ProviderException interrupted(InterruptedException e) {
        return new ProviderException(ProviderError.of(ErrorKind.TIMEOUT, "call interrupted and cancelled"), e);
    }

    static ProviderException transportFailure(Throwable cause, ProviderTarget target) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root && !(root instanceof ConnectException)
                && !(root instanceof SocketTimeoutException)) {
            root = root.getCause();
        }
        ErrorKind kind = ErrorKind.CONNECTION_ERROR;
        String message;
        if (root instanceof SocketTimeoutException) {
            message = "connect timed out"; // Jetty's connector, after ProviderHttp.CONNECT_TIMEOUT
        } else if (root instanceof ConnectException) {
            message = "connection refused or failed";
        } else if (root instanceof UnresolvedAddressException || root instanceof java.net.UnknownHostException) {
            message = "host not resolved";
        } else if (root instanceof IOException) {
            message = "i/o failure: " + root.getClass().getSimpleName();
        } else {
            message = "request failed: " + root.getClass().getSimpleName();
        }
        return new ProviderException(ProviderError.of(kind, message + " (" + target.provider() + ")"), cause);
    }

    /** A duration as people write it in a message ({@code 2 s}, {@code 1.5 s}), not {@code PT2S}. */
    static String seconds(java.time.Duration d) {
        long millis = d.toMillis();
        return (millis % 1000 == 0 ? Long.toString(millis / 1000) : Double.toString(millis / 1000.0)) + " s";
    }
}
