package dev.llmq.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.llmq.runtime.mock.MockLlmServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final int WARM_UP = 30;
    private static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(1000);

    @Test
    void closedLoopSendsEveryRequestToTheMockAndRecordsEachOnce() throws Exception {
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        AtomicLong requestBytes = new AtomicLong();
        try (MockLlmServer mock = MockLlmServer.builder().port(0)
                .chatListener((model, texts, received, answered) -> seen.add(JobBodies.jobNumber(texts.getLast())))
                .build().start()) {
            Target target = new Target.OpenAiChat(URI.create(mock.baseUrl()), new JobBodies("bench", 1024, 7), "k",
                    1000);
            for (long seq = 0; seq < 120; seq++) {
                requestBytes.addAndGet(target.request(seq).length);
            }
            LoadResult r = LoadGenerator.run(target, LoadSpec.closed(4, BOUND, 120), ResponseListener.NONE);

            assertThat(r.sent()).isEqualTo(120);
            assertThat(r.succeeded()).isEqualTo(120);
            assertThat(r.jobs()).isEqualTo(120);
            assertThat(r.errorsByStatus()).isEmpty();
            assertThat(r.serviceTime().getTotalCount()).isEqualTo(120);
            assertThat(r.latency().getTotalCount()).isGreaterThanOrEqualTo(120);
            assertThat(r.expectedIntervalNanos()).isPositive();
            assertThat(r.bytesSent()).isEqualTo(requestBytes.get());
            assertThat(r.bytesReceived()).isGreaterThan(120L * 100);
            assertThat(seen).hasSize(120).allSatisfy(n -> assertThat(n).isBetween(1000L, 1119L));
            assertThat(mock.requests()).hasSize(120).allSatisfy(q -> assertThat(q.hasAuthorization()).isTrue());
        }
    }

    @Test
    void openLoopSendsAtTheRateAndMeasuresFromTheDueTime() throws Exception {
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger listened = new AtomicInteger();
        try (MockLlmServer mock = MockLlmServer.builder().port(0)
                .chatListener((model, texts, received, answered) -> seen.add(JobBodies.jobNumber(texts.getLast())))
                .build().start()) {
            Target target = new Target.OpenAiChat(URI.create(mock.baseUrl()), new JobBodies("bench", 256, 7), null, 0);
            LoadResult r = LoadGenerator.run(target, LoadSpec.open(400, 8, BOUND, 100), (seq, intended, sent, done,
                    status, body) -> {
                assertThat(intended).isLessThanOrEqualTo(sent);
                if (status == 200 && new String(body, StandardCharsets.UTF_8).contains("chat.completion")) {
                    listened.incrementAndGet();
                }
            });

            assertThat(r.sent()).isEqualTo(100);
            assertThat(r.succeeded()).isEqualTo(100);
            assertThat(listened).hasValue(100);
            assertThat(r.behindSchedule()).isZero();
            assertThat(r.latency().getTotalCount()).isEqualTo(100);
            assertThat(r.serviceTime().getTotalCount()).isEqualTo(100);
            // every request's latency from its due time is at least its service time, so every percentile is too
            for (double p : new double[] {50, 90, 99, 100}) {
                assertThat(r.latency().getValueAtPercentile(p)).isGreaterThanOrEqualTo(
                        r.serviceTime().getValueAtPercentile(p));
            }
            // 100 requests due at 400/s: the last is due 247.5 ms after the first
            assertThat(r.seconds()).isGreaterThanOrEqualTo(0.2475);
            assertThat(seen).hasSize(100).allSatisfy(n -> assertThat(n).isBetween(0L, 99L));
            assertThat(mock.requests()).allSatisfy(q -> assertThat(q.hasAuthorization()).isFalse());
        }
    }

    @Test
    void openLoopCorrectionCountsTheRequestsAStallHeldBack() throws Exception {
        try (StallingServer server = new StallingServer(WARM_UP + 10)) {
            server.warmUp();
            // 200/s over one connection: requests 11.. are due every 5 ms while request 10 (due at 50 ms) stalls
            // 1 s, so requests 11..99 (due by 495 ms) are sent after 1,050 ms: each waited more than 500 ms
            LoadResult r = LoadGenerator.run(server.target(), LoadSpec.open(200, 1, BOUND, 100),
                    ResponseListener.NONE);

            assertThat(r.succeeded()).isEqualTo(100);
            assertThat(above(r.serviceTime(), STALL_NANOS / 2)).isEqualTo(1);
            assertThat(above(r.latency(), STALL_NANOS / 2)).isGreaterThanOrEqualTo(50);
            assertThat(r.latency().getValueAtPercentile(50)).isGreaterThan(r.serviceTime().getValueAtPercentile(50));
        }
    }

    @Test
    void closedLoopCorrectionFillsInTheRequestsAStallKeptFromBeingSent() throws Exception {
        try (StallingServer server = new StallingServer(WARM_UP + 10)) {
            server.warmUp();
            LoadResult r = LoadGenerator.run(server.target(), LoadSpec.closed(1, BOUND, 100), ResponseListener.NONE);

            assertThat(r.succeeded()).isEqualTo(100);
            assertThat(r.serviceTime().getTotalCount()).isEqualTo(100);
            assertThat(above(r.serviceTime(), STALL_NANOS / 2)).isEqualTo(1);
            // a 500 ms answer where the median is far shorter hides many requests: the correction adds them
            assertThat(r.expectedIntervalNanos()).isLessThan(STALL_NANOS / 20);
            assertThat(above(r.latency(), STALL_NANOS / 2)).isGreaterThan(5);
            assertThat(r.latency().getTotalCount()).isGreaterThan(r.serviceTime().getTotalCount() + 10);
        }
    }

    @Test
    void aTargetThatRefusesIsCountedByStatusAndAClosedPortAsNoAnswer() throws Exception {
        try (MockLlmServer mock = MockLlmServer.builder().port(0).apiKey("right").build().start()) {
            Target wrongKey = new Target.OpenAiChat(URI.create(mock.baseUrl()), new JobBodies("bench", 64, 1),
                    "wrong", 0);
            LoadResult refused = LoadGenerator.run(wrongKey, LoadSpec.closed(2, BOUND, 10), ResponseListener.NONE);
            assertThat(refused.succeeded()).isZero();
            assertThat(refused.errorsByStatus()).containsExactly(java.util.Map.entry(401, 10L));
            assertThat(refused.errorSamples().get(401)).contains("Incorrect API key provided");
            assertThat(refused.errorSummary()).startsWith("HTTP 401: 10 (first: {");
        }
        int closedPort;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Target nobody = new Target.OpenAiChat(URI.create("http://127.0.0.1:" + closedPort), new JobBodies("b", 64, 1),
                null, 0);
        LoadResult r = LoadGenerator.run(nobody, LoadSpec.closed(1, BOUND, 3), ResponseListener.NONE);
        assertThat(r.errorsByStatus()).containsExactly(java.util.Map.entry(LoadResult.TRANSPORT_ERROR, 3L));
        assertThat(r.errorSummary()).startsWith("no answer: 3 (first: java.net.ConnectException");
    }

    @Test
    void runsOnOnePoolShareItsConnectionsAndReopenThoseTheServerClosed() throws Exception {
        // runs bounded by time, not count, so that every connection's thread gets requests to send; the clock starts
        // before the threads do, and on a busy machine (a CI run of 300 ms) a thread once sent nothing, so its
        // connection was not opened again: a second leaves each thread time to be scheduled and to connect
        Duration run = Duration.ofSeconds(1);
        try (KeepAliveServer server = new KeepAliveServer();
             ConnectionPool pool = new ConnectionPool(server.base(), BOUND)) {
            Target target = new Target.OpenAiChat(server.base(), new JobBodies("pool", 64, 1), null, 0);

            LoadResult warmUp = LoadGenerator.run(target, LoadSpec.closed(4, run, Long.MAX_VALUE),
                    ResponseListener.NONE, pool);
            LoadResult measured = LoadGenerator.run(target, LoadSpec.closed(4, run, Long.MAX_VALUE),
                    ResponseListener.NONE, pool);
            assertThat(List.of(warmUp, measured)).allSatisfy(r -> {
                assertThat(r.succeeded()).isPositive().isEqualTo(r.sent());
                assertThat(r.errorsByStatus()).isEmpty();
            });
            assertThat(server.accepted()).as("the second run goes on the first one's connections").hasValue(4);

            server.closeConnections();
            LoadResult afterClose = LoadGenerator.run(target, LoadSpec.closed(6, run, Long.MAX_VALUE),
                    ResponseListener.NONE, pool);
            assertThat(afterClose.succeeded()).as("connections the server closed are opened again, not failed on")
                    .isPositive().isEqualTo(afterClose.sent());
            assertThat(afterClose.errorsByStatus()).isEmpty();
            assertThat(server.accepted()).hasValue(4 + 6);
            assertThat(pool.size()).isEqualTo(6);

            LoadResult own = LoadGenerator.run(target, LoadSpec.closed(2, run, Long.MAX_VALUE), ResponseListener.NONE);
            assertThat(own.succeeded()).isPositive().isEqualTo(own.sent());
            assertThat(server.accepted()).as("a run without a pool opens its own").hasValue(4 + 6 + 2);
        }
        try (ConnectionPool pool = new ConnectionPool(URI.create("http://127.0.0.1:1"), BOUND)) {
            Target elsewhere = new Target.OpenAiChat(URI.create("http://127.0.0.1:2"), new JobBodies("b", 64, 1),
                    null, 0);
            assertThatThrownBy(() -> LoadGenerator.run(elsewhere, LoadSpec.closed(1, BOUND, 1),
                    ResponseListener.NONE, pool)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("http://127.0.0.1:1");
        }
    }

    @Test
    void answersArrivingInPiecesAreReadWholeAndAnAnswerPastTheTimeoutFailsAsOne() throws Exception {
        // the first answer comes a byte per write, the second chunked with a CRLF split between two writes, the third
        // never: each piece is a read of its own, so the client's buffer is refilled inside lines and bodies
        String first = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst";
        List<String> second = List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chun", "ked\r\n\r\n3\r",
                "\nsec\r\n4;ext=1\r\nond!\r\n0\r\n", "\r\n");
        List<List<String>> answers = List.of(first.chars().mapToObj(c -> String.valueOf((char) c)).toList(), second);
        try (ScriptedServer server = new ScriptedServer(answers)) {
            Target target = new Target.OpenAiChat(server.base(), new JobBodies("pieces", 64, 1), null, 0);
            List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
            LoadSpec spec = new LoadSpec(new LoadSpec.Loop.Closed(1), BOUND, 3, Duration.ofMillis(1000));
            LoadResult r = LoadGenerator.run(target, spec, (seq, intended, sent, done, status, body) ->
                    bodies.add(status + " " + new String(body, StandardCharsets.US_ASCII)));

            assertThat(bodies).containsExactly("200 first", "200 second!", LoadResult.TRANSPORT_ERROR + " ");
            assertThat(r.bytesReceived()).isEqualTo(first.length() + String.join("", second).length());
            assertThat(r.errorsByStatus()).containsExactly(java.util.Map.entry(LoadResult.TRANSPORT_ERROR, 1L));
            assertThat(r.errorSamples().get(LoadResult.TRANSPORT_ERROR))
                    .startsWith("java.net.SocketTimeoutException: no whole answer within 1000 ms");
            assertThat(server.accepted()).as("the three requests went on one connection").hasValue(1);
        }
    }

    @Test
    void ingestRequestsAreNdjsonOfNumberedJobsAndThe202BodyGivesTheirIds() {
        JobBodies bodies = new JobBodies("gpt-4o-mini", 1024, 3);
        Target target = new Target.LlmqIngest(URI.create("http://127.0.0.1:4000"), bodies, 3, "sk-1", 500);
        String request = new String(target.request(2), StandardCharsets.US_ASCII);
        String[] parts = request.split("\r\n\r\n", 2);

        assertThat(parts[0]).startsWith("POST /v1/jobs HTTP/1.1\r\n").contains("Content-Type: application/x-ndjson")
                .contains("Authorization: Bearer sk-1").contains("Content-Length: " + parts[1].length());
        List<String> lines = List.of(parts[1].split("\n"));
        assertThat(lines).hasSize(3).allSatisfy(l -> assertThat(l).hasSize(1024).startsWith("{\"model\":\"gpt-4o-mini\""));
        assertThat(lines.stream().map(JobBodies::jobNumber)).containsExactly(506L, 507L, 508L);
        assertThat(bodies.body(506)).isNotEqualTo(bodies.body(507));
        assertThat(new String(new Target.LlmqIngest(URI.create("http://h:1/p/"), bodies, 1, null, 0).request(0),
                StandardCharsets.US_ASCII)).startsWith("POST /p/v1/jobs HTTP/1.1").contains("application/json")
                .doesNotContain("Authorization").doesNotContain("Idempotency-Key");

        // with keys: one of its own per request, named by its first job, kept when the jobs are numbered elsewhere
        Target.LlmqIngest keyed = new Target.LlmqIngest(URI.create("http://127.0.0.1:4000"), bodies, 3, null, 500, "k");
        assertThat(new String(keyed.request(2), StandardCharsets.US_ASCII).split("\r\n\r\n", 2)[0] + "\r\n")
                .contains("\r\nIdempotency-Key: k-506\r\n").contains("Content-Type: application/x-ndjson");
        assertThat(new String(keyed.from(9_000).request(0), StandardCharsets.US_ASCII))
                .contains("\r\nIdempotency-Key: k-9000\r\n");
        assertThat(new String(target.request(2), StandardCharsets.US_ASCII)).doesNotContain("Idempotency-Key");

        byte[] accepted = ("{\"object\":\"llmq.job.submission\",\"batch_id\":\"batch_1\",\"jobs\":[{\"id\":\"job_a\","
                + "\"custom_id\":null,\"status\":\"queued\"},{\"id\":\"job_b\",\"custom_id\":\"x\",\"status\":\"queued\"}],"
                + "\"count\":2}").getBytes(StandardCharsets.UTF_8);
        assertThat(SubmittedJobs.ids(accepted)).containsExactly("job_a", "job_b");
    }

    private static long above(Histogram h, long nanos) {
        return h.getCountBetweenValues(nanos, Math.max(nanos, h.getMaxValue()));
    }

    /**
     * An HTTP/1.1 server on a plain socket: reads each request whole (head and {@code Content-Length} body) and lets
     * {@link #answer} write its answer, on a virtual thread per connection; counts the connections it accepts, and can
     * close all of them at once, as a server does with idle ones.
     */
    private abstract static class SocketServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        private final AtomicInteger accepted = new AtomicInteger();
        private final Set<Socket> open = ConcurrentHashMap.newKeySet();

        SocketServer() throws IOException {
        }

        /** Answers one request, read whole; may write nothing. */
        abstract void answer(OutputStream out) throws IOException, InterruptedException;

        /** Starts accepting connections (once the subclass is made). */
        final void start() {
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        accepted.incrementAndGet();
                        open.add(s);
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket s) {
            try (s) {
                BufferedInputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                for (String line = line(in); line != null; line = line(in)) {
                    int length = 0;
                    for (; line != null && !line.isEmpty(); line = line(in)) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring("content-length:".length()).trim());
                        }
                    }
                    in.readNBytes(length);
                    answer(out);
                }
            } catch (IOException | InterruptedException e) {
                // closed by closeConnections, by the client or at the end
            } finally {
                open.remove(s);
            }
        }

        /** A line without its CRLF, or null at the end of the stream. */
        private static String line(BufferedInputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    return null;
                }
                if (b != '\r') {
                    sb.append((char) b);
                }
            }
            return sb.toString();
        }

        URI base() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        AtomicInteger accepted() {
            return accepted;
        }

        void closeConnections() throws IOException {
            for (Socket s : open) {
                s.close();
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            closeConnections();
        }
    }

    /** Answers every request 200 with a two-byte body, keeping the connection open. */
    private static final class KeepAliveServer extends SocketServer {

        KeepAliveServer() throws IOException {
            start();
        }

        @Override
        void answer(OutputStream out) throws IOException {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    /**
     * Answers its requests in order with the given pieces, each written and flushed on its own a millisecond apart,
     * and does not answer the requests after them (nor closes their connection).
     */
    private static final class ScriptedServer extends SocketServer {
        private final List<List<String>> answers;
        private final AtomicInteger next = new AtomicInteger();

        ScriptedServer(List<List<String>> answers) throws IOException {
            this.answers = answers;
            start();
        }

        @Override
        void answer(OutputStream out) throws IOException, InterruptedException {
            int n = next.getAndIncrement();
            if (n >= answers.size()) {
                return; // no answer
            }
            for (String piece : answers.get(n)) {
                out.write(piece.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(1); // spacing the pieces, not waiting for anything: pieces read together still pass
            }
        }
    }

    /**
     * A real HTTP server on 127.0.0.1 that answers 200 at once (chunked), except request number {@code stallAt}
     * (counted from 0 over the server's life),
     * which it holds for {@link #STALL_NANOS} first.
     */
    private static final class StallingServer implements AutoCloseable {
        private final HttpServer server;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final AtomicInteger count = new AtomicInteger();

        StallingServer(int stallAt) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                if (count.getAndIncrement() == stallAt) {
                    CountDownLatch released = new CountDownLatch(1);
                    timer.schedule(released::countDown, STALL_NANOS, TimeUnit.NANOSECONDS);
                    try {
                        released.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                exchange.sendResponseHeaders(200, 0); // chunked
                try (var out = exchange.getResponseBody()) {
                    out.write("{\"ok\":true}".getBytes(StandardCharsets.UTF_8));
                }
            });
            server.start();
        }

        /** {@link #WARM_UP} requests first, so that a cold start is not taken for the stall. */
        void warmUp() throws InterruptedException {
            assertThat(LoadGenerator.run(target(), LoadSpec.closed(1, BOUND, WARM_UP), ResponseListener.NONE)
                    .succeeded()).isEqualTo(WARM_UP);
        }

        Target target() {
            return new Target.OpenAiChat(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                    new JobBodies("stall", 128, 1), null, 0);
        }

        @Override
        public void close() {
            server.stop(0);
            timer.shutdownNow();
        }
    }
}
