package dev.llmq.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP server on 127.0.0.1 answering {@code GET /v1/usage} as llmq does (the ingest API or the usage
 * aggregator behind it), from replies queued by the test: each query takes the next reply, and the last one is kept
 * for every query after it. It records the raw query strings it was asked.
 */
final class FakeUsageServer implements AutoCloseable {

    /** A status and a JSON body. */
    record Reply(int status, String body) {
    }

    private final HttpServer server;
    private final Queue<Reply> replies = new ConcurrentLinkedQueue<>();
    private final List<String> queries = new CopyOnWriteArrayList<>();

    private FakeUsageServer(HttpServer server) {
        this.server = server;
    }

    static FakeUsageServer start() throws IOException {
        FakeUsageServer fake = new FakeUsageServer(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        fake.server.createContext("/v1/usage", exchange -> {
            fake.queries.add(exchange.getRequestURI().getRawQuery());
            Reply reply = fake.replies.size() > 1 ? fake.replies.poll() : fake.replies.peek();
            if (reply == null) {
                reply = new Reply(500, "{\"error\":{\"message\":\"the test queued no reply\"}}");
            }
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        fake.server.start();
        return fake;
    }

    FakeUsageServer reply(int status, String body) {
        replies.add(new Reply(status, body));
        return this;
    }

    /** The raw query strings asked so far, in order. */
    List<String> queries() {
        return queries;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
