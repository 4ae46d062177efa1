package dev.llmq.runtime.mock.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.RecordedRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The request log under requests arriving at once: in sequence order, and every early close is kept; the bodies of the
 * latest requests only, each cut at the limit.
 */
class MockEngineLogTest {

    private static final int THREADS = 4;
    private static final int EACH = 5_000;

    @Test
    void requestsLoggedAtOnceAreKeptInSequenceOrderAndEveryCloseIsNoted() throws Exception {
        MockEngine engine = new MockEngine(Clock.systemUTC(), 1, Optional.empty(), THREADS * EACH,
                MockBehavior.defaults(), Map.of(), (id, nanos) -> { });
        MockEngine.RequestInfo info = new MockEngine.RequestInfo("openai", "POST", "/v1/chat/completions", "m",
                false, false, Map.of());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < EACH; i++) {
                    engine.admit(info, true);
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }

        List<RecordedRequest> logged = engine.requests();
        assertThat(logged).hasSize(THREADS * EACH);
        assertThat(logged).extracting(RecordedRequest::sequence).as("the log in sequence order").isSorted();
        // a close is noted by sequence: one logged out of order was dropped as if it had left the log already
        logged.forEach(r -> engine.clientClosed(r.sequence()));
        assertThat(engine.requests()).allMatch(RecordedRequest::clientClosed);
    }

    @Test
    void onlyTheLatestRequestsKeepTheirBodiesEachCutAtTheLimit() {
        MockEngine engine = new MockEngine(Clock.systemUTC(), 1, Optional.empty(), 10_000, MockBehavior.defaults(),
                Map.of(), (id, nanos) -> { });
        int sent = RecordedRequest.BODIES_KEPT + 5;
        for (int i = 0; i < sent; i++) {
            byte[] body = i == sent - 1 ? "x".repeat(RecordedRequest.BODY_LIMIT + 10).getBytes()
                    : ("{\"n\":" + i + "}").getBytes();
            engine.admit(new MockEngine.RequestInfo("openai", "POST", "/v1/chat/completions", "m", false, false,
                    Map.of(), body), true);
        }
        List<RecordedRequest> log = engine.requests();
        assertThat(log).hasSize(sent);
        assertThat(log.subList(0, 5)).allSatisfy(r -> assertThat(r.body()).isNull());
        assertThat(log.get(5).body()).isEqualTo("{\"n\":5}");
        assertThat(log.get(5).bodyTruncated()).isFalse();
        RecordedRequest big = log.getLast();
        assertThat(big.body()).hasSize(RecordedRequest.BODY_LIMIT);
        assertThat(big.bodyBytes()).isEqualTo(RecordedRequest.BODY_LIMIT + 10);
        assertThat(big.bodyTruncated()).isTrue();
        engine.clearRequests();
        assertThat(engine.requests()).isEmpty();
    }
}
