package dev.llmq.provider.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A provider that misbehaves without limit, for tests only: it generates its answer while writing (a gigantic body
 * costs this JVM no memory), counts the bytes the client took before hanging up, or never answers. Binds 127.0.0.1
 * on an ephemeral port.
 */
public final class HostilePeer implements AutoCloseable {

    /** What the peer does with each request. */
    public enum Mode {
        /** Accepts the request and never answers until closed. */
        SILENT,
        /** A 200 {@code text/event-stream} of chunk events without end: never {@code [DONE]}. */
        ENDLESS_STREAM,
        /** A 200 {@code text/event-stream} whose first event is one {@code data:} line of {@link #size} bytes. */
        HUGE_EVENT,
        /** A 200 {@code application/json} body of {@link #size} bytes (one JSON string). */
        HUGE_BODY
    }

    private static final byte[] CHUNK = ("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ab\"},\"finish_reason\":null}]}\n\n")
            .getBytes(StandardCharsets.UTF_8);

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch hungUp = new CountDownLatch(1);
    private final AtomicLong written = new AtomicLong();
    private final Mode mode;
    private final long size;

    /** A peer in {@code mode}; {@code size} is the huge event's or body's length in bytes. */
    public HostilePeer(Mode mode, long size) throws IOException {
        this.mode = mode;
        this.size = size;
        server = FakePeer.loopback(this::handle, executor);
    }

    public URI base() {
        return FakePeer.base(server);
    }

    /** Bytes of the body written before the client hung up (or so far). */
    public long written() {
        return written.get();
    }

    /** Counted down when a write failed: the client hung up. */
    public CountDownLatch clientHungUp() {
        return hungUp;
    }

    private void handle(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        try {
            switch (mode) {
                case SILENT -> release.await();
                case ENDLESS_STREAM -> {
                    OutputStream out = start(ex, "text/event-stream");
                    while (release.getCount() > 0) {
                        write(out, CHUNK, CHUNK.length);
                    }
                }
                case HUGE_EVENT -> {
                    OutputStream out = start(ex, "text/event-stream");
                    write(out, "data: \"".getBytes(StandardCharsets.UTF_8), 7);
                    fill(out, size);
                }
                case HUGE_BODY -> {
                    OutputStream out = start(ex, "application/json");
                    write(out, "\"".getBytes(StandardCharsets.UTF_8), 1);
                    fill(out, size);
                }
            }
        } catch (IOException e) {
            hungUp.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ex.close();
        }
    }

    private static OutputStream start(HttpExchange ex, String contentType) throws IOException {
        ex.getResponseHeaders().add("Content-Type", contentType);
        ex.sendResponseHeaders(200, 0);
        return ex.getResponseBody();
    }

    private void fill(OutputStream out, long bytes) throws IOException {
        byte[] block = new byte[64 * 1024];
        java.util.Arrays.fill(block, (byte) 'x');
        for (long left = bytes; left > 0 && release.getCount() > 0; left -= block.length) {
            write(out, block, (int) Math.min(block.length, left));
        }
    }

    private void write(OutputStream out, byte[] bytes, int len) throws IOException {
        out.write(bytes, 0, len);
        out.flush();
        written.addAndGet(len);
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
