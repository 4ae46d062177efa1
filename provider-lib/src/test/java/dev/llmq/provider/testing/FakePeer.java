package dev.llmq.provider.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A scripted HTTP peer for tests only: replays queued replies byte for byte, split into the given pieces (each
 * written and flushed on its own), and can stall before the head or after the last piece until closed. Binds
 * 127.0.0.1 on an ephemeral port. Records what it received.
 */
public final class FakePeer implements AutoCloseable {

    public enum Stall { NONE, BEFORE_HEAD, AFTER_BODY }

    /** A scripted reply; {@code gap} is the pause before each piece after the first. */
    public record Reply(int status, Map<String, String> headers, List<byte[]> pieces, Stall stall, Duration gap) {
        public Reply(int status, Map<String, String> headers, List<byte[]> pieces, Stall stall) {
            this(status, headers, pieces, stall, Duration.ZERO);
        }

        public static Reply json(int status, String body, Map<String, String> headers) {
            return new Reply(status, headers, List.of(body.getBytes(StandardCharsets.UTF_8)), Stall.NONE);
        }

        public static Reply sse(String body, int pieceSize) {
            return new Reply(200, Map.of("Content-Type", "text/event-stream"),
                    split(body.getBytes(StandardCharsets.UTF_8), pieceSize), Stall.NONE);
        }

        /** An event stream written one event (up to its blank line) at a time. */
        public static Reply sseEvents(String body) {
            List<byte[]> events = new ArrayList<>();
            for (String event : body.split("(?<=\n\n)")) {
                events.add(event.getBytes(StandardCharsets.UTF_8));
            }
            return new Reply(200, Map.of("Content-Type", "text/event-stream"), events, Stall.NONE);
        }

        public Reply stalling(Stall how) {
            return new Reply(status, headers, pieces, how, gap);
        }

        /** The same reply with {@code gap} between each two pieces. */
        public Reply paced(Duration gap) {
            return new Reply(status, headers, pieces, stall, gap);
        }
    }

    public record Received(String method, URI uri, Map<String, List<String>> headers, byte[] body) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch aborted = new CountDownLatch(1);

    public FakePeer() throws IOException {
        server = loopback(this::handle, executor);
    }

    /** A started server on 127.0.0.1 (an ephemeral port) handing every request to {@code handler}. */
    static HttpServer loopback(com.sun.net.httpserver.HttpHandler handler, ExecutorService executor)
            throws IOException {
        HttpServer started = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        started.createContext("/", handler);
        started.setExecutor(executor);
        started.start();
        return started;
    }

    static URI base(HttpServer server) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public URI base() {
        return base(server);
    }

    public FakePeer enqueue(Reply reply) {
        replies.add(reply);
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Counted down when writing to a client failed, i.e. the client hung up on a stalled reply. */
    public CountDownLatch clientHungUp() {
        return aborted;
    }

    public static List<byte[]> split(byte[] bytes, int pieceSize) {
        List<byte[]> pieces = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += pieceSize) {
            pieces.add(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + pieceSize)));
        }
        return pieces;
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        received.add(new Received(ex.getRequestMethod(), ex.getRequestURI(), Map.copyOf(ex.getRequestHeaders()), body));
        Reply reply = replies.poll();
        if (reply == null) {
            reply = Reply.json(500, "{\"error\":{\"message\":\"no scripted reply\"}}", Map.of());
        }
        try {
            if (reply.stall() == Stall.BEFORE_HEAD) {
                release.await();
                ex.close();
                return;
            }
            reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            long total = reply.pieces().stream().mapToLong(p -> p.length).sum();
            ex.sendResponseHeaders(reply.status(), total == 0 ? -1 : 0);
            OutputStream out = ex.getResponseBody();
            boolean first = true;
            for (byte[] piece : reply.pieces()) {
                if (!first && reply.gap().isPositive()) {
                    release.await(reply.gap().toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
                }
                first = false;
                out.write(piece);
                out.flush();
            }
            if (reply.stall() == Stall.AFTER_BODY) {
                while (!release.await(20, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    out.write(": probe\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
            out.close();
        } catch (IOException e) {
            aborted.countDown();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ex.close();
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
