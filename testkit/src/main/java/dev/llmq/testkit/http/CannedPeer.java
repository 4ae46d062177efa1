package dev.llmq.testkit.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real HTTP server on loopback that answers every request to one path with the status and body set last, whatever
 * was asked: another instance's answers, good or broken, for a client under test. An empty body is sent with no
 * content at all.
 */
public final class CannedPeer implements AutoCloseable {

    private final HttpServer server;
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicReference<String> body = new AtomicReference<>("{}");
    private final AtomicReference<com.sun.net.httpserver.Headers> asked = new AtomicReference<>();

    private CannedPeer(String path) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext(path, exchange -> {
            asked.set(exchange.getRequestHeaders());
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(status.get(), bytes.length == 0 ? -1 : bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    /** Starts one answering on {@code path}: 200 with {@code {}} until told otherwise. */
    public static CannedPeer answering(String path) {
        return new CannedPeer(path);
    }

    /** The next answers: {@code status} with {@code body}. */
    public CannedPeer answer(int status, String body) {
        this.status.set(status);
        this.body.set(body);
        return this;
    }

    /** The value of header {@code name} in the last request answered, or null (none yet, or no such header). */
    public String lastRequestHeader(String name) {
        com.sun.net.httpserver.Headers headers = asked.get();
        return headers == null ? null : headers.getFirst(name);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
