package dev.llmq.router;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.schemas.TokenUsage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test doubles: scripted provider calls and a sleeper that only moves the clock. */
final class Fakes {

    private Fakes() {
    }

    static ProviderResponse ok(long completionTokens, Duration latency) {
        return new ProviderResponse(JsonNodeFactory.instance.objectNode().put("object", "chat.completion"),
                new TokenUsage(10, completionTokens, 10 + completionTokens, 0, 0), latency, null, List.of(), null);
    }

    static ProviderResponse ok() {
        return ok(5, Duration.ofMillis(100));
    }

    static ProviderException fail(ErrorKind kind, int status) {
        return new ProviderException(ProviderError.builder(kind).httpStatus(status).message(kind.wire()).build());
    }

    static ProviderException fail(ErrorKind kind, int status, Duration retryAfter) {
        return new ProviderException(ProviderError.builder(kind).httpStatus(status).message(kind.wire())
                .retryAfter(retryAfter).build());
    }

    /** Answers per deployment id from a script; the last entry repeats. Records which deployments were called. */
    static final class ScriptedCall implements AttemptCall {
        private final Map<String, Deque<Object>> scripts = new HashMap<>();
        final List<String> calls = new ArrayList<>();

        ScriptedCall on(String deploymentId, Object... outcomes) {
            scripts.put(deploymentId, new ArrayDeque<>(List.of(outcomes)));
            return this;
        }

        @Override
        public synchronized ProviderResponse call(Deployment d, int attemptNumber) {
            calls.add(d.id());
            Deque<Object> q = scripts.get(d.id());
            if (q == null || q.isEmpty()) {
                return ok();
            }
            Object next = q.size() > 1 ? q.removeFirst() : q.peekFirst();
            if (next instanceof ProviderException e) {
                throw e;
            }
            return (ProviderResponse) next;
        }
    }

    /** Moves the test clock instead of blocking; records each wait. */
    static final class ClockSleeper implements Sleeper {
        private final MutableClock clock;
        final List<Duration> sleeps = new ArrayList<>();

        ClockSleeper(MutableClock clock) {
            this.clock = clock;
        }

        @Override
        public synchronized void sleep(Duration d) {
            sleeps.add(d);
            clock.advance(d);
        }
    }
}
