package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.resilience4j.core.IntervalFunction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link IngestClient#submitNdjson}: transient failures are retried with the same Idempotency-Key, others not; and
 * {@link BatchRunner} over it: files submitted in slices, batches polled until their jobs ended.
 */
class IngestClientSubmitTest {

    private HttpServer server;
    /** In {@link #statuses}: answer 202 with a body that is not llmq's. */
    private static final int GARBLED_202 = -1;
    /** In {@link #statuses}: close the connection without an answer, as an ingest killed while it worked. */
    private static final int NO_ANSWER = -2;

    private final Queue<Integer> statuses = new ConcurrentLinkedQueue<>();
    private final List<String> keys = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> batchQuestions = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/jobs", exchange -> {
            keys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            int status = statuses.isEmpty() ? 202 : statuses.poll();
            if (status == NO_ANSWER) {
                exchange.close();
                return;
            }
            if (status == GARBLED_202) { // a 202 whose body did not come through as llmq wrote it
                respond(exchange, 202, "<html>gateway</html>");
                return;
            }
            respond(exchange, status, status == 202 ? "{\"batch_id\":\"batch_1\",\"jobs\":[{\"id\":\"job_1\"}]}"
                    : "{\"error\":{\"message\":\"status " + status + "\"}}");
        });
        server.createContext("/v1/batches/", exchange -> {
            String batch = exchange.getRequestURI().getPath().substring("/v1/batches/".length());
            if (batch.endsWith("/results")) { // two lines, then llmq's line saying the rest could not be read
                respond(exchange, 200, "{\"id\":\"job_1\",\"custom_id\":\"a\"}\n"
                        + "{\"id\":\"job_2\",\"custom_id\":\"b\"}\n{\"error\":{\"message\":\"job status is not available right now\",\"type\":"
                        + "\"service_unavailable\",\"param\":null,\"code\":\"status_unavailable\"}}\n");
                return;
            }
            int n = batchQuestions.computeIfAbsent(batch, b -> new AtomicInteger()).incrementAndGet();
            // batch_unread is not read by the store for two questions; batch_stuck never is
            if (batch.equals("batch_stuck") || batch.equals("batch_unread") && n <= 2) {
                respond(exchange, 503, "{\"error\":{\"message\":\"job status is not available right now (the "
                        + "status store has not read as far as batch " + batch + " yet); retry shortly\"}}");
                return;
            }
            // batch_done has ended at the first question; batch_slow's second job ends at the third
            long succeeded = batch.equals("batch_done") || n >= 3 ? 2 : 1;
            respond(exchange, 200, "{\"total\":2,\"counts\":{\"queued\":0,\"running\":" + (2 - succeeded)
                    + ",\"succeeded\":" + succeeded + ",\"failed\":0}}");
        });
        server.start();
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private IngestClient client() {
        return new IngestClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @Test
    void aResultsDownloadThatLlmqCouldNotFinishIsAnErrorNotALine(@TempDir Path dir) {
        List<String> lines = new ArrayList<>();
        assertThatThrownBy(() -> client().batchResults("batch_cut", lines::add))
                .isInstanceOf(IngestClient.ApiException.class)
                .hasMessageContaining("batch_cut's results stopped after 2 lines")
                .hasMessageContaining("job status is not available right now");
        assertThat(lines).hasSize(2);
        // written to a file: nothing is left, under its name or the temporary one
        Path out = dir.resolve("out.jsonl");
        assertThatThrownBy(() -> new BatchRunner(client(), 1, System.err).writeResults(List.of("batch_cut"), out))
                .isInstanceOf(IngestClient.ApiException.class);
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void aBatchLookupAnswered503IsAskedAgainForAWhileThenRefused() throws Exception {
        IngestClient fast = new IngestClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), null,
                IntervalFunction.of(Duration.ofMillis(10)));

        assertThat(fast.batch("batch_unread").succeeded()).as("answered at the third question").isEqualTo(2);
        assertThat(batchQuestions.get("batch_unread")).hasValue(3);

        assertThatThrownBy(() -> fast.batch("batch_stuck")).isInstanceOf(IngestClient.ApiException.class)
                .hasMessageContaining("HTTP 503").hasMessageContaining("has not read as far as batch batch_stuck");
        assertThat(batchQuestions.get("batch_stuck")).hasValue(IngestClient.LOOKUP_ATTEMPTS);
    }

    @Test
    void aBusyIngestIsTriedAgainWithTheSameKey() throws Exception {
        statuses.add(503);

        IngestClient.Submission submission = client().submitNdjson(List.of("{\"model\":\"g\"}"));

        assertThat(submission.jobIds()).containsExactly("job_1");
        assertThat(keys).hasSize(2).doesNotContainNull();
        assertThat(keys.get(1)).isEqualTo(keys.get(0));
    }

    @Test
    void anApiKeyTravelsAsABearerTokenAndNoneWithout() throws Exception {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        new IngestClient(url, " llmq-sk-test \n").submitNdjson(List.of("{\"model\":\"g\"}"));
        new IngestClient(url, "").submitNdjson(List.of("{\"model\":\"g\"}"));
        client().submitNdjson(List.of("{\"model\":\"g\"}"));

        assertThat(authorizations).containsExactly("Bearer llmq-sk-test", "null", "null");
    }

    @Test
    void aRejectedSubmissionIsNotRetried() {
        statuses.add(400);

        assertThatThrownBy(() -> client().submitNdjson(List.of("{}")))
                .isInstanceOf(IngestClient.ApiException.class).hasMessageContaining("HTTP 400");
        assertThat(keys).hasSize(1);
    }

    @Test
    void aRejectedSliceIsNamedWithTheLinesAndBatchesSubmittedBeforeIt() {
        List<String> lines = List.of("{\"model\":\"g\"}", "{\"model\":\"g\"}", "{}");
        statuses.add(202);
        statuses.add(400);
        assertThatThrownBy(() -> new BatchRunner(client(), 1, System.err).submit(lines))
                .hasMessage("line 2 was rejected (HTTP 400: status 400); 1 earlier line was submitted as batch_1");

        statuses.add(400);
        assertThatThrownBy(() -> new BatchRunner(client(), 2, System.err).submit(lines))
                .hasMessage("lines 1–2 were rejected (HTTP 400: status 400); nothing was submitted");

        statuses.add(202);
        statuses.add(GARBLED_202);
        assertThatThrownBy(() -> new BatchRunner(client(), 1, System.err).submit(lines))
                .hasMessageStartingWith("line 2 was not confirmed (")
                .hasMessageEndingWith("); 1 earlier line was submitted as batch_1");
    }

    @Test
    void aFileIsSubmittedInSlicesOfItsNonBlankLines(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("in.jsonl"),
                "{\"a\":1}\n\n{\"a\":2}\n  \n{\"a\":3}\n{\"a\":4}\n{\"a\":5}");
        BatchRunner.Submitted submitted = new BatchRunner(client(), 2, System.err).submitFile(file);
        assertThat(submitted.jobs()).isEqualTo(5);
        assertThat(submitted.submissions()).hasSize(3);
        assertThat(bodies).extracting(body -> body.strip().split("\n").length).containsExactly(2, 2, 1);
        assertThat(bodies.get(2)).contains("{\"a\":5}");
    }

    @Test
    void aFileThatIsNotUtf8StopsSayingSoAndWhatWasSubmitted(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":\"".getBytes(StandardCharsets.UTF_8));
        bytes.write(new byte[] {(byte) 0xC3, (byte) 0x28}); // not UTF-8
        bytes.write("\"}\n".getBytes(StandardCharsets.UTF_8));
        Path file = Files.write(dir.resolve("latin.jsonl"), bytes.toByteArray());
        assertThatThrownBy(() -> new BatchRunner(client(), 2, System.err).submitFile(file))
                .hasMessage(file + " is not UTF-8 text; nothing was submitted");
        assertThat(bodies).as("nothing sent: the reader decodes ahead of the lines it hands out").isEmpty();

        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 2_500; i++) { // two full slices and a half one that is never sent
            big.append("{\"a\":").append(i).append("}\n");
        }
        bytes.reset();
        bytes.write(big.toString().getBytes(StandardCharsets.UTF_8));
        bytes.write(new byte[] {(byte) 0xC3, (byte) 0x28, '\n'});
        Path late = Files.write(dir.resolve("late.jsonl"), bytes.toByteArray());
        assertThatThrownBy(() -> new BatchRunner(client(), 1_000, System.err).submitFile(late))
                .hasMessage(late + " is not UTF-8 text; 2000 earlier lines were submitted as batch_1 batch_1");
    }

    @Test
    void aRunNamesCancelledAndExpiredJobsOnlyWhenThereAreSome() {
        BatchRunner.Run clean = new BatchRunner.Run(3, 3, 0, 0, 0, Duration.ZERO);
        assertThat(clean.outcome()).isEqualTo("3 succeeded, 0 failed");
        assertThat(clean.unsuccessful()).isZero();
        BatchRunner.Run cancelled = new BatchRunner.Run(3000, 787, 1, 2211, 1, Duration.ZERO);
        assertThat(cancelled.outcome()).isEqualTo("787 succeeded, 1 failed, 2211 cancelled, 1 expired");
        assertThat(cancelled.unsuccessful()).isEqualTo(2213);
    }

    @Test
    void waitingAsksAnEndedBatchOnce() throws Exception {
        List<IngestClient.Submission> submissions = List.of(
                new IngestClient.Submission("batch_done", List.of("job_1", "job_2")),
                new IngestClient.Submission("batch_slow", List.of("job_3", "job_4")));

        BatchRunner.Run run = new BatchRunner(client(), 2, System.err).await(BatchRunner.batches(submissions), 4, false,
                System.nanoTime());

        assertThat(run.succeeded()).isEqualTo(4);
        assertThat(batchQuestions.get("batch_slow")).hasValue(3);
        assertThat(batchQuestions.get("batch_done")).hasValue(1);
    }

    @Test
    void onlyUnreachableFailingOrSilentServersAreTransient() {
        assertThat(IngestClient.isTransient(new IngestClient.ApiException(503, "busy"))).isTrue();
        assertThat(IngestClient.isTransient(new IngestClient.ApiException(500, "boom"))).isTrue();
        assertThat(IngestClient.isTransient(new IngestClient.ApiException(422, "key reused"))).isFalse();
        assertThat(IngestClient.isTransient(new IOException("down", new ConnectException("refused")))).isTrue();
        assertThat(IngestClient.isTransient(new IngestClient.NoAnswer("gone", new IOException("reset")))).isTrue();
        assertThat(IngestClient.isTransient(new IOException("not llmq's answer"))).isFalse();
        assertThat(IngestClient.isTransient(new java.net.http.HttpTimeoutException("request timed out")))
                .as("a submission llmq took two minutes over is not sent again").isFalse();
    }

    /** An ingest gone before it answered (killed, then started again): the retry's key tells whether it went in. */
    @Test
    void aSubmissionLeftWithoutAnAnswerIsTriedAgainWithTheSameKey() throws Exception {
        statuses.add(NO_ANSWER);

        IngestClient.Submission submission = client().submitNdjson(List.of("{\"model\":\"g\"}"));

        assertThat(submission.jobIds()).containsExactly("job_1");
        assertThat(keys).hasSize(2).doesNotContainNull();
        assertThat(keys.get(1)).isEqualTo(keys.get(0));
    }

    /** A client whose submissions wait a millisecond between attempts. */
    private IngestClient quick(URI url) {
        return new IngestClient(url, null, IntervalFunction.of(Duration.ofMillis(1)));
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** An ingest started again answers 503 while it reads the topics: waited for well past five attempts. */
    @Test
    void anIngestThatWasReachedIsWaitedForLongerAndEachRetryIsTold() throws Exception {
        for (int i = 0; i < 7; i++) {
            statuses.add(503);
        }
        List<String> notices = new ArrayList<>();

        IngestClient.Submission submission = quick(url()).submitNdjson(List.of("{\"model\":\"g\"}"), notices::add);

        assertThat(submission.jobIds()).containsExactly("job_1");
        assertThat(keys).hasSize(8).containsOnly(keys.getFirst());
        assertThat(notices).hasSize(7).allMatch(n -> n.startsWith("HTTP 503: status 503; trying again in "));
    }

    /**
     * Gone without an answer, then refusing until the attempts run out: not a rejection, since the first attempt may
     * have gone in, and the slice is said to be not confirmed.
     */
    @Test
    void aRefusalAfterAnUnansweredAttemptLeavesTheSubmissionNotConfirmed() {
        statuses.add(NO_ANSWER);
        for (int i = 1; i < IngestClient.REACHED_ATTEMPTS; i++) {
            statuses.add(503);
        }

        assertThatThrownBy(() -> quick(url()).submitNdjson(List.of("{\"model\":\"g\"}")))
                .isInstanceOf(IngestClient.NoAnswer.class)
                .hasMessageEndingWith("after an attempt that went unanswered");
        assertThat(keys).hasSize(IngestClient.REACHED_ATTEMPTS);

        statuses.add(NO_ANSWER);
        for (int i = 1; i < IngestClient.REACHED_ATTEMPTS; i++) {
            statuses.add(503);
        }
        assertThatThrownBy(() -> new BatchRunner(quick(url()), 1, System.err).submit(List.of("{\"model\":\"g\"}")))
                .hasMessageStartingWith("line 1 was not confirmed (");
    }

    /** A URL where nothing listens (a typo, say) fails after a few attempts, not after two minutes. */
    @Test
    void anIngestNeverReachedIsGivenUpAfterAFewAttempts() throws Exception {
        URI nobody;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            nobody = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        List<String> notices = new ArrayList<>();

        assertThatThrownBy(() -> quick(nobody).submitNdjson(List.of("{\"model\":\"g\"}"), notices::add))
                .hasMessageContaining("cannot reach llmq at " + nobody);
        assertThat(notices).hasSize(IngestClient.UNREACHED_ATTEMPTS - 1);
    }
}
