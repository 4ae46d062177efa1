package dev.llmq.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP server on 127.0.0.1 answering the ingest API's paths as the test says: each path (without its query)
 * gets the reply set for it, every time; any other path a 404 in llmq's error shape, or what {@link #refuseAll} set.
 * It records the {@code Authorization} header of each request.
 */
final class FakeIngest implements AutoCloseable {

    /** A status, a content type and a body. */
    record Reply(int status, String contentType, String body) {
    }

    private final HttpServer server;
    private final Map<String, Reply> replies = new ConcurrentHashMap<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile Reply otherwise = new Reply(404, "application/json",
            "{\"error\":{\"message\":\"no reply for this path in the test\"}}");

    private FakeIngest(HttpServer server) {
        this.server = server;
    }

    static FakeIngest start() throws IOException {
        FakeIngest fake = new FakeIngest(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        fake.server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            fake.authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            Reply reply = fake.replies.getOrDefault(exchange.getRequestURI().getPath(), fake.otherwise);
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", reply.contentType());
            exchange.sendResponseHeaders(reply.status(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        fake.server.start();
        return fake;
    }

    /** Answers {@code path} with a JSON body. */
    FakeIngest json(String path, int status, String body) {
        replies.put(path, new Reply(status, "application/json", body));
        return this;
    }

    /** Answers {@code path} with a server-sent event stream, written whole. */
    FakeIngest events(String path, String stream) {
        replies.put(path, new Reply(200, "text/event-stream", stream));
        return this;
    }

    /** Answers every path with {@code status} and llmq's error body carrying {@code message}. */
    FakeIngest refuseAll(int status, String message) {
        replies.clear();
        otherwise = new Reply(status, "application/json", "{\"error\":{\"message\":\"" + message + "\"}}");
        return this;
    }

    /** The {@code Authorization} header of each request so far ("null" where there was none). */
    List<String> authorizations() {
        return authorizations;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
