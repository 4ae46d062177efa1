package dev.llmq.provider.internal;

import dev.llmq.provider.Abort;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.spi.WireCall;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Sends a {@link WireCall} and waits for the response head within the call's deadline. */
final class Exchanges {

    private final HttpClient http;

    Exchanges(HttpClient http) {
        this.http = http;
    }

    /**
     * An exchange whose head arrived; closing it aborts the body if it was not read to the end. An {@link Abort} while
     * it is open closes the body from the aborting thread; the reader's next read throws
     * {@link BodyQueue.AbortedException}.
     */
    record Open(HttpResponse<Flow.Publisher<List<ByteBuffer>>> response, BodyQueue body, Runnable unwatch)
            implements AutoCloseable {
        @Override
        public void close() {
            unwatch.run();
            body.close();
        }
    }

    /**
     * Sends the call and waits for the response head. An {@link Abort} cancels the exchange (JDK 16+: cancelling
     * {@code sendAsync}'s future closes the connection of an HTTP/1.1 exchange and resets an HTTP/2 stream) and
     * makes this throw the abort's error.
     */
    Open open(WireCall call, ProviderTarget target, boolean stream, Deadline deadline, Abort abort) {
        if (abort.aborted()) {
            throw abort.exception(null);
        }
        HttpRequest request = request(call, target, stream);
        CompletableFuture<HttpResponse<Flow.Publisher<List<ByteBuffer>>>> future =
                http.sendAsync(request, HttpResponse.BodyHandlers.ofPublisher());
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response;
        Runnable unwatch = abort.onAbort(() -> future.cancel(true));
        try {
            response = future.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        } catch (CancellationException e) {
            throw abort.aborted() ? abort.exception(null) : transportFailure(e, target);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new ProviderException(ProviderError.of(ErrorKind.TIMEOUT,
                    "no response within " + target.timeout()), e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw interrupted(e);
        } catch (ExecutionException e) {
            if (abort.aborted()) {
                throw abort.exception(null);
            }
            throw transportFailure(e.getCause() == null ? e : e.getCause(), target);
        } finally {
            unwatch.run();
        }
        BodyQueue body = new BodyQueue();
        Runnable unwatchBody = abort.onAbort(body::abort);
        response.body().subscribe(body);
        return new Open(response, body, unwatchBody);
    }

    private static HttpRequest request(WireCall call, ProviderTarget target, boolean stream) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(call.uri())
                    .timeout(target.timeout())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(call.body()))
                    .header("Content-Type", "application/json")
                    .header("Accept", stream ? "text/event-stream" : "application/json");
            if ("http".equalsIgnoreCase(call.uri().getScheme())) {
                // plain-text servers (vLLM, Ollama, mocks): no h2c upgrade attempt; TLS negotiates HTTP/2 by ALPN
                b.version(HttpClient.Version.HTTP_1_1);
            }
            call.headers().forEach(b::setHeader);
            target.extraHeaders().forEach(b::setHeader);
            return b.build();
        } catch (IllegalArgumentException e) {
            // the JDK's message quotes the bad header value, which is the key when the key holds a line break (a key
            // file's trailing newline): neither the message nor the exception is kept
            throw new ProviderException(ProviderError.of(ErrorKind.INVALID_REQUEST,
                    "cannot build the provider request: a header name or value is invalid (does the API key hold a "
                            + "line break or control character?)"));
        }
    }

    /** A call interrupted by its caller: cancelled, reported as a timeout (the caller gave up waiting). */
    static ProviderException interrupted(InterruptedException e) {
        return new ProviderException(ProviderError.of(ErrorKind.TIMEOUT, "call interrupted and cancelled"), e);
    }

    static ProviderException transportFailure(Throwable cause, ProviderTarget target) {
        Throwable root = cause;
        while (root.getCause() != null && !(root instanceof ConnectException)
                && !(root instanceof HttpTimeoutException)) {
            root = root.getCause();
        }
        ErrorKind kind;
        String message;
        if (root instanceof HttpConnectTimeoutException) {
            kind = ErrorKind.CONNECTION_ERROR;
            message = "connect timed out";
        } else if (root instanceof HttpTimeoutException) {
            kind = ErrorKind.TIMEOUT;
            message = "no response within " + target.timeout();
        } else if (root instanceof ConnectException) {
            kind = ErrorKind.CONNECTION_ERROR;
            message = "connection refused or failed";
        } else if (root instanceof UnresolvedAddressException || root instanceof java.net.UnknownHostException) {
            kind = ErrorKind.CONNECTION_ERROR;
            message = "host not resolved";
        } else if (root instanceof IOException) {
            kind = ErrorKind.CONNECTION_ERROR;
            message = "i/o failure: " + root.getClass().getSimpleName();
        } else {
            kind = ErrorKind.CONNECTION_ERROR;
            message = "request failed: " + root.getClass().getSimpleName();
        }
        return new ProviderException(ProviderError.of(kind, message + " (" + target.provider() + ")"), cause);
    }
}
