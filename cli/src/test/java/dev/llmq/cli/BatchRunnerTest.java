package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link BatchRunner#await}: polls the batches until every job ended, asking an ended batch no more. */
class BatchRunnerTest {

    private HttpServer server;
    private final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/batches/", exchange -> {
            String batch = exchange.getRequestURI().getPath().substring("/v1/batches/".length());
            int n = asked.computeIfAbsent(batch, b -> new AtomicInteger()).incrementAndGet();
            // batch_done has ended at the first question; batch_slow's second job ends at the third
            long succeeded = batch.equals("batch_done") ? 2 : n >= 3 ? 2 : 1;
            String body = "{\"total\":2,\"counts\":{\"queued\":0,\"running\":" + (2 - succeeded)
                    + ",\"succeeded\":" + succeeded + ",\"failed\":0}}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void anEndedBatchIsAskedOnce() throws Exception {
        IngestClient client = new IngestClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
        List<IngestClient.Submission> submissions = List.of(
                new IngestClient.Submission("batch_done", List.of("job_1", "job_2")),
                new IngestClient.Submission("batch_slow", List.of("job_3", "job_4")));

        BatchRunner.Run run = new BatchRunner(client, 2, System.err).await(submissions, 4, false, System.nanoTime());

        assertThat(run.succeeded()).isEqualTo(4);
        assertThat(asked.get("batch_slow")).hasValue(3);
        assertThat(asked.get("batch_done")).hasValue(1);
    }
}
